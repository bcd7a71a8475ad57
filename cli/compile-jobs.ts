// What `yielding compile` will write, decided before anything is written: one job per
// input file (walked folders mirrored under -o), and the checks that refuse a request
// whose outputs would land on or among the inputs.
import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from "node:fs";
import type { Dirent, Stats } from "node:fs";
import { extname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { isCompiledFile, UsageError } from "./common.js";

/** One file to produce: `input` compiled (or copied, for other extensions) to `output`. */
export interface Job {
  /** The input path as the user would write it (relative paths stay relative): used in messages. */
  input: string;
  output: string;
  copy: boolean;
  /** Why the input cannot be read, found before reading it (a FIFO, a dangling link…): reported, nothing written. */
  problem?: string;
}

/**
 * The job for the file `input` written at `output`, which takes the extension `outExt`
 * (`--out-ext`) when the file is compiled. Declaration files (`.d.ts` and kin) keep their
 * names: they hold no code, and a `.d.mjs` would mean nothing.
 */
export function fileJob(input: string, output: string, outExt: string | undefined): Job {
  const copy = !isCompiledFile(input);
  if (copy || outExt === undefined || /\.d(\.[^.]+)?\.[mc]?ts$/.test(input)) return { input, output, copy };
  return { input, output: output.slice(0, output.length - extname(output).length) + outExt, copy };
}

/**
 * The jobs for a folder, in a stable order (entries sorted by name, depth first): every
 * file below it, mirrored under `outDir`, skipping `node_modules`, dot-files and
 * dot-folders, and the folder `skip` (the output folder, which may lie inside the
 * input). Entries that are no regular file (FIFOs, sockets, devices, dangling links) and
 * folders that cannot be listed become jobs with a `problem`, so they are reported in
 * their place without ever being opened.
 */
export function walk(folder: string, outDir: string, outExt: string | undefined, skip = resolve(outDir)): Job[] {
  const jobs: Job[] = [];
  const seen = new Set<string>();
  const visit = (dir: string, rel: string): void => {
    let entries: Dirent[];
    try {
      const real = realpathSync(dir);
      if (seen.has(real)) return;
      seen.add(real);
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      jobs.push({ input: dir, output: join(outDir, rel), copy: true, problem: fsErrorReason(dir, e) });
      return;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (skipped(entry.name)) continue;
      const path = join(dir, entry.name);
      const relPath = join(rel, entry.name);
      const output = join(outDir, relPath);
      const kind = entryKind(entry, path);
      if (kind === "folder") {
        if (resolve(path) !== skip) visit(path, relPath);
      } else if (kind === "file") {
        jobs.push(fileJob(path, output, outExt));
      } else {
        jobs.push({ input: path, output, copy: true, problem: kind.problem });
      }
    }
  };
  visit(folder, "");
  return jobs;
}

/** Whether the walk skips an entry of this name: `node_modules` and dot-names. */
export function skipped(name: string): boolean {
  return name === "node_modules" || name.startsWith(".");
}

/** What a folder entry is, following symbolic links: a folder, a file, or something that cannot be read. */
function entryKind(entry: Dirent, path: string): "folder" | "file" | { problem: string } {
  if (entry.isDirectory()) return "folder";
  if (entry.isFile()) return "file";
  if (!entry.isSymbolicLink()) return { problem: specialKind(entry) };
  let target: Stats;
  try {
    target = statSync(path);
  } catch (e) {
    return { problem: fsErrorReason(path, e) };
  }
  if (target.isDirectory()) return "folder";
  if (target.isFile()) return "file";
  return { problem: specialKind(target) };
}

/** "it is a FIFO, not a regular file" and the like, for an entry that is neither file nor folder. */
function specialKind(entry: Dirent | Stats): string {
  const kind = entry.isFIFO() ? "a FIFO" : entry.isSocket() ? "a socket" : "a device";
  return `it is ${kind}, not a regular file`;
}

/**
 * Why the file system refused `path` (`e` the error), in words: a dangling or looping
 * symbolic link is named as such, since "no such file" about a file that the listing
 * shows would puzzle.
 */
export function fsErrorReason(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === "ENOENT" && isSymbolicLink(path)) return `it is a symbolic link to ${readlinkSync(path)}, which does not exist`;
  if (code === "ELOOP") return "its symbolic links form a loop";
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  if (code === "ENXIO") return "it is a socket, not a regular file";
  return e instanceof Error ? e.message : String(e);
}

function isSymbolicLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Refuses (UsageError) an output folder that is one of the input folders or contains
 * one: its outputs would be written among the inputs, and walked as inputs by the next
 * run. An output folder inside an input folder is fine: the walk skips it.
 */
export function checkOutDir(folders: string[], outDir: string): void {
  const out = realPath(outDir) ?? resolve(outDir);
  for (const folder of folders) {
    const input = realPath(folder) ?? resolve(folder);
    if (input === out) {
      throw new UsageError(`refusing to write into ${outDir}: it is the input folder ${folder} itself; choose an -o outside the inputs`);
    }
    const rel = relative(out, input);
    if (rel.split(sep)[0] !== ".." && !isAbsolute(rel)) {
      throw new UsageError(`refusing to write into ${outDir}: it contains the input folder ${folder}; choose an -o outside the inputs`);
    }
  }
}

/**
 * Refuses (UsageError, nothing written yet) when an output, or the `.map` written beside
 * it, would replace an input file, or when two inputs would write the same output.
 * A copied file whose output is also a generated map is dropped: the new map wins.
 */
export function checkOutputs(jobs: Job[], mapFiles: boolean): void {
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
    if (job.problem !== undefined) continue;
    claim(job.output, job);
    if (mapFiles && !job.copy) claim(`${job.output}.map`, job);
  }
}

function realPath(path: string): string | undefined {
  try {
    return realpathSync.native(path);
  } catch {
    return undefined;
  }
}
