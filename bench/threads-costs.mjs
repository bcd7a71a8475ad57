// Per-call overhead of the thread bridges. Run: npm run build && node bench/threads-costs.mjs
import { run, runSync, sleep } from "../dist/runtime/index.js";
import { blockOn, closeThreads, configureThreads, toThread } from "../dist/runtime/threads.js";
const WORK = new URL("../test/fixtures-threads/work.mjs", import.meta.url);
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];

async function time(label, n, fn, rounds = 5) {
  const per = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    await fn(n);
    per.push(((performance.now() - t) / n) * 1000);
  }
  console.log(`${label.padEnd(58)} ${median(per).toFixed(1).padStart(8)} µs/call (median of ${rounds} × ${n})`);
}

configureThreads({ minThreads: 1, maxThreads: 1 });
await toThread(WORK, "echo"); // warm: thread started, module loaded
await time("toThread, sequential, 1 thread (yield* in a task)", 2000, (n) =>
  run((function* () { for (let i = 0; i < n; i++) yield* toThread(WORK, "echo", i); })()));
configureThreads({});
await Promise.all([toThread(WORK, "echo"), toThread(WORK, "echo")]);
await time("toThread, 100 in flight, default pool (throughput)", 5000, async (n) => {
  for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => toThread(WORK, "echo", i + j)));
});
const big = new Uint8Array(1 << 20);
await time("toThread, 1 MiB Uint8Array argument and result", 200, (n) =>
  run((function* () { for (let i = 0; i < n; i++) yield* toThread(WORK, "echo", big); })()));

let t = performance.now();
blockOn(WORK, "echo");
console.log(`${"blockOn, first call (starts supervisor + runner threads)".padEnd(58)} ${((performance.now() - t) * 1000).toFixed(0).padStart(8)} µs`);
await time("blockOn, plain function", 2000, (n) => { for (let i = 0; i < n; i++) blockOn(WORK, "echo", i); });
await time("blockOn, coroutine run with run() in the worker", 2000, (n) => { for (let i = 0; i < n; i++) blockOn(WORK, "identity", i); });
await time("runSync, trivial coroutine (no thread)", 100000, (n) => {
  function* one() { yield; return 1; }
  for (let i = 0; i < n; i++) runSync(one());
});
t = performance.now();
runSync((function* () { yield* sleep(50); })());
console.log(`${"runSync, sleep(50) actual wait".padEnd(58)} ${(performance.now() - t).toFixed(2).padStart(8)} ms`);
await closeThreads();
