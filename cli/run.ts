import { realpathSync, statSync } from "node:fs";
import { createRequire, Module, register } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { EXIT_CODES, formatReport, isReportable, shouldCompileForRun, UsageError } from "./common.js";

const RUN_USAGE = `Usage: yielding run FILE [args…]

Runs FILE like \`node FILE args…\` (process.argv[1] is FILE's absolute path, then the
args), compiling FILE and every local module it loads (not under node_modules, with
one of the extensions .js .mjs .cjs .ts .mts .cts) on the fly. \`yielding\` and
\`yielding/runtime\` resolve to this command's own package, even where FILE's folder
has no node_modules. Stack traces point at the original lines. A module is ESM or
CommonJS as Node decides (extension, package.json "type", then syntax).
TypeScript runs with its types blanked out (ts-blank-space): enums, namespaces,
parameter properties and \`import =\` are not supported. JSX is not transformed.
Options of \`yielding run\` go before FILE; everything after FILE is the program's.

Options:
  -h, --help   show this help

${EXIT_CODES}
`;

/** `yielding run`'s own argument handling (help, FILE, the program's args), then `runCommand`. */
export async function runCli(args: string[]): Promise<number | undefined> {
  const at = args.findIndex((arg) => !arg.startsWith("-"));
  const before = at === -1 ? args : args.slice(0, at);
  const { values } = parseArgs({ args: before, options: { help: { type: "boolean", short: "h" } } });
  if (values.help) {
    process.stdout.write(RUN_USAGE);
    return 0;
  }
  if (at === -1) throw new UsageError("missing FILE to run");
  return runCommand(args[at]!, args.slice(at + 1));
}

/** The parts of Node's CommonJS loader that `run` hooks into (stable for years, used by every require hook). */
interface CommonJsLoader {
  _resolveFilename(request: string, ...rest: unknown[]): string;
  _extensions: Record<string, (module: unknown, filename: string) => void>;
  prototype: { _compile(content: string, filename: string, format?: string): unknown; id: string };
}

/**
 * Runs `yielding run FILE args…`: compiles FILE and every local module it imports as
 * they load, and runs FILE with `process.argv` as `node FILE args…` gives it, so
 * `argv[1]` is FILE's absolute path. ES modules are compiled by the hooks of hooks.ts,
 * CommonJS ones by a hook on Node's CommonJS loader here; both embed inline source maps,
 * and source-map support is on, so stack traces name original lines. Returns 1 after
 * reporting a compile error or a missing FILE; otherwise the program owns the exit code
 * (an uncaught error exits 1 with its stack, as Node does).
 */
export async function runCommand(file: string, args: string[]): Promise<number | undefined> {
  const path = resolve(file);
  if (!isFile(path)) {
    process.stderr.write(`yielding run: cannot find ${file}\n`);
    return 1;
  }
  process.setSourceMapsEnabled(true);
  register("./hooks.js", import.meta.url);
  hookCommonJs(realpathSync(path));
  process.argv = [process.argv[0]!, path, ...args];
  try {
    await import(pathToFileURL(path).href);
  } catch (error) {
    if (!isReportable(error)) throw error;
    process.stderr.write(formatReport(error));
    return 1;
  }
  return undefined;
}

/**
 * Compiles local CommonJS modules in Node's own CommonJS loader (whose `require` can load
 * the ES-module runtime), makes `require("yielding…")` resolve to this package, lets
 * `require` find `.ts`/`.cts` files, and makes `require.main` the entry as under `node FILE`.
 */
function hookCommonJs(entry: string): void {
  const loader = Module as unknown as CommonJsLoader;
  const ownRequire = createRequire(import.meta.url);
  let transform: typeof import("./transform.js") | undefined;

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
      // Loaded on first use (require of an ES module), so programs without CommonJS
      // files never load the compiler on this thread.
      transform ??= ownRequire("./transform.js") as typeof import("./transform.js");
      const out = transform.transformForRun(content, filename, format === "commonjs" ? "cjs" : undefined);
      content = out.code;
      if (out.module !== undefined) format = out.module === "esm" ? "module" : "commonjs";
      if (filename === entry && format !== "module" && process.mainModule === undefined) {
        process.mainModule = this as unknown as NodeJS.Module;
        this.id = ".";
      }
    }
    return compile.call(this, content, filename, format);
  };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
