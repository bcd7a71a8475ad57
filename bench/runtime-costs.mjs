// Per-operation costs of the runtime library; run by hand: node --expose-gc bench/runtime-costs.mjs (after npm run build)
import { Future, Queue, gather, run, spawn, stream } from "../dist/runtime/index.js";

function* pingPong(n) {
  const ping = new Queue(1), pong = new Queue(1);
  function* player(inbox, outbox, count) {
    for (let i = 0; i < count; i++) { const v = yield* inbox.get(); yield* outbox.put(v + 1); }
  }
  const a = spawn(player(ping, pong, n));
  yield* ping.put(0);
  let v = 0;
  for (let i = 0; i < n; i++) { v = yield* pong.get(); if (i < n - 1) yield* ping.put(v); }
  yield* a;
}

function* producerConsumer(n, capacity) {
  const q = new Queue(capacity);
  function* producer() { for (let i = 0; i < n; i++) yield* q.put(i); q.close(); }
  spawn(producer());
  let sum = 0;
  for (let i = 0; i < n; i++) sum += yield* q.get();
  return sum;
}

function* gatherSettled(n) {
  const a = new Future(); a.setResult(1);
  const b = new Future(); b.setResult(2);
  let s = 0;
  for (let i = 0; i < n; i++) { const [x, y] = yield* gather(a, b); s += x + y; }
  return s;
}

function* streamPull(n) {
  const s = stream(function* (emit) { for (let i = 0; i < n; i++) yield* emit(i); });
  const it = s[Symbol.for("yielding.iterator")]();
  let sum = 0;
  for (;;) { let r = it.next(); if (typeof r.next === "function") r = yield* r; if (r.done) break; sum += r.value; }
  return sum;
}

async function measure(label, n, make) {
  await run(make(Math.min(n, 10000))); // warm up
  const best = [];
  for (let k = 0; k < 5; k++) {
    const t0 = process.hrtime.bigint();
    await run(make(n));
    best.push(Number(process.hrtime.bigint() - t0) / n);
  }
  best.sort((x, y) => x - y);
  console.log(`${label.padEnd(58)} ${best[0].toFixed(0).padStart(6)} ns/op (median ${best[2].toFixed(0)})`);
}

await measure("Queue ping-pong, 2 tasks, 2 queues (cap 1), per round trip (2 msgs)", 200_000, pingPong);
await measure("Queue producer/consumer, capacity 1, per message", 500_000, (n) => producerConsumer(n, 1));
await measure("Queue producer/consumer, capacity 64, per message", 500_000, (n) => producerConsumer(n, 64));
await measure("Queue producer/consumer, unbounded, per message", 500_000, (n) => producerConsumer(n, Infinity));
await measure("yield* gather(a, b) of 2 settled futures", 2_000_000, gatherSettled);
await measure("stream(): one emit + pull, no waits", 2_000_000, streamPull);

function* lockUncontended(n) {
  const { Lock } = await_import;
  const lock = new Lock();
  for (let i = 0; i < n; i++) { yield* lock.acquire(); lock.release(); }
}
const await_import = await import("../dist/runtime/index.js");
await measure("Lock acquire + release, uncontended", 2_000_000, lockUncontended);

if (typeof globalThis.gc === "function") {
  const N = 100_000;
  const q = new Queue();
  gc(); const before = process.memoryUsage().heapUsed;
  const tasks = [];
  for (let i = 0; i < N; i++) tasks.push(spawn((function* () { return yield* q.get(); })()));
  await new Promise((r) => setTimeout(r, 50));
  gc(); const after = process.memoryUsage().heapUsed;
  console.log(`${"task parked in q.get() (task + generator + getter), per waiter".padEnd(58)} ${((after - before) / N).toFixed(0).padStart(6)} bytes`);
  for (let i = 0; i < N; i++) q.tryPut(i);
  await Promise.all(tasks);
}
