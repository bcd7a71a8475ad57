/**
 * Runtime operations: what single operations of the runtime library cost inside a task,
 * against its fast path (`yield*` on a settled Future). No peers here: it shows where the
 * time of the other suites goes.
 */

import { compileAndImport, dist, timeCases, timingTable } from "../harness.mjs";

const { Future, Lock, Queue, checkpoint, gather, run, spawn, stream } = await import(dist("runtime/index.js"));

/** The stream is consumed by a yielding loop, as users would. */
const YIELDING_SOURCE = `
export function* sumStream(s) {
  let sum = 0;
  for (const x of yielding s) sum += x;
  return sum;
}
`;

const settled = (value) => {
  const f = new Future();
  f.setResult(value);
  return f;
};

function* settledFutures(n) {
  const f = settled(1);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += yield* f;
  return sum;
}

function* gatherSettled(n) {
  const a = settled(1);
  const b = settled(0);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const [x, y] = yield* gather(a, b);
    sum += x + y;
  }
  return sum;
}

function* checkpoints(n) {
  for (let i = 0; i < n; i++) yield* checkpoint();
  return n;
}

function* spawnAndWait(n) {
  function* one() {
    return 1;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += yield* spawn(one());
  return sum;
}

function* lockUncontended(n) {
  const lock = new Lock();
  for (let i = 0; i < n; i++) {
    yield* lock.acquire();
    lock.release();
  }
  return n;
}

function* producerConsumer(n, capacity) {
  const q = new Queue(capacity);
  spawn(
    (function* () {
      for (let i = 0; i < n; i++) yield* q.put(1);
    })(),
  );
  let sum = 0;
  for (let i = 0; i < n; i++) sum += yield* q.get();
  return sum;
}

export default {
  name: "runtime",
  async run(opts) {
    const { sumStream } = await compileAndImport("runtime-loops", YIELDING_SOURCE);
    const n = opts.quick ? 20_000 : 500_000;
    const ones = stream(function* (emit) {
      for (let i = 0; i < n; i++) yield* emit(1);
    });
    const results = await timeCases(
      [
        { name: "`yield*` a settled Future (the fast path)", ops: n, expect: n, run: () => run(settledFutures(n)) },
        { name: "`yield* gather(a, b)` of two settled Futures", ops: n, expect: n, run: () => run(gatherSettled(n)) },
        { name: "`yield* checkpoint()` (back of the ready queue)", ops: n, expect: n, run: () => run(checkpoints(n)) },
        { name: "`yield* spawn(…)` of a task that returns at once", ops: n, expect: n, run: () => run(spawnAndWait(n)) },
        { name: "`Lock` acquire + release, uncontended", ops: n, expect: n, run: () => run(lockUncontended(n)) },
        { name: "`stream()`: one `emit` pulled by a yielding loop", ops: n, expect: n, run: () => run(sumStream(ones)) },
        { name: "`Queue(1)` producer → consumer, per message", ops: n, expect: n, run: () => run(producerConsumer(n, 1)) },
        { name: "`Queue(64)` producer → consumer, per message", ops: n, expect: n, run: () => run(producerConsumer(n, 64)) },
        { name: "`Queue()` (unbounded) producer → consumer, per message", ops: n, expect: n, run: () => run(producerConsumer(n, Infinity)) },
      ],
      opts,
    );
    return { tables: [timingTable(`Runtime operations inside a task (${n.toLocaleString("en-US")} each)`, results, { unit: "per operation" })] };
  },
};
