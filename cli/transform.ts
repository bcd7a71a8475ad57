import { createRequire } from "node:module";
import { extname } from "node:path";
import { codeFrameColumns } from "@babel/code-frame";
import { parse } from "@babel/parser";
import { GREATEST_LOWER_BOUND, originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { compile, CompileError, type CompileOptions, type CompileResult, type SourceMap } from "../compiler/index.js";
import { declaredFormat, displayPath, isTypeScriptFile, reportable } from "./common.js";

/**
 * Node's syntax detection for files without a declared format: ESM when the code has
 * `import`/`export` statements, `import.meta` or top-level `await`. Code that does not
 * parse counts as CommonJS, so that Node itself reports the error.
 */
export function hasModuleSyntax(code: string, filename: string): boolean {
  const ext = extname(filename);
  const plugins: ("typescript" | "jsx")[] = [];
  if (isTypeScriptFile(filename)) plugins.push("typescript");
  if (ext === ".jsx" || ext === ".tsx") plugins.push("jsx");
  try {
    return parse(code, { sourceType: "unambiguous", plugins }).program.sourceType === "module";
  } catch {
    return false;
  }
}

/**
 * `compile` with the module format Node would give the file, so that the runtime import
 * is an `import` in ES modules and a `require` in CommonJS ones: `options.module` if
 * set, else `declaredFormat`, else detected from the code as Node does (compiled as
 * CommonJS, which parses it as a script, and again as ESM if it does not parse as one).
 * `module` is the format used; it is `undefined` for a source without the syntax when
 * `needFormat` is false.
 */
export function compileWithFormat(
  source: string,
  options: CompileOptions & { filename: string },
  needFormat = false,
): CompileResult & { module: "esm" | "cjs" | undefined } {
  const declared = options.module ?? declaredFormat(options.filename);
  if (declared) return { ...compile(source, { ...options, module: declared }), module: declared };
  let asCjs: CompileResult;
  try {
    asCjs = compile(source, { ...options, module: "cjs" });
  } catch (error) {
    // As Node does: what does not parse as a script (import, export, top-level await) is a module.
    if (!(error instanceof CompileError && error.code === "E_SYNTAX")) throw error;
    return { ...compile(source, { ...options, module: "esm" }), module: "esm" };
  }
  // Compiled, the file parsed as a script: CommonJS, as Node would decide too.
  if (asCjs.code !== source) return { ...asCjs, module: "cjs" };
  // Without the syntax nothing was parsed: only look when the caller needs the format.
  if (!needFormat) return { ...asCjs, module: undefined };
  return { ...asCjs, module: hasModuleSyntax(source, options.filename) ? "esm" : "cjs" };
}

/** ts-blank-space's signature: types replaced by spaces, so every position stays where it was. */
type StripTypes = (code: string, onError?: (node: { pos: number }) => void) => string;

let stripTypes: StripTypes | undefined;

/**
 * The code `yielding run` and `yielding/register` hand to Node for `filename` (an
 * absolute path), and its format: compiled with an inline source map, then, for
 * TypeScript, with the types blanked out by ts-blank-space (position-preserving, so the
 * map stays right).
 * `module` is `undefined` for an unchanged JavaScript file in a package without
 * `"type"`: Node detects its format itself. Throws a `reportable` error for every
 * problem the user must fix.
 */
export function transformForRun(
  source: string,
  filename: string,
  module?: "esm" | "cjs",
): { code: string; module: "esm" | "cjs" | undefined } {
  const ext = extname(filename);
  if (ext === ".jsx" || ext === ".tsx") {
    throw reportable(
      `${displayPath(filename)}: error: yielding run and yielding/register do not transform JSX; ` +
        "use yielding compile and a JSX tool",
      "",
    );
  }
  let result: ReturnType<typeof compileWithFormat>;
  try {
    const options = { filename, sourceMaps: "inline" as const, ...(module && { module }) };
    result = compileWithFormat(source, options, isTypeScriptFile(filename));
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    throw reportable(`${displayPath(e.filename)}:${e.line}:${e.column}: error ${e.code}: ${e.message}`, e.frame);
  }
  let code = result.code;
  if (isTypeScriptFile(filename)) code = blankTypes(code, filename, source, result.code === source ? null : result.map);
  return { code, module: result.module };
}

function blankTypes(code: string, filename: string, source: string, map: SourceMap | null): string {
  stripTypes ??= loadStripTypes(filename);
  let failure: number | undefined;
  const stripped = stripTypes(code, (node) => {
    failure ??= node.pos;
  });
  if (failure === undefined) return stripped;
  let offset = failure;
  while (/\s/.test(code[offset] ?? "")) offset++;
  const at = lineColumn(code, offset);
  const { line, column } = map === null ? at : (originalPosition(map, at.line, at.column) ?? at);
  const frame = codeFrameColumns(source, { start: { line: line + 1, column: column + 1 } }, { highlightCode: false });
  throw reportable(
    `${displayPath(filename)}:${line + 1}:${column + 1}: error: yielding run and yielding/register only strip TypeScript types; ` +
      "enums, namespaces, parameter properties and `import =` need a TypeScript compiler",
    frame,
  );
}

function loadStripTypes(filename: string): StripTypes {
  try {
    const loaded = createRequire(import.meta.url)("ts-blank-space") as { default: StripTypes };
    return loaded.default;
  } catch {
    throw reportable(
      `${displayPath(filename)}: error: running TypeScript needs the package ts-blank-space (npm install ts-blank-space)`,
      "",
    );
  }
}

/** 0-based line and column of `offset` in `code`. */
function lineColumn(code: string, offset: number): { line: number; column: number } {
  const before = code.slice(0, offset).split(/\r\n|[\n\r\u2028\u2029]/);
  return { line: before.length - 1, column: before[before.length - 1]!.length };
}

/** The original 0-based position of a generated one (0-based line and column), read with trace-mapping. */
function originalPosition(map: SourceMap, line: number, column: number): { line: number; column: number } | undefined {
  const original = originalPositionFor(new TraceMap(map as never), { line: line + 1, column, bias: GREATEST_LOWER_BOUND });
  return original.line === null ? undefined : { line: original.line - 1, column: original.column };
}
