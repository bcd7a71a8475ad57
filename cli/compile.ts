import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, watch, writeFileSync } from "node:fs";
import type { FSWatcher } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import type { SourceMap } from "../compiler/index.js";
import { formatReport, isCompiledFile, isReportable, UsageError } from "./common.js";
import { compileWithFormat } from "./transform.js";

/** What `yielding compile` was asked to do, after argument parsing (SPEC §9). */
export interface CompileCommandOptions {
  /** Files and folders; empty means stdin. */
  inputs: string[];
  outDir?: string;
  outFile?: string;
  sourceMaps: boolean | "inline";
  watch: boolean;
  runtime?: string;
  module?: "esm" | "cjs";
  /** Name of the stdin input in messages; its extension picks TypeScript/JSX. */
  filename?: string;
}

/** One file to produce: `input` compiled (or copied, for other extensions) to `output`. */
interface Job {
  /** The input path as the user would write it (relative paths stay relative): used in messages. */
  input: string;
  output: string;
  copy: boolean;
}

/**
 * Runs `yielding compile`: stdin or one file to stdout (or `--out-file`), files and
 * folders mirrored into `-o DIR`. Returns the exit code: 0, or 1 when some input failed
 * (every failure is reported and every other input is still compiled). Throws
 * `UsageError` for impossible requests, before writing anything. With `--watch` it keeps
 * running after the first build.
 */
export async function compileCommand(options: CompileCommandOptions): Promise<number> {
  const { inputs, outDir, outFile } = options;
  if (outDir !== undefined && outFile !== undefined) throw new UsageError("use either -o DIR or --out-file FILE, not both");
  if (inputs.length === 0) {
    if (outDir !== undefined) throw new UsageError("stdin has no file name to put under -o DIR: use --out-file FILE, or stdout");
    if (options.watch) throw new UsageError("--watch needs input files, not stdin");
    return compileStdin(options);
  }
  if (options.filename !== undefined) throw new UsageError("--filename names stdin; it cannot be used with input files");
  if (options.watch && outDir === undefined && outFile === undefined) throw new UsageError("--watch needs -o DIR or --out-file FILE");

  let failed = false;
  const roots: { input: string; folder: boolean }[] = [];
  for (const input of inputs) {
    let folder: boolean;
    try {
      folder = statSync(input).isDirectory();
    } catch (e) {
      process.stderr.write(`yielding compile: cannot read ${input}: ${describe(e)}\n`);
      failed = true;
      continue;
    }
    roots.push({ input, folder });
  }
  const several = inputs.length > 1 || roots.some((r) => r.folder);
  if (several && outDir === undefined) {
    throw new UsageError(
      outFile !== undefined ? "--out-file takes a single input file: use -o DIR" : "several inputs or a folder need -o DIR",
    );
  }
  if (roots.length === 0) return 1;
  if (outDir === undefined && outFile === undefined) {
    const only = roots[0]!.input;
    return compileToStdout(only, options) && !failed ? 0 : 1;
  }

  const jobs: Job[] = [];
  for (const root of roots) {
    if (outFile !== undefined) jobs.push({ input: root.input, output: outFile, copy: !isCompiledFile(root.input) });
    else if (root.folder) jobs.push(...walk(root.input, outDir!, resolve(outDir!)));
    else jobs.push({ input: root.input, output: join(outDir!, basename(root.input)), copy: !isCompiledFile(root.input) });
  }
  checkOutputs(jobs, options.sourceMaps === true);
  for (const job of jobs) if (!runJob(job, options)) failed = true;
  if (options.watch) {
    watchInputs(roots, options);
    process.stderr.write(`yielding compile: watching ${inputs.join(", ")} for changes\n`);
  }
  return failed ? 1 : 0;
}

/** Compiles stdin to stdout or `--out-file`. */
async function compileStdin(options: CompileCommandOptions): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  const name = options.filename ?? "<stdin>";
  if (options.outFile !== undefined) {
    checkOutputs([{ input: name, output: options.outFile, copy: false }], options.sourceMaps === true);
    return writeCompiled(bytes.toString("utf8"), name, null, options.outFile, options) ? 0 : 1;
  }
  return printCompiled(bytes.toString("utf8"), name, bytes, options) ? 0 : 1;
}

