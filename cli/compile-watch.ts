// `yielding compile --watch`: after the first build, rebuild inputs as they change.
import { readdirSync, statSync, watch } from "node:fs";
import type { FSWatcher } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { BuildOptions } from "./compile-build.js";
import { fileJob, skipped, walk, type Job } from "./compile-jobs.js";
import type { Terminal } from "./compile-terminal.js";

/** The inputs and outputs `--watch` follows: the roots as given, and -o DIR (with --out-ext) or --out-file. */
export interface WatchTarget {
  roots: { input: string; folder: boolean }[];
  outDir?: string;
  outFile?: string;
  outExt?: string;
}

/**
 * Watches `target` and rebuilds what changes: one non-recursive watcher per folder
 * (recursive ones would walk node_modules too), new folders picked up as they appear;
 * changes are debounced and only the changed files are rebuilt, on the main thread.
 * Errors are reported on `terminal` and watching goes on.
 */
export async function watchInputs(target: WatchTarget, options: BuildOptions, terminal: Terminal): Promise<void> {
  const { buildJob } = await import("./compile-build.js");
  const { outDir, outExt } = target;
  const outDirAbs = outDir === undefined ? undefined : resolve(outDir);
  const watchers = new Map<string, FSWatcher>();
  const pending = new Map<string, Job>();
  let timer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    const jobs = [...pending.values()].filter((job) => isFile(job.input));
    pending.clear();
    let failures = 0;
    for (const job of jobs) {
      const outcome = buildJob(job, options);
      if (outcome.status !== "failed") continue;
      failures++;
      terminal.report(outcome.report);
    }
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
        for (const job of walk(path, join(outDir!, rel, name), outExt, outDirAbs)) changed(job);
      } else {
        changed(fileJob(path, join(outDir!, rel, name), outExt));
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

  for (const root of target.roots) {
    if (root.folder) {
      watchFolder(root.input, "");
      watchSubfolders(root.input, "");
      continue;
    }
    const job = fileJob(root.input, target.outFile ?? join(outDir!, basename(root.input)), outExt);
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

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
