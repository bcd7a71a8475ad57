// The CommonJS half of `yielding/register`: a hook on Node's own CommonJS loader, which
// the module customization hooks (hooks.ts) hand CommonJS files to.
import { createRequire, Module } from "node:module";
import { shouldCompileForRun } from "../cli/common.js";

/** The parts of Node's CommonJS loader hooked here (stable for years, used by every require hook). */
interface CommonJsLoader {
  _resolveFilename(request: string, ...rest: unknown[]): string;
  _extensions: Record<string, (module: unknown, filename: string) => void>;
  prototype: { _compile(content: string, filename: string, format?: string): unknown };
}

/**
 * Compiles local CommonJS modules (see `shouldCompileForRun`) in Node's own CommonJS
 * loader, whose `require` can load the ES-module runtime; makes `require("yielding…")`
 * resolve to this package, as the resolve hook does for `import`; and lets `require`
 * find `.ts`, `.mts` and `.cts` files. Compiled code carries an inline source map.
 */
export function hookCommonJs(): void {
  const loader = Module as unknown as CommonJsLoader;
  const ownRequire = createRequire(import.meta.url);
  let transform: typeof import("../cli/transform.js") | undefined;

  const resolveFilename = loader._resolveFilename;
  let resolvingOwn = false;
  loader._resolveFilename = function (request, ...rest) {
    if (resolvingOwn || (request !== "yielding" && !request.startsWith("yielding/"))) {
      return resolveFilename.call(this, request, ...rest);
    }
    resolvingOwn = true;
    try {
      return ownRequire.resolve(request);
    } finally {
      resolvingOwn = false;
    }
  };
  for (const ext of [".ts", ".cts", ".mts"]) loader._extensions[ext] ??= loader._extensions[".js"]!;

  const compile = loader.prototype._compile;
  loader.prototype._compile = function (content, filename, format) {
    if (format !== "module" && shouldCompileForRun(filename)) {
      // Loaded on first use, so programs without CommonJS files never load the compiler
      // on this thread.
      transform ??= ownRequire("../cli/transform.js") as typeof import("../cli/transform.js");
      const out = transform.transformForRun(content, filename, format === "commonjs" ? "cjs" : undefined);
      content = out.code;
      if (out.module !== undefined) format = out.module === "esm" ? "module" : "commonjs";
    }
    return compile.call(this, content, filename, format);
  };
}
