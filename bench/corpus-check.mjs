/**
 * The corpus check of issue 10, shared by `bench/corpus.mjs` (every file of a folder) and
 * `test/corpus.test.ts` (a sample of node_modules): yielding code transplanted into a
 * real-world JavaScript or TypeScript file must compile, the output must parse, and the
 * output must have as many lines as the input.
 *
 * The compiler is passed in (`{ compile, CompileError }`), so the script can check the
 * build in dist/ and the test the sources.
 */

import { lstatSync, readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "@babel/parser";

/** The extensions `yielding compile` compiles. */
const EXTENSIONS = /\.(js|mjs|cjs|jsx|ts|mts|cts|tsx)$/;
const DECLARATION = /\.d\.(ts|mts|cts)$/;
const TYPESCRIPT = /\.(ts|mts|cts|tsx)$/;
const JSX = /\.(jsx|tsx)$/;
const COMMONJS = /\.(cjs|cts)$/;

/** Files larger than this are left out of the corpus. */
export const MAX_BYTES = 1_000_000;

/** A line break as JavaScript counts it. */
const LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/g;

/**
 * The transplants: each puts a generator using the syntax into the file. `start` lands
 * before the first statement (after a `#!` line, the directives and leading comments, on
 * the line where that statement begins), where the runtime import goes too; `end` is
 * appended on a line of its own.
 */
export const TRANSPLANTS = [
  { name: "loop at start", where: "start", code: "function* __yieldingCorpusLoop(xs) { for (const x of yielding xs) {} } " },
  { name: "with and comprehension at end", where: "end", code: "function* __yieldingCorpusWith(xs, l) { with (yielding l) {} return [for (x of xs) x]; }" },
  { name: "line breaks in heads at start", where: "start", code: "function* __yieldingCorpusLines(xs, l) { for (const x of\n  yielding xs) {} with (yielding\n  l) {}\n  return [for (x of\n  xs) x]; }\n" },
];

/**
 * The corpus under `root`: every file with a compiled extension (declaration files left
 * out), found without following symbolic links, sorted by path.
 */
export function listCorpus(root) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && EXTENSIONS.test(entry.name) && !DECLARATION.test(entry.name)) files.push(path);
    }
  };
  walk(root);
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Checks one file. Returns `{ skipped: "too large" | "unparsable" }` when the file is not
 * part of the corpus (over `MAX_BYTES`, or not parsed by Babel as it is, with the plugins
 * its extension asks for), else `{ failures }`: one `{ transplant, kind, message }` per
 * transplant that went wrong, where `kind` is `threw` (not a CompileError), `compile
 * error`, `unchanged` (the syntax was not seen), `invalid output` or `line count`.
 *
 *   checkFile("node_modules/a/index.js", source, { compile, CompileError })
 */
export function checkFile(path, source, compiler) {
  if (source.length > MAX_BYTES) return { skipped: "too large" };
  const original = parseAs(source, path);
  if (!original) return { skipped: "unparsable" };
  const { ast, sourceType } = original;
  const start = ast.program.body[0]?.start ?? source.length;
  const failures = [];
  for (const transplant of TRANSPLANTS) {
    const input =
      transplant.where === "start"
        ? source.slice(0, start) + transplant.code + source.slice(start)
        : source + (/[\n\r\u2028\u2029]$/.test(source) || source === "" ? "" : "\n") + transplant.code + "\n";
    const problem = checkTransplant(path, input, sourceType, compiler);
    if (problem) failures.push({ transplant: transplant.name, ...problem });
  }
  return { failures };
}

/**
 * Checks every file of `files` (paths), naming them relative to `base` in the report:
 * `{ scanned, checked, skipped: { "too large", unparsable }, failures }`, each failure with
 * its `file`.
 */
export function checkCorpus(files, base, compiler) {
  const report = { scanned: files.length, checked: 0, skipped: { "too large": 0, unparsable: 0 }, failures: [] };
  for (const path of files) {
    const file = relative(base, path);
    const result = lstatSync(path).size > MAX_BYTES ? { skipped: "too large" } : checkFile(file, readFileSync(path, "utf8"), compiler);
    if (result.skipped) {
      report.skipped[result.skipped]++;
      continue;
    }
    report.checked++;
    for (const failure of result.failures) report.failures.push({ file, ...failure });
  }
  return report;
}

/** Compiles one transplanted source and checks the output: a problem `{ kind, message }`, or null. */
function checkTransplant(path, input, sourceType, { compile, CompileError }) {
  let code;
  try {
    code = compile(input, { filename: path, ...(sourceType === "script" && { module: "cjs" }) }).code;
  } catch (error) {
    if (error instanceof CompileError) return { kind: "compile error", message: error.summary };
    return { kind: "threw", message: String(error?.stack ?? error) };
  }
  if (code === input) return { kind: "unchanged", message: "the transplanted syntax was not compiled" };
  try {
    parse(code, parserOptions(path, sourceType));
  } catch (error) {
    const line = error.loc ? code.split(LINE_BREAK)[error.loc.line - 1] : undefined;
    const shown = line === undefined ? "" : `: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}`;
    return { kind: "invalid output", message: `${error.message}${shown}` };
  }
  const before = lineCount(input);
  const after = lineCount(code);
  if (before !== after) return { kind: "line count", message: `${before} lines in, ${after} out` };
  return null;
}

/**
 * Parses `source` as Babel would for the compiler: a `.cjs`/`.cts` file as a script, any
 * other as a module, else as a script (then it is compiled with CommonJS output, as a
 * module could not hold it). Null when neither parses.
 */
function parseAs(source, path) {
  const modes = COMMONJS.test(path) ? ["script"] : ["module", "script"];
  for (const sourceType of modes) {
    try {
      return { ast: parse(source, parserOptions(path, sourceType)), sourceType };
    } catch {
      // try the next mode
    }
  }
  return null;
}

/** The options the compiler parses with: its plugins, and the file's TypeScript and JSX by extension. */
function parserOptions(path, sourceType) {
  const plugins = ["explicitResourceManagement"];
  if (TYPESCRIPT.test(path)) plugins.push("typescript");
  if (JSX.test(path)) plugins.push("jsx");
  return { sourceType, allowReturnOutsideFunction: sourceType === "script", plugins };
}

function lineCount(text) {
  return (text.match(LINE_BREAK)?.length ?? 0) + 1;
}
