// Builds the jobs of a run under -o DIR, on the main thread or, for a large tree, on a
// pool of worker threads; either way the reports come out in the order of the jobs, each
// one whole, whatever finishes first.
import { statSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { BuildOptions, Outcome } from "./compile-build.js";
import type { Job } from "./compile-jobs.js";
import type { Counts, Terminal } from "./compile-terminal.js";
import type { Batch } from "./compile-worker.js";

/**
 * How many bytes of files to compile (copies of other extensions not counted) make the
 * default `--workers` start a pool. Below it, starting the workers costs more than they
 * save: each one loads the compiler and warms up its JIT again, which on a fresh thread
 * makes the first hundred files about four times slower than the later ones. Measured on
 * 2 cores with files of 1.2 KB, the pool started to pay between 400 and 600 files when
 * writing was slow (successive builds), only from a few thousand on a quiet file system.
 */
export const POOL_THRESHOLD_BYTES = 512 * 1024;

/** Jobs per pool task: enough to make the messages between threads cheap, few enough to share the work evenly. */
const BATCH_SIZE = 8;

/**
 * Builds `jobs` and returns the counts, reporting every failure on `terminal` in job
 * order and showing the progress there. `workers` is `--workers`: 1 builds on the main
 * thread, more on a pool of that many threads; undefined means a pool with one thread
 * per core when there are `POOL_THRESHOLD_BYTES` or more to compile, else the main thread.
 */
export async function buildTree(jobs: Job[], options: BuildOptions, workers: number | undefined, terminal: Terminal): Promise<Counts> {
  const counts: Counts = { compiled: 0, copied: 0, failed: 0 };
  const record = (outcome: Outcome): void => {
    counts[outcome.status]++;
    if (outcome.status === "failed") terminal.report(outcome.report);
  };
  terminal.progress(0, jobs.length);
  const wanted = workers ?? (reaches(jobs, POOL_THRESHOLD_BYTES) ? availableParallelism() : 1);
  const threads = Math.min(wanted, Math.ceil(jobs.length / BATCH_SIZE));
  if (threads <= 1) {
    const { buildJob } = await import("./compile-build.js");
    jobs.forEach((job, i) => {
      record(buildJob(job, options));
      terminal.progress(i + 1, jobs.length);
    });
  } else {
    await buildOnPool(jobs, options, threads, record, (done) => terminal.progress(done, jobs.length));
  }
  return counts;
}

/** Whether the files `jobs` compile hold `bytes` or more, stat'ing only as many as it takes to know. */
function reaches(jobs: Job[], bytes: number): boolean {
  let total = 0;
  for (const job of jobs) {
    if (job.copy) continue;
    total += sizeOf(job.input);
    if (total >= bytes) return true;
  }
  return false;
}

/** The size of the file at `path`, 0 when it cannot be stat'ed (its job reports why). */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Builds `jobs` in batches on a pool of `threads` workers (compile-worker.ts). Outcomes
 * are handed to `record` in job order: a batch that finishes early waits for the ones
 * before it. `progress` hears how many jobs are done, in any order.
 */
async function buildOnPool(
  jobs: Job[],
  options: BuildOptions,
  threads: number,
  record: (outcome: Outcome) => void,
  progress: (done: number) => void,
): Promise<void> {
  const { Piscina } = await import("piscina");
  const pool = new Piscina<Batch, Outcome[]>({
    filename: new URL("./compile-worker.js", import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    // The main thread's stack (V8's 984 KB; Node takes 192 KB of a worker's for itself),
    // not a worker's default 4 MB: a file nested too deeply for the parser on the main
    // thread must fail in a worker too, so the outcome does not depend on --workers.
    resourceLimits: { stackSizeMb: (984 + 192) / 1024 },
  });
  const finished: (Outcome[] | undefined)[] = [];
  let next = 0;
  let done = 0;
  const batches: Job[][] = [];
  for (let i = 0; i < jobs.length; i += BATCH_SIZE) batches.push(jobs.slice(i, i + BATCH_SIZE));
  try {
    await Promise.all(
      batches.map(async (batch, i) => {
        finished[i] = await pool.run({ jobs: batch, options });
        done += batch.length;
        progress(done);
        for (; finished[next] !== undefined; next++) finished[next]!.forEach(record);
      }),
    );
  } finally {
    await pool.destroy();
  }
}
