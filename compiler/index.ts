import MagicString from "magic-string";
import { isStackOverflow, tooDeeplyNested } from "./depth.js";
import { desugar } from "./desugar/index.js";
import { parse } from "./parse.js";
import { print } from "./print.js";
import { read } from "./reader.js";

export { CompileError } from "./errors.js";
export type { ErrorCode } from "./errors.js";

/** Options of `compile` (SPEC §8). */
export interface CompileOptions {
  /** Used in messages and source maps, and to choose TypeScript/JSX/module defaults by extension. */
  filename?: string;
  /** `true` returns `map`; `"inline"` also appends it to `code` as a data URL. Default `false`. */
  sourceMaps?: boolean | "inline";
  /** Import specifier of the runtime. Default `"yielding/runtime"`. */
  runtime?: string;
  /** Output module format of the runtime import. Default: `cjs` for `.cjs`/`.cts`, else `esm`. */
  module?: "esm" | "cjs";
  /** Parse TypeScript. Default: by extension (`.ts .mts .cts .tsx`). */
  typescript?: boolean;
  /** Parse JSX. Default: by extension (`.jsx .tsx`). */
  jsx?: boolean;
}

/** A Source Map v3 object. */
export interface SourceMap {
  version: number;
  file?: string;
  sources: string[];
  sourcesContent?: (string | null)[];
  names: string[];
  mappings: string;
}

/** What `compile` returns: the code and, when asked for and the source changed, its source map. */
export interface CompileResult {
  code: string;
  map: SourceMap | null;
}

/**
 * Compiles one file (SPEC §8): source in, `{ code, map }` out. A source that uses none of
 * the extension's syntax comes back byte for byte, without being parsed (`map` is then
 * `null`). Bad input throws a `CompileError` positioned in the original source.
 *
 *   compile("function* f(xs) { for (const x of yielding xs) log(x); }", { filename: "f.js" })
 */
export function compile(source: string, options: CompileOptions = {}): CompileResult {
  const settings = settle(options);
  try {
    const marked = read(source, { filename: settings.filename, jsx: settings.jsx });
    if (!marked) return { code: source, map: null };
    const ast = parse(marked, settings);
    const edits = new MagicString(source);
    desugar(ast, edits, { ...settings, source, markers: marked.markers, offsets: marked.offsets, identifiers: marked.identifiers, sites: marked.sites, withStatements: marked.withStatements, comprehensions: marked.comprehensions });
    return print(edits, settings);
  } catch (error) {
    // Deeper than the parser's recursion can go: a CompileError like any other bad input.
    if (isStackOverflow(error)) throw tooDeeplyNested(source, settings.filename, settings.jsx);
    throw error;
  }
}

const TYPESCRIPT_EXTENSIONS = /\.(ts|mts|cts|tsx)$/i;
const JSX_EXTENSIONS = /\.(jsx|tsx)$/i;
const COMMONJS_EXTENSIONS = /\.(cjs|cts)$/i;

/** Options with every default filled in from the file's extension. */
function settle(options: CompileOptions) {
  const filename = options.filename ?? "input.js";
  const module = options.module ?? (COMMONJS_EXTENSIONS.test(filename) ? "cjs" : "esm");
  return {
    filename,
    sourceMaps: options.sourceMaps ?? false,
    runtime: options.runtime ?? "yielding/runtime",
    module,
    typescript: options.typescript ?? TYPESCRIPT_EXTENSIONS.test(filename),
    jsx: options.jsx ?? JSX_EXTENSIONS.test(filename),
    // The output imports the runtime: an ES module is strict, so the input must be valid
    // as a module (`let` and `yield` are no identifiers there); `require` keeps a script.
    sourceType: module === "esm" ? "module" : "script",
  } as const;
}