/** Compiles one file to stdout; `--source-maps` becomes inline there, having no file to sit beside. */
function compileToStdout(input: string, options: CompileCommandOptions): boolean {
  let bytes: Buffer;
  try {
    bytes = readFileSync(input);
  } catch (e) {
    process.stderr.write(`yielding compile: cannot read ${input}: ${describe(e)}\n`);
    return false;
  }
  if (!isCompiledFile(input)) {
    process.stdout.write(bytes);
    return true;
  }
  return printCompiled(bytes.toString("utf8"), input, bytes, options);
}

function printCompiled(source: string, name: string, bytes: Buffer | null, options: CompileOptionsLike): boolean {
  const result = tryCompile(source, name, options);
  if (result === null) return false;
  if (!result.changed) process.stdout.write(bytes ?? result.code);
  else if (result.map === null) process.stdout.write(result.code);
  else {
    result.map.sources = [toPosix(name)];
    process.stdout.write(withMapComment(result.code, inlineMapComment(result.map)));
  }
  return true;
}

type CompileOptionsLike = Pick<CompileCommandOptions, "sourceMaps" | "runtime" | "module">;

/**
 * Compiles `source`, reporting a CompileError on stderr; `null` when it failed. `changed`
 * is false for a source without the syntax, which is then copied byte for byte.
 */
function tryCompile(
  source: string,
  name: string,
  options: CompileOptionsLike,
): { code: string; map: SourceMap | null; changed: boolean } | null {
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
    process.stderr.write(formatReport(e));
    return null;
  }
}

/** Writes the compiled `source` to `output`, with its map beside it or inline; false on failure. */
function writeCompiled(source: string, name: string, from: string | null, output: string, options: CompileOptionsLike): boolean {
  const result = tryCompile(source, name, options);
  if (result === null) return false;
  mkdirSync(dirname(output), { recursive: true });
  if (!result.changed && from !== null) {
    copyFileSync(from, output);
    return true;
  }
  let code = result.code;
  const map = result.map;
  if (map !== null) {
    map.file = basename(output);
    map.sources = [toPosix(from === null ? name : relative(dirname(resolve(output)), resolve(from)))];
    if (options.sourceMaps === "inline") {
      code = withMapComment(code, inlineMapComment(map));
    } else {
      writeFileSync(`${output}.map`, JSON.stringify(map));
      code = withMapComment(code, `//# sourceMappingURL=${encodeURI(basename(output))}.map`);
    }
  }
  writeFileSync(output, code);
  if (from !== null) chmodSync(output, statSync(from).mode & 0o777);
  return true;
}

function inlineMapComment(map: SourceMap): string {
  const data = Buffer.from(JSON.stringify(map), "utf8").toString("base64");
  return `//# sourceMappingURL=data:application/json;charset=utf-8;base64,${data}`;
}

function withMapComment(code: string, comment: string): string {
  return `${code}${code.endsWith("\n") ? "" : "\n"}${comment}\n`;
}

/** Compiles or copies one job, reporting failures on stderr; false when it failed. */
function runJob(job: Job, options: CompileCommandOptions): boolean {
  try {
    if (job.copy) {
      mkdirSync(dirname(job.output), { recursive: true });
      copyFileSync(job.input, job.output);
      return true;
    }
    return writeCompiled(readFileSync(job.input, "utf8"), job.input, job.input, job.output, options);
  } catch (e) {
    process.stderr.write(`yielding compile: ${job.input}: ${describe(e)}\n`);
    return false;
  }
}

/**
 * The jobs for a folder: every file below it, mirrored under `outDir`, skipping
 * `node_modules`, dot-files and dot-folders, and the output folder itself when it lies
 * inside the input.
 */
function walk(folder: string, outDir: string, outDirAbs: string): Job[] {
  const jobs: Job[] = [];
  const seen = new Set<string>();
  const visit = (dir: string, rel: string): void => {
    const real = realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (skipped(entry.name)) continue;
      const path = join(dir, entry.name);
      const relPath = join(rel, entry.name);
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && isDirectory(path));
      if (isDir) {
        if (resolve(path) !== outDirAbs) visit(path, relPath);
      } else {
        jobs.push({ input: path, output: join(outDir, relPath), copy: !isCompiledFile(path) });
      }
    }
  };
  visit(folder, "");
  return jobs;
}

