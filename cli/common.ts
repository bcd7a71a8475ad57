import { readFileSync } from "node:fs";
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

// Cheap helpers shared by the commands and the hooks of yielding/register. Nothing here
// loads the compiler, so `--help`, `--version` and `run` start fast.

/** Extensions whose files go through `compile`; every other file is copied (compile) or left to Node (run). */
export const COMPILED_EXTENSIONS: readonly string[] = [".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx"];

/** Whether `filename` has one of the compiled extensions. */
export function isCompiledFile(filename: string): boolean {
  return COMPILED_EXTENSIONS.includes(extname(filename));
}

/** Whether `filename` is TypeScript by its extension, as `compile` decides it. */
export function isTypeScriptFile(filename: string): boolean {
  return [".ts", ".mts", ".cts", ".tsx"].includes(extname(filename));
}

/** Whether `path` has a `node_modules` folder among its segments. */
export function inNodeModules(path: string): boolean {
  return path.split(sep).includes("node_modules");
}

/** This package's own code (compiler, runtime, CLI, integrations): never recompiled on load. */
const OWN_FOLDERS = ["../cli/", "../compiler/", "../integrations/", "../runtime/"].map((dir) =>
  fileURLToPath(new URL(dir, import.meta.url)),
);

/**
 * Whether `yielding run` and `yielding/register` compile `filename` as it loads: a
 * compiled extension, not under node_modules (packages are published compiled), not
 * this package's own code.
 */
export function shouldCompileForRun(filename: string): boolean {
  return isCompiledFile(filename) && !inNodeModules(filename) && !OWN_FOLDERS.some((dir) => filename.startsWith(dir));
}

/** The exit-code table every usage text ends with. */
export const EXIT_CODES = `Exit codes:
  0  success
  1  a compile error (reported as path:line:column: error CODE: message, then a
     code frame), a missing input file, or an uncaught error in the program run
  2  a usage error: unknown command or option, impossible combination`;

/** A command-line mistake: reported with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Something the CLI reports as `path:line:column: error CODE: message` plus a code frame:
 * a `CompileError`, or an error made by `reportable` (whose own fields survive the trip
 * from the hooks thread, where the class is lost).
 */
export interface Reportable {
  summary: string;
  frame: string;
}

/** Whether `e` carries a report (see `Reportable`) rather than being a crash. */
export function isReportable(e: unknown): e is Reportable {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as Reportable).summary === "string" &&
    typeof (e as Reportable).frame === "string"
  );
}

/** The SPEC §9 report: the summary line, then the code frame, newline-terminated. */
export function formatReport(e: Reportable): string {
  return e.frame ? `${e.summary}\n${e.frame}\n` : `${e.summary}\n`;
}

/**
 * A plain Error whose own fields hold the report and whose stack IS the report, so it
 * stays clean when it crosses from the hooks thread and even when Node prints it uncaught.
 */
export function reportable(summary: string, frame: string): Error & Reportable {
  const error = Object.assign(new Error(summary), { summary, frame });
  error.name = "CompileError";
  error.stack = formatReport(error).trimEnd();
  return error;
}

/** `path` relative to the working folder when it lies inside it, else as is: how reports name files. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

const packageTypes = new Map<string, string | undefined>();

/** The `"type"` field of the package.json nearest to the absolute folder `dir` (cached), as Node looks it up. */
export function packageType(dir: string): string | undefined {
  if (packageTypes.has(dir)) return packageTypes.get(dir);
  let type: string | undefined;
  let text: string | undefined;
  try {
    text = readFileSync(join(dir, "package.json"), "utf8");
  } catch {
    const parent = dirname(dir);
    type = parent === dir ? undefined : packageType(parent);
  }
  if (text !== undefined) {
    try {
      const value = (JSON.parse(text) as { type?: unknown }).type;
      type = typeof value === "string" ? value : undefined;
    } catch {
      type = undefined;
    }
  }
  packageTypes.set(dir, type);
  return type;
}

/** The module format the extension of `filename` declares: `.mjs .mts` esm, `.cjs .cts` cjs, else none. */
export function extensionFormat(filename: string): "esm" | "cjs" | undefined {
  const ext = extname(filename);
  return ext === ".mjs" || ext === ".mts" ? "esm" : ext === ".cjs" || ext === ".cts" ? "cjs" : undefined;
}

/**
 * The module format Node gives `filename` before looking at its code: by extension
 * (`.mjs .mts` → esm, `.cjs .cts` → cjs), else by the nearest package.json `"type"`;
 * `undefined` when there is no type, so Node would detect it from the syntax.
 */
export function declaredFormat(filename: string): "esm" | "cjs" | undefined {
  const byExtension = extensionFormat(filename);
  if (byExtension !== undefined) return byExtension;
  const type = packageType(dirname(resolve(filename)));
  return type === "module" ? "esm" : type === "commonjs" ? "cjs" : undefined;
}
