import { readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { isCompiledFile, UsageError } from "./common.js";
import type { BuildOptions, Outcome } from "./compile-build.js";
import { checkOutDir, checkOutputs, fileJob, fsErrorReason, walk } from "./compile-jobs.js";
import { Terminal } from "./compile-terminal.js";
import { buildTree } from "./compile-tree.js";
import type { WatchTarget } from "./compile-watch.js";

/** What `yielding compile` was asked to do, after argument parsing (SPEC §9). */
export interface CompileCommandOptions extends BuildOptions {
  /** Files and folders; empty means stdin. */
  inputs: string[];
  outDir?: string;
  outFile?: string;
  /** `--out-ext`: the extension of compiled files written under `outDir`. */
  outExt?: string;
  watch: boolean;
  /** Name of the stdin input in messages; its extension picks TypeScript/JSX. */
  filename?: string;
  /** `--workers`: threads for a run under `outDir`; undefined lets the size of the tree decide. */
  workers?: number;
}

/**
 * Runs `yielding compile`: stdin or one file to stdout (or `--out-file`), files and
 * folders mirrored into `-o DIR`, that run closed by a summary line. Returns the exit
 * code: 0, or 1 when some input failed (every failure is reported and every other input
 * is still compiled). Throws `UsageError` for impossible requests, before writing
 * anything. With `--watch` it keeps running after the first build.
 */
export async function compileCommand(options: CompileCommandOptions): Promise<number> {
  const started = performance.now();
  const { inputs, outDir, outFile, outExt } = options;
  const build: BuildOptions = {
    sourceMaps: options.sourceMaps,
    ...(options.runtime !== undefined && { runtime: options.runtime }),
    ...(options.module !== undefined && { module: options.module }),
  };
  if (outDir !== undefined && outFile !== undefined) throw new UsageError("use either -o DIR or --out-file FILE, not both");
  if (outExt !== undefined && outDir === undefined) throw new UsageError("--out-ext renames the files written under -o DIR: it needs -o");
  const terminal = new Terminal();
  if (inputs.length === 0) {
    if (outDir !== undefined) throw new UsageError("stdin has no file name to put under -o DIR: use --out-file FILE, or stdout");
    if (options.watch) throw new UsageError("--watch needs input files, not stdin");
    return compileStdin(options.filename ?? "<stdin>", outFile, build, terminal);
  }
  if (options.filename !== undefined) throw new UsageError("--filename names stdin; it cannot be used with input files");
  if (options.watch && outDir === undefined && outFile === undefined) throw new UsageError("--watch needs -o DIR or --out-file FILE");

  let missing = 0;
  const roots: { input: string; folder: boolean }[] = [];
  for (const input of inputs) {
    try {
      roots.push({ input, folder: statSync(input).isDirectory() });
    } catch (e) {
      terminal.report(`yielding compile: cannot read ${input}: ${fsErrorReason(input, e)}\n`);
      missing++;
    }
  }
  if (outDir === undefined && (inputs.length > 1 || roots.some((r) => r.folder))) {
    throw new UsageError(
      outFile !== undefined ? "--out-file takes a single input file: use -o DIR" : "several inputs or a folder need -o DIR",
    );
  }

  if (outDir === undefined) {
    if (roots.length === 0) return 1;
    const only = roots[0]!.input;
    if (outFile === undefined) return compileToStdout(only, build, terminal);
    const job = fileJob(only, outFile, undefined);
    checkOutputs([job], build.sourceMaps === true);
    const { buildJob } = await import("./compile-build.js");
    const code = settle(buildJob(job, build), terminal);
    if (options.watch) await watch({ roots, outFile }, build, terminal);
    return code;
  }

  checkOutDir(roots.filter((root) => root.folder).map((root) => root.input), outDir);
  const jobs = roots.flatMap((root) =>
    root.folder ? walk(root.input, outDir, outExt) : [fileJob(root.input, join(outDir, basename(root.input)), outExt)],
  );
  checkOutputs(jobs, build.sourceMaps === true);
  const counts = await buildTree(jobs, build, options.workers, terminal);
  counts.failed += missing;
  terminal.finish(counts, performance.now() - started);
  if (options.watch) await watch({ roots, outDir, ...(outExt !== undefined && { outExt }) }, build, terminal);
  return counts.failed > 0 ? 1 : 0;
}

/** Starts `--watch` (loaded only then) and says so. */
async function watch(target: WatchTarget, build: BuildOptions, terminal: Terminal): Promise<void> {
  const { watchInputs } = await import("./compile-watch.js");
  await watchInputs(target, build, terminal);
  process.stderr.write(`yielding compile: watching ${target.roots.map((root) => root.input).join(", ")} for changes\n`);
}

/** Compiles stdin to stdout or to `outFile`; `name` stands for it in messages and maps. */
async function compileStdin(name: string, outFile: string | undefined, build: BuildOptions, terminal: Terminal): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  if (outFile !== undefined) checkOutputs([{ input: name, output: outFile, copy: false }], build.sourceMaps === true);
  const { compileSource, printCompiled, writeCompiled } = await import("./compile-build.js");
  const result = compileSource(bytes.toString("utf8"), name, build);
  if ("report" in result) return settle(result, terminal);
  return settle(outFile === undefined ? printCompiled(result, name, bytes) : writeCompiled(result, name, null, outFile, build), terminal);
}

/** Compiles one file to stdout; `--source-maps` becomes inline there, having no file to sit beside. */
async function compileToStdout(input: string, build: BuildOptions, terminal: Terminal): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(input);
  } catch (e) {
    terminal.report(`yielding compile: cannot read ${input}: ${fsErrorReason(input, e)}\n`);
    return 1;
  }
  if (!isCompiledFile(input)) {
    process.stdout.write(bytes);
    return 0;
  }
  const { compileSource, printCompiled } = await import("./compile-build.js");
  const result = compileSource(bytes.toString("utf8"), input, build);
  return settle("report" in result ? result : printCompiled(result, input, bytes), terminal);
}

/** The exit code of a one-file run, its failure reported. */
function settle(outcome: Outcome, terminal: Terminal): number {
  if (outcome.status !== "failed") return 0;
  terminal.report(outcome.report);
  return 1;
}