function skipped(name: string): boolean {
  return name === "node_modules" || name.startsWith(".");
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Refuses (UsageError, nothing written yet) when an output, or the `.map` written beside
 * it, would replace an input file, or when two inputs would write the same output.
 * A copied file whose output is also a generated map is dropped: the new map wins.
 */
function checkOutputs(jobs: Job[], mapFiles: boolean): void {
  const inputs = new Map<string, string>();
  for (const job of jobs) {
    inputs.set(resolve(job.input), job.input);
    const real = realPath(job.input);
    if (real !== undefined) inputs.set(real, job.input);
  }
  const written = new Map<string, Job>();
  const claim = (path: string, job: Job): void => {
    const abs = resolve(path);
    const input = inputs.get(abs) ?? inputs.get(realPath(abs) ?? abs);
    if (input !== undefined) {
      throw new UsageError(`refusing to write ${path} over the input file ${input}: choose an output outside the inputs`);
    }
    const other = written.get(abs);
    if (other !== undefined && other !== job) {
      throw new UsageError(`${other.input} and ${job.input} would both write ${path}`);
    }
    written.set(abs, job);
  };
  if (mapFiles) {
    const maps = new Set(jobs.filter((j) => !j.copy).map((j) => resolve(`${j.output}.map`)));
    for (let i = jobs.length - 1; i >= 0; i--) if (jobs[i]!.copy && maps.has(resolve(jobs[i]!.output))) jobs.splice(i, 1);
  }
  for (const job of jobs) {
    claim(job.output, job);
    if (mapFiles && !job.copy) claim(`${job.output}.map`, job);
  }
}

function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * `--watch`: one non-recursive watcher per folder (recursive ones would walk node_modules
 * too), new folders picked up as they appear; changes are debounced and only the changed
 * files are rebuilt. Errors are reported and watching goes on.
 */
function watchInputs(roots: { input: string; folder: boolean }[], options: CompileCommandOptions): void {
  const outDirAbs = options.outDir === undefined ? undefined : resolve(options.outDir);
  const watchers = new Map<string, FSWatcher>();
  const pending = new Map<string, Job>();
  let timer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    const jobs = [...pending.values()].filter((job) => isFile(job.input));
    pending.clear();
    let failures = 0;
    for (const job of jobs) if (!runJob(job, options)) failures++;
    if (jobs.length > 0) {
      const errors = failures === 0 ? "" : `, ${failures} failed`;
      process.stderr.write(`yielding compile: rebuilt ${jobs.length} file${jobs.length === 1 ? "" : "s"}${errors}\n`);
    }
  };
  const changed = (job: Job): void => {
    if (resolve(job.input) === resolve(job.output)) return;
    pending.set(job.input, job);
    clearTimeout(timer);
    timer = setTimeout(flush, 100);
  };
  const watchFolder = (dir: string, rel: string): void => {
    if (watchers.has(dir)) return;
    const watcher = watch(dir, (_event, name) => {
      if (name === null || skipped(name)) return;
      const path = join(dir, name);
      if (isDirectory(path)) {
        if (resolve(path) === outDirAbs) return;
        // Watch first, then build what is already there, so no file slips in between.
        watchFolder(path, join(rel, name));
        watchSubfolders(path, join(rel, name));
        for (const job of walk(path, join(options.outDir!, rel, name), outDirAbs!)) changed(job);
      } else {
        changed({ input: path, output: join(options.outDir!, rel, name), copy: !isCompiledFile(path) });
      }
    });
    watcher.on("error", () => {
      watcher.close();
      watchers.delete(dir);
    });
    watchers.set(dir, watcher);
  };
  const watchSubfolders = (dir: string, rel: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (skipped(entry.name) || !entry.isDirectory() || resolve(path) === outDirAbs) continue;
      watchFolder(path, join(rel, entry.name));
      watchSubfolders(path, join(rel, entry.name));
    }
  };

  for (const root of roots) {
    if (root.folder) {
      watchFolder(root.input, "");
      watchSubfolders(root.input, "");
      continue;
    }
    const output = options.outFile ?? join(options.outDir!, basename(root.input));
    const job: Job = { input: root.input, output, copy: !isCompiledFile(root.input) };
    // Editors often replace a file by renaming over it, which ends a watch on the file
    // itself: watch its folder and pick out the file by name.
    const watcher = watch(dirname(root.input), (_event, name) => {
      if (name === basename(root.input)) changed(job);
    });
    watchers.set(root.input, watcher);
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}

function describe(e: unknown): string {
  const error = e as NodeJS.ErrnoException;
  if (error?.code === "ENOENT") return "no such file or directory";
  if (error?.code === "EACCES") return "permission denied";
  if (error?.code === "EISDIR") return "is a directory";
  return error instanceof Error ? error.message : String(e);
}
