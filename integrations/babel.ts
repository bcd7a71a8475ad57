// yielding/babel: the Babel plugin. A thin layer over compile() through Babel's
// parserOverride: a file that uses the syntax is compiled first (types and JSX kept), the
// compiled code is parsed with Babel's own parser and options, and every location in that
// tree is moved back to the original source, so the user's other plugins and presets, and
// Babel's own source map and code frames, all see what the user wrote.
import type { ParseResult, ParserOptions, ParserPlugin } from "@babel/parser";
import type * as t from "@babel/types";
import { compile, CompileError, type CompileResult } from "../compiler/index.js";
import { Placement, relocateParseError, relocateTree, Relocation } from "./babel-positions.js";

/** Options of the Babel plugin: `["yielding/babel", { runtime: "…" }]`. */
export interface YieldingBabelOptions {
  /** Import specifier of the runtime in compiled files. Default `"yielding/runtime"`. */
  runtime?: string;
}

/** The part of Babel's plugin API this plugin uses. */
export interface BabelApi {
  assertVersion(range: number | string): void;
}

/** What Babel core hands to `parserOverride` as options: the parser's, plus the file name it keeps there. */
type BabelParserOptions = ParserOptions & { sourceFileName?: string };

type BabelParse = (code: string, options: ParserOptions) => ParseResult<t.File>;

/** A loaded plugin as Babel core keeps it (`key` is its name, else the file it came from, else its place in the config). */
interface LoadedPlugin {
  key: string;
  parserOverride?: unknown;
}

/** The file's options as `manipulateOptions` sees them: the plugins of every pass, and the file. */
interface BabelFileOptions {
  filename?: string | null;
  plugins?: readonly LoadedPlugin[];
  presets?: readonly { plugins?: readonly LoadedPlugin[] }[];
}

/** The Babel plugin object. */
export interface YieldingBabelPlugin {
  name: string;
  manipulateOptions(options: BabelFileOptions, parserOptions: BabelParserOptions): void;
  parserOverride(code: string, parserOptions: BabelParserOptions, parse: BabelParse): ParseResult<t.File> | undefined;
}

/** What manipulateOptions learns about one file, for parserOverride to use. */
interface FileContext {
  filename: string | undefined;
  /** Keys of the other plugins of this file's passes that override the parser too. */
  otherParsers: string[];
}

const TYPESCRIPT_EXTENSIONS = /\.(ts|mts|cts|tsx)$/i;
const JSX_EXTENSIONS = /\.(jsx|tsx)$/i;
const COMMONJS_EXTENSIONS = /\.(cjs|cts)$/i;

/**
 * The Babel plugin (`"plugins": ["yielding/babel"]`): compiles every file that uses the
 * yielding syntax before Babel's other plugins and presets see it, and leaves every other
 * file to Babel's own parser. It is a plugin factory, as Babel expects a plugin module's
 * default export to be.
 *
 *   babel.transformSync(code, { filename: "main.js", plugins: ["yielding/babel"] })
 */
export default function yieldingBabel(api: BabelApi, options: YieldingBabelOptions = {}): YieldingBabelPlugin {
  api.assertVersion(7);
  const runtime = runtimeOption(options);
  const contexts = new WeakMap<object, FileContext>();

  const plugin: YieldingBabelPlugin = {
    name: "yielding",
    manipulateOptions(fileOptions, parserOptions) {
      const passes = [fileOptions.plugins ?? [], ...(fileOptions.presets ?? []).map((pass) => pass.plugins ?? [])];
      const otherParsers = passes
        .flat()
        .filter((other) => other.parserOverride && other.parserOverride !== plugin.parserOverride)
        .map((other) => other.key);
      contexts.set(parserOptions, { filename: fileOptions.filename ?? undefined, otherParsers });
    },
    parserOverride(code, parserOptions, parse) {
      const context = contexts.get(parserOptions);
      const filename = parserOptions.sourceFileName ?? context?.filename ?? "unknown";
      const outcome = compileFor(code, filename, parserOptions, runtime);
      if (outcome === null) return undefined;
      if (context && context.otherParsers.length > 0) throw parserConflict(filename, context.otherParsers);
      // Babel's parser is run on the compiled code from its first line; positions are
      // placed at the user's startLine/startColumn/startIndex once moved to the original.
      const { startLine = 1, startColumn = 0, startIndex = 0, ...plainOptions } = parserOptions;
      const placement = new Placement(code, { startLine, startColumn, startIndex });
      if (outcome instanceof CompileError) throw babelError(outcome, placement);
      const relocation = new Relocation(placement, outcome.code, outcome.map!);
      let ast: ParseResult<t.File>;
      try {
        ast = parse(outcome.code, plainOptions);
      } catch (error) {
        relocateParseError(error, relocation);
        throw error;
      }
      relocateTree(ast, relocation);
      return ast;
    },
  };
  return plugin;
}

