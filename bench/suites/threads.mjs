/**
 * Threads: the per-call cost of the bridges to worker threads (`toThread`, `blockOn`)
 * against piscina's own `run()` (the pool `toThread` is built on), all calling a function
 * that returns its argument.
 */

import { Piscina } from "piscina";
import { dist, timeCases, timingTable } from "../harness.mjs";

const { run, runSync } = await import(dist("runtime/index.js"));
const { blockOn, closeThreads, configureThreads, toThread } = await import(dist("runtime/threads.js"));
const WORK = new URL("./threads-work.mjs", import.meta.url);

/** `calls` calls, `inFlight` at a time, each by `call(i)` returning a promise of `i`. */
async function batches(calls, inFlight, call) {
  let sum = 0;
  for (let i = 0; i < calls; i += inFlight) {
    const results = await Promise.all(Array.from({ length: inFlight }, (_, j) => call(i + j)));
    for (const r of results) sum += r;
  }
  return sum;
}

/** `calls` calls of `blockOn(WORK, exportName, i)`, one after another. */
function blockOnCalls(calls, exportName) {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += blockOn(WORK, exportName, i);
  return sum;
}

export default {
  name: "threads",
  async run(opts) {
    const calls = opts.quick ? 200 : 1000;
    const expect = (calls * (calls - 1)) / 2;
    // The same two threads for piscina's pool and ours.
    const pool = new Piscina({ filename: WORK.href, minThreads: 2, maxThreads: 2 });
    configureThreads({ minThreads: 2, maxThreads: 2 });
    const sequential = (calls) =>
      run(
        (function* () {
          let sum = 0;
          for (let i = 0; i < calls; i++) sum += yield* toThread(WORK, "echo", i);
          return sum;
        })(),
      );
    try {
      const results = await timeCases(
        [
          { name: "piscina `pool.run()`, one at a time", ops: calls, expect, run: () => batches(calls, 1, (i) => pool.run(i)) },
          { name: "`yield* toThread()`, one at a time", ops: calls, expect, run: () => sequential(calls) },
          { name: "piscina `pool.run()`, 100 in flight", ops: calls, expect, run: () => batches(calls, 100, (i) => pool.run(i)) },
          { name: "`toThread()`, 100 in flight", ops: calls, expect, run: () => batches(calls, 100, (i) => toThread(WORK, "echo", i)) },
          { name: "`blockOn()` of a plain function", ops: calls, expect, run: () => blockOnCalls(calls, "echo") },
          { name: "`blockOn()` of a coroutine", ops: calls, expect, run: () => blockOnCalls(calls, "identity") },
          {
            name: "`runSync()` of a coroutine that yields once (no thread)",
            ops: calls,
            expect,
            run: () => {
              let sum = 0;
              for (let i = 0; i < calls; i++) sum += runSync((function* () { yield; return i; })());
              return sum;
            },
          },
        ],
        opts,
      );
      return { tables: [timingTable(`Threads: ${calls.toLocaleString("en-US")} calls of a function that returns its argument`, results, { unit: "per call", note: "Two worker threads in each pool, started before timing (warm-up)." })] };
    } finally {
      await Promise.all([pool.destroy(), closeThreads()]);
    }
  },
};
