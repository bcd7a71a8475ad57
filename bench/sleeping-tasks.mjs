// Bytes per sleeping task: node --expose-gc bench/sleeping-tasks.mjs [count] (after npm run build).
// Spawns `count` tasks that each sleep, measures the heap they hold, then lets them finish.
import { run, sleep, spawn } from "../dist/runtime/index.js";

const count = Number(process.argv[2] ?? 100_000);

function* sleeper(ms) {
  yield* sleep(ms);
}

function* main() {
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  const tasks = [];
  for (let i = 0; i < count; i++) tasks.push(spawn(sleeper(300 + (i % 50))));
  yield* sleep(50); // every task has taken its first step and is parked in the timer heap
  globalThis.gc();
  const after = process.memoryUsage().heapUsed;
  console.log(`${count} sleeping tasks: ${((after - before) / count).toFixed(0)} bytes per task (heap ${((after - before) / 1048576).toFixed(1)} MiB)`);
  for (const task of tasks) yield* task;
  console.log("all woke up");
}

run(main());
