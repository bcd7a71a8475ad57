// A worker of the `yielding compile` pool (compile-tree.ts). It reads, compiles and writes
// its files itself, so neither sources nor outputs cross between threads: only the jobs
// go in and their outcomes (reports included) come back.
import { buildJob, type BuildOptions, type Outcome } from "./compile-build.js";
import type { Job } from "./compile-jobs.js";

/** One task of the pool: a run of consecutive jobs, built in order with the run's options. */
export interface Batch {
  jobs: Job[];
  options: BuildOptions;
}

/** Builds every job of `batch`, returning their outcomes in the same order. */
export default function buildBatch(batch: Batch): Outcome[] {
  return batch.jobs.map((job) => buildJob(job, batch.options));
}
