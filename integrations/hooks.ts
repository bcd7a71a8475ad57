// Node's module customization hooks of `yielding/register` (registered by register.ts,
// run in Node's hooks thread): local modules are compiled as they load, and the
// `yielding` package resolves to the copy these hooks belong to.
import { readFile } from "node:fs/promises";
import type { LoadHook, ResolveHook } from "node:module";
import { fileURLToPath } from "node:url";
import { declaredFormat, shouldCompileForRun } from "../cli/common.js";
import { transformForRun } from "../cli/transform.js";

/** `.js`-style specifiers a TypeScript file may write for its `.ts` siblings (TypeScript's NodeNext habit). */
const TYPESCRIPT_TWINS: readonly [string, string][] = [
  [".js", ".ts"],
  [".mjs", ".mts"],
  [".cjs", ".cts"],
];

/**
 * Resolves `yielding` and `yielding/…` to this package, wherever the program lives (its
 * folder may have no node_modules, or another version), so compiled code always meets
 * the runtime of the compiler that produced it. In TypeScript files, a missing
 * `./x.js` falls back to `./x.ts`, as TypeScript's own module resolution does.
 */
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  if (specifier === "yielding" || specifier.startsWith("yielding/")) {
    return nextResolve(specifier, { ...context, parentURL: import.meta.url });
  }
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const parent = context.parentURL;
    if ((error as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND" || !parent || !/\.[mc]?ts$/.test(parent)) throw error;
    for (const [js, ts] of TYPESCRIPT_TWINS) {
      if (!specifier.endsWith(js)) continue;
      try {
        return await nextResolve(specifier.slice(0, -js.length) + ts, context);
      } catch {
        break;
      }
    }
    throw error;
  }
};

/**
 * Compiles local modules (see `shouldCompileForRun`) as ES modules, with inline source
 * maps. CommonJS files are handed back without source, so Node's CommonJS loader reads
 * them and commonjs.ts compiles them there: that loader is the one whose `require` can
 * load the ES-module runtime.
 */
export const load: LoadHook = async (url, context, nextLoad) => {
  if (!url.startsWith("file:")) return nextLoad(url, context);
  const filename = fileURLToPath(url);
  if (!shouldCompileForRun(filename)) return nextLoad(url, context);
  if (declaredFormat(filename) === "cjs") return { format: "commonjs", shortCircuit: true };
  const { code, module } = transformForRun(await readFile(filename, "utf8"), filename);
  if (module === undefined) return nextLoad(url, context);
  if (module === "cjs") return { format: "commonjs", shortCircuit: true };
  return { format: "module", source: code, shortCircuit: true };
};
