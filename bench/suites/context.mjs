/**
 * Context managers: N blocks, each entering and exiting a manager that is ready at once (an
 * uncontended lock, a manager whose enter and exit return plain values). A yielding `with`
 * (compiled by our compiler at start) against the same work written by hand: a plain
 * try/finally (the floor), and the async/await and co ways of holding a promise-based lock.
 * Node 20 has no `await using`, so that peer is the try/finally an `await using` expands to.
 */

import co from "co";
import { compileAndImport, dist, peers, ratio, summary, time, timeCases, timingTable } from "../harness.mjs";

const { Lock, run, yieldingEnter, yieldingExit } = await import(dist("runtime/index.js"));

/** Our blocks, one function per case so each keeps its own type feedback. */
const YIELDING_SOURCE = `
export function* withLock(lock, n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    with (yielding lock) sum += i % 100;
  }
  return sum;
}
export function* withPlainManager(manager, n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    with (const step = yielding manager) sum += (i % 100) * step;
  }
  return sum;
}
`;

/** A manager whose enter and exit need no wait: enter binds 1. */
const plainManager = { [yieldingEnter]: () => 1, [yieldingExit]: () => undefined };

/** The floor: the same enter/exit calls around the same body, in a plain function. */
function plainTryFinally(manager, n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const step = manager[yieldingEnter]();
    try {
      sum += (i % 100) * step;
    } finally {
      manager[yieldingExit](false, undefined);
    }
  }
  return sum;
}

/** The usual promise mutex of async/await code: `lock()` resolves when the lock is free. */
class PromiseMutex {
  locked = false;
  waiters = [];
  lock() {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  unlock() {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }
}

async function asyncLock(mutex, n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    await mutex.lock();
    try {
      sum += i % 100;
    } finally {
      mutex.unlock();
    }
  }
  return sum;
}

const coLock = (mutex, n) =>
  co(function* () {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      yield mutex.lock();
      try {
        sum += i % 100;
      } finally {
        mutex.unlock();
      }
    }
    return sum;
  });

export default {
  name: "context",
  async run(opts) {
    const blocks = await compileAndImport("context-blocks", YIELDING_SOURCE);
    const n = opts.quick ? 20_000 : 200_000;
    let expect = 0;
    for (let i = 0; i < n; i++) expect += i % 100;
    const results = await timeCases(
      [
        { name: "plain try/finally around enter/exit calls", ops: n, expect, run: () => plainTryFinally(plainManager, n) },
        { name: "yielding `with (const step = yielding manager)`, plain enter/exit", ops: n, expect, run: () => run(blocks.withPlainManager(plainManager, n)) },
        { name: "yielding `with (yielding lock)`, uncontended `Lock`", ops: n, expect, run: () => run(blocks.withLock(new Lock(), n)) },
        { name: "async/await: `await mutex.lock(); try … finally unlock()`", ops: n, expect, run: () => asyncLock(new PromiseMutex(), n) },
        { name: "co: `yield mutex.lock(); try … finally unlock()`", ops: n, expect, run: () => coLock(new PromiseMutex(), n) },
      ],
      opts,
    );
    const [floor, plainWith, lockWith, asyncNs, coNs] = results.map((r) => r.ns);
    const count = n.toLocaleString("en-US");
    return {
      tables: [
        timingTable(`Context managers: ${count} blocks entering a ready manager`, results, {
          unit: "per block",
          note: "The baseline is the floor: the same enter and exit calls in a try/finally of a plain function. The async/await row is what `await using` on a lock expands to (Node 20 has no `await using`).",
        }),
      ],
      summary: [
        summary(
          `${count} \`with\` blocks on an uncontended lock, per block`,
          `${time(lockWith)} (${ratio(asyncNs / lockWith)} faster than async/await)`,
          peers([["plain try/finally", floor], ["`with` on a plain manager", plainWith], ["async/await lock", asyncNs], ["co", coNs]]),
        ),
      ],
    };
  },
};
