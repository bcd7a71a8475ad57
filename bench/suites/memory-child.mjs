/**
 * One memory measurement in a fresh process (started by memory.mjs):
 *
 *   node --expose-gc bench/suites/memory-child.mjs KIND COUNT [SLEEP_MS]
 *
 * starts COUNT tasks of KIND that each sleep, waits until every one is asleep, measures the
 * heap they hold (heapUsed after a full GC, minus the same before), lets them all wake, and
 * prints one JSON line. KIND is one of: yielding, async-promise, async-timer, effection.
 */

import { getHeapStatistics } from "node:v8";
import { setTimeout as delay } from "node:timers/promises";

const [kind, countText, sleepText] = process.argv.slice(2);
const count = Number(countText);
/** Long enough that no task wakes before all are asleep and measured (checked below). */
const sleepMs = Math.max(Number(sleepText ?? 1000), count / 150);

let started = 0;
let woke = 0;
let measured;

/** Called by the main task once every sleeper has started: the heap and the host timers. */
function measure(before) {
  globalThis.gc();
  const after = process.memoryUsage().heapUsed;
  const hostTimers = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  measured = { bytesPerTask: (after - before) / count, heapMiB: (after - before) / 1048576, hostTimers, wokeEarly: woke };
}

const heapUsed = () => {
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

const kinds = {
  /** Our tasks, each in `yield* sleep(ms)`. */
  async yielding() {
    const { run, sleep, spawn } = await import("../../dist/runtime/index.js");
    function* sleeper(ms) {
      started++;
      yield* sleep(ms);
      woke++;
    }
    await run(
      (function* () {
        const before = heapUsed();
        for (let i = 0; i < count; i++) spawn(sleeper(sleepMs + (i % 100)));
        while (started < count) yield* sleep(5);
        measure(before);
        while (woke < count) yield* sleep(20);
      })(),
    );
  },

  /** Async functions suspended in `await` on a promise of their own (resolved later). */
  async "async-promise"() {
    const resolvers = [];
    async function sleeper() {
      started++;
      await new Promise((resolve) => resolvers.push(resolve));
      woke++;
    }
    const before = heapUsed();
    for (let i = 0; i < count; i++) sleeper();
    measure(before);
    await delay(sleepMs);
    for (const resolve of resolvers) resolve();
    while (woke < count) await delay(20);
  },

  /** Async functions asleep the usual way: `await setTimeout(ms)`, one host timer each. */
  async "async-timer"() {
    async function sleeper(ms) {
      started++;
      await delay(ms);
      woke++;
    }
    const before = heapUsed();
    for (let i = 0; i < count; i++) sleeper(sleepMs + (i % 100));
    measure(before);
    while (woke < count) await delay(20);
  },

  /** Effection tasks, each in `yield* sleep(ms)`. */
  async effection() {
    const { run, sleep, spawn } = await import("effection");
    await run(function* () {
      const before = heapUsed();
      for (let i = 0; i < count; i++) {
        const ms = sleepMs + (i % 100);
        yield* spawn(function* () {
          started++;
          yield* sleep(ms);
          woke++;
        });
      }
      while (started < count) yield* sleep(5);
      measure(before);
      while (woke < count) yield* sleep(20);
    });
  },
};

if (!(kind in kinds) || !(count > 0)) throw new Error(`usage: memory-child.mjs ${Object.keys(kinds).join("|")} COUNT`);
const t0 = performance.now();
await kinds[kind]();
const heapLimitMiB = getHeapStatistics().heap_size_limit / 1048576;
if (measured.wokeEarly > 0) throw new Error(`${measured.wokeEarly} tasks woke before the heap was measured: sleep longer`);
console.log(JSON.stringify({ kind, count, ...measured, allWoke: woke === count, seconds: (performance.now() - t0) / 1000, heapLimitMiB }));
