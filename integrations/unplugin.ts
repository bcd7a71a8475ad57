// The one bundler plugin behind yielding/vite, /rollup, /rolldown, /esbuild, /webpack and
// /rspack (unplugin turns it into each bundler's own plugin shape). It is a thin layer over
// compile(): pick the files, compile them before any other transform (TypeScript and JSX
// stripping included), hand back the source map for the bundler to chain, and report a
// CompileError through the bundler's own error channel.
import { createUnplugin, type FilterPattern, type UnpluginInstance } from "unplugin";
import { compile, CompileError, type CompileResult } from "../compiler/index.js";
import { displayPath, extensionFormat, isCompiledFile } from "../cli/common.js";
import { compileWithFormat } from "../cli/transform.js";

/** Options of every bundler plugin: `yielding(options)`. */
export interface YieldingPluginOptions {
  /**
   * Files to transform (picomatch globs relative to the working folder, or regular
   * expressions on the absolute path). Default: every `.js .mjs .cjs .jsx .ts .mts .cts .tsx`.
   */
  include?: FilterPattern;
  /** Files never to transform. Default: anything under `node_modules`, and virtual modules. */
  exclude?: FilterPattern;
  /** Import specifier of the runtime in compiled files. Default `"yielding/runtime"`. */
  runtime?: string;
  /** Return a source map for the bundler to chain (default `true`). */
  sourceMaps?: boolean;
}

/** The extensions the plugin compiles, with a query (`?v=…`, `?import`) allowed after them. */
const DEFAULT_INCLUDE = /\.[cm]?[jt]sx?(?:[?#]|$)/;
/** Packages are published compiled; `\0`-prefixed ids are other plugins' virtual modules. */
const DEFAULT_EXCLUDE = [/[\\/]node_modules[\\/]/, /^\0/];
/** The cheap code filter: a file that never says `yielding` has none of the syntax. */
const MAY_USE_SYNTAX = /\byielding\b/;
/** What a CommonJS file says: only then is the module format worth looking into. */
const COMMONJS_HINT = /\brequire\s*\(|\bmodule\.exports\b|\bexports\.[\w$]+\s*=/;

/** The unplugin instance: `.vite`, `.rollup`, `.rolldown`, `.esbuild`, `.webpack`, `.rspack`. */
export const yieldingUnplugin: UnpluginInstance<YieldingPluginOptions | undefined, false> = createUnplugin(
  (options: YieldingPluginOptions | undefined, meta) => {
    const { include = DEFAULT_INCLUDE, exclude = DEFAULT_EXCLUDE, runtime, sourceMaps = true } = options ?? {};
    return {
      name: "yielding",
      enforce: "pre",
      transform: {
        filter: { id: { include, exclude }, code: MAY_USE_SYNTAX },
        handler(code, id) {
          const filename = id.replace(/[?#].*$/, "");
          if (!isCompiledFile(filename)) return undefined;
          let result: CompileResult;
          try {
            result = compileForBundler(code, filename, runtime);
          } catch (error) {
            if (!(error instanceof CompileError)) throw error;
            // esbuild takes errors as messages beside the (unchanged) contents; the others
            // take a thrown error, which fails the module in the bundler's own way.
            if (meta.framework === "esbuild") return this.error(esbuildMessage(error));
            throw bundlerError(error, meta.framework === "webpack" || meta.framework === "rspack");
          }
          if (result.code === code) return undefined;
          return { code: result.code, map: sourceMaps ? (result.map as never) : null };
        },
      },
    };
  },
);

/**
 * Compiles one module for a bundler. Bundlers read ES modules, so the runtime is imported
 * with `import` unless the file is CommonJS: by its extension (`.cjs`, `.cts`), or when it
 * uses `require`/`module.exports` and has no `import`/`export` (decided as Node would,
 * including the nearest package.json `"type"`).
 */
function compileForBundler(code: string, filename: string, runtime: string | undefined): CompileResult {
  const options = { filename, sourceMaps: true, ...(runtime !== undefined && { runtime }) };
  if (COMMONJS_HINT.test(code)) return compileWithFormat(code, options);
  return compile(code, { ...options, module: extensionFormat(filename) === "cjs" ? "cjs" : "esm" });
}

/**
 * A CompileError in the shape Rollup, Rolldown, Vite and webpack report. Rollup, Rolldown
 * and Vite print the file and `loc` (their convention: 1-based line, 0-based column)
 * beside the message, then `frame`, the code frame (which Vite's error overlay shows too),
 * so the message is `CODE: message`. webpack prints only the module's name and the
 * message, so there the message is the whole report (see `wholeReport`).
 */
function bundlerError(error: CompileError, whole: boolean): Error {
  const message = whole ? wholeReport(error) : `${error.code}: ${error.message}`;
  return Object.assign(new Error(message), {
    name: "CompileError",
    id: error.filename,
    loc: { file: error.filename, line: error.line, column: error.column - 1 },
    frame: error.frame,
    plugin: "yielding",
    pluginCode: error.code,
    stack: `CompileError: ${message}`,
  });
}

/**
 * A CompileError as an esbuild message: the whole report, as `yielding compile` prints it.
 * It carries no `location`: esbuild would print one with an empty source line under it,
 * since the plugin API leaves it no way to give the line's text.
 */
function esbuildMessage(error: CompileError): { message: string } {
  return { message: wholeReport(error) };
}

/** The report `yielding compile` prints: `file:line:column: error CODE: message` (the file relative to the working folder), then the code frame. */
function wholeReport(error: CompileError): string {
  return `${displayPath(error.filename)}:${error.line}:${error.column}: error ${error.code}: ${error.message}\n${error.frame}`;
}