function runtimeOption(options: YieldingBabelOptions): string {
  const unknown = Object.keys(options).filter((key) => key !== "runtime");
  if (unknown.length > 0) throw new Error(`yielding/babel: unknown option ${unknown.map((key) => `"${key}"`).join(", ")} (the one option is "runtime")`);
  const { runtime = "yielding/runtime" } = options;
  if (typeof runtime !== "string" || runtime === "") throw new Error(`yielding/babel: the "runtime" option must be an import specifier, such as "yielding/runtime"`);
  return runtime;
}

/**
 * Compiles the file as Babel is about to parse it: `null` when it has none of the syntax,
 * else the compiled code and its map, or the CompileError. TypeScript and JSX are kept
 * when Babel's parser is asked for them (or the extension says so), for the user's presets
 * to strip. The runtime comes in as Babel's own helpers do: with `import` where Babel parses
 * the file as a module, with `require` where it parses a script (see moduleFormats).
 */
function compileFor(code: string, filename: string, parserOptions: ParserOptions, runtime: string): CompileResult | CompileError | null {
  const plugins = (parserOptions.plugins ?? []).map(pluginName);
  const common = {
    filename,
    runtime,
    sourceMaps: true,
    typescript: plugins.includes("typescript") || TYPESCRIPT_EXTENSIONS.test(filename),
    jsx: plugins.includes("jsx") || JSX_EXTENSIONS.test(filename),
  } as const;
  const errors: CompileError[] = [];
  for (const module of moduleFormats(parserOptions.sourceType, filename)) {
    try {
      const result = compile(code, { ...common, module });
      return result.map === null ? null : result;
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      errors.push(error);
    }
  }
  return mostTelling(errors);
}

function pluginName(plugin: ParserPlugin): string {
  return typeof plugin === "string" ? plugin : plugin[0];
}

/**
 * The module formats to try, in order: `cjs` for Babel's "script" and "commonjs"; for
 * "unambiguous", and for a `.cjs`/`.cts` file, `cjs` if the file parses as a script (import
 * and export, the signs of a module, are syntax errors there), else `esm`; else `esm`.
 */
function moduleFormats(sourceType: ParserOptions["sourceType"], filename: string): ("esm" | "cjs")[] {
  if (sourceType === "script" || sourceType === "commonjs") return ["cjs"];
  if (sourceType === "unambiguous" || COMMONJS_EXTENSIONS.test(filename)) return ["cjs", "esm"];
  return ["esm"];
}

/**
 * Of the errors of the formats tried (one, or script then module), the one to report: the
 * module's, as Babel's parser reports, unless only the script parsed (then its error is
 * about the yielding syntax, and the module's is a mere consequence of it being a script).
 */
function mostTelling(errors: CompileError[]): CompileError {
  const [first, last] = [errors[0]!, errors[errors.length - 1]!];
  return last.code === "E_SYNTAX" && first.code !== "E_SYNTAX" ? first : last;
}

/**
 * A CompileError in the shape of Babel's own parser errors: a SyntaxError with `loc`
 * (1-based line, 0-based column) and `pos`, the yielding code in `reasonCode` and the
 * message, and the CompileError as `cause`. Babel core then puts the file name in front of
 * the message, appends the code frame of the original source, and sets `code` to
 * "BABEL_PARSE_ERROR", as it does for its own syntax errors.
 */
function babelError(error: CompileError, placement: Placement): SyntaxError {
  const loc = placement.fromLineColumn(error.line, error.column);
  const babel = new SyntaxError(`${error.code}: ${error.message} (${loc.line}:${loc.column + 1})`, { cause: error });
  return Object.assign(babel, { reasonCode: error.code, loc, pos: loc.index });
}

/**
 * The error for a file with the syntax when another plugin overrides Babel's parser too:
 * Babel takes one parser only, and the other one does not know the syntax.
 */
function parserConflict(filename: string, otherParsers: string[]): Error {
  const others = otherParsers.map((key) => `"${key}"`).join(", ");
  return new Error(
    `${filename}: yielding/babel compiles this file (it uses the yielding syntax) by overriding Babel's parser, ` +
      `and so does the plugin ${others}; Babel accepts one parser override per file. ` +
      `Keep the other plugin away from the files that use yielding (with "overrides" and "test"/"exclude" in your Babel config), ` +
      `or compile those files before Babel runs (the yielding bundler plugins, or \`yielding compile\`).`,
  );
}
