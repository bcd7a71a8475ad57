// The work `yielding compile` does for one file: read, compile, write the code and its
// map. The same functions run on the main thread and in the pool's workers
// (compile-worker.ts), so the output is the same byte for byte whoever runs them.
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, relative, resolve, sep } from "node:path";
import type { SourceMap } from "../compiler/index.js";
import { extensionFormat, formatReport, isReportable } from "./common.js";
import { fsErrorReason, type Job } from "./compile-jobs.js";
import { compileWithFormat } from "./transform.js";

/** The options that shape every output file (and nothing else): the same for every job of a run. */
export interface BuildOptions {
  sourceMaps: boolean | "inline";
  runtime?: string;
  module?: "esm" | "cjs";
}

/** A failed job: its report, newline-terminated and uncoloured. */
export interface Failure {
  status: "failed";
  report: string;
}

/** What became of one job. */
export type Outcome = { status: "compiled" | "copied" } | Failure;

/** A compiled source: `changed` is false for a source without the syntax, which is then copied byte for byte. */
export interface Compiled {
  code: string;
  map: SourceMap | null;
  changed: boolean;
}

/**
 * Compiles, copies or reports one job; never throws for a problem of the user's (a
 * compile error, an unreadable input, an unwritable output), only for a bug.
 */
export function buildJob(job: Job, options: BuildOptions): Outcome {
  if (job.problem !== undefined) return failed(`yielding compile: cannot read ${job.input}: ${job.problem}\n`);
  if (job.copy) return write(job.output, () => copyFileSync(job.input, job.output), "copied");
  let source: string;
  try {
    source = readFileSync(job.input, "utf8");
  } catch (e) {
    return failed(`yielding compile: cannot read ${job.input}: ${fsErrorReason(job.input, e)}\n`);
  }
  // The output's extension is what Node goes by when it loads the output: with
  // `--out-ext .mjs` a CommonJS-looking input still gets an `import`.
  const module = options.module ?? extensionFormat(job.output);
  const result = compileSource(source, job.input, module === undefined ? options : { ...options, module });
  if ("report" in result) return result;
  return writeCompiled(result, job.input, job.input, job.output, options);
}

/**
 * Writes `result` to `output` (see `writeOutput`), creating its folder; an output that
 * cannot be written is reported, not thrown.
 */
export function writeCompiled(result: Compiled, name: string, from: string | null, output: string, options: BuildOptions): Outcome {
  const status = result.changed || from === null ? "compiled" : "copied";
  return write(output, () => writeOutput(result, name, from, output, options), status);
}

function failed(report: string): Failure {
  return { status: "failed", report };
}

function write(output: string, writing: () => void, status: "compiled" | "copied"): Outcome {
  try {
    mkdirSync(dirname(output), { recursive: true });
    writing();
    return { status };
  } catch (e) {
    return failed(`yielding compile: cannot write ${output}: ${fsErrorReason(output, e)}\n`);
  }
}

/** Compiles `source` (named `name` in messages); a CompileError becomes its SPEC §9 report. */
export function compileSource(source: string, name: string, options: BuildOptions): Compiled | Failure {
  try {
    const result = compileWithFormat(source, {
      filename: name,
      sourceMaps: options.sourceMaps !== false,
      ...(options.runtime !== undefined && { runtime: options.runtime }),
      ...(options.module !== undefined && { module: options.module }),
    });
    const changed = result.code !== source;
    return { code: result.code, map: changed ? result.map : null, changed };
  } catch (e) {
    if (!isReportable(e)) throw e;
    return failed(formatReport(e));
  }
}

/**
 * Writes `result` to `output`, its map beside it or inline. `from` is the input file
 * (copied as is when unchanged, its permissions kept), or null for stdin, whose map then
 * names `name` as its source.
 */
function writeOutput(result: Compiled, name: string, from: string | null, output: string, options: BuildOptions): void {
  if (!result.changed && from !== null) {
    copyFileSync(from, output);
    return;
  }
  let code = result.code;
  const map = result.map;
  if (map !== null) {
    map.file = basename(output);
    map.sources = [toPosix(from === null ? name : relative(dirname(resolve(output)), resolve(from)))];
    if (options.sourceMaps === "inline") {
      code = withInlineMap(code, map);
    } else {
      writeFileSync(`${output}.map`, JSON.stringify(map));
      code = withMapComment(code, `//# sourceMappingURL=${encodeURI(basename(output))}.map`);
    }
  }
  writeFileSync(output, code);
  if (from !== null) chmodSync(output, statSync(from).mode & 0o777);
}

/**
 * Prints `result` on stdout: `bytes` (the input) as they were when unchanged, else the
 * code with its map inline, naming `name` as its source (a map on stdout has no file to
 * sit beside).
 */
export function printCompiled(result: Compiled, name: string, bytes: Buffer): Outcome {
  if (!result.changed) {
    process.stdout.write(bytes);
    return { status: "copied" };
  }
  if (result.map === null) process.stdout.write(result.code);
  else {
    result.map.sources = [toPosix(name)];
    process.stdout.write(withInlineMap(result.code, result.map));
  }
  return { status: "compiled" };
}

function withInlineMap(code: string, map: SourceMap): string {
  return withMapComment(code, inlineMapComment(map));
}

function inlineMapComment(map: SourceMap): string {
  const data = Buffer.from(JSON.stringify(map), "utf8").toString("base64");
  return `//# sourceMappingURL=data:application/json;charset=utf-8;base64,${data}`;
}

function withMapComment(code: string, comment: string): string {
  return `${code}${code.endsWith("\n") ? "" : "\n"}${comment}\n`;
}

function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}
