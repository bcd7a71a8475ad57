import { describe, expect, expectTypeOf, test } from "vitest";
import { CancelledError, Condition, Lock, gather, run, sleep, spawn } from "../runtime/index.js";
import { delay, guardReports, rejection } from "./helpers/runtime.js";
import { withManager } from "./helpers/with-manager.js";

guardReports();

/** Waits on `cond` inside `with`, logging `<name> notified`, or the error's name when it throws. */
function* loggedWaiter(cond: Condition, log: string[], name: string): Generator<unknown, void, unknown> {
  yield* withManager(cond, function* () {
    try {
      yield* cond.wait();
      log.push(`${name} notified`);
    } catch (e) {
      log.push(`${name} ${(e as Error).name}`);
      throw e;
    }
  });
}

describe("Condition", () => {
  test("wait releases the lock until notified, then holds it again when it returns", async () => {
    const cond = new Condition();
    const items: string[] = [];
    const log: string[] = [];
    function* consumer() {
      return yield* withManager(cond, function* () {
        while (items.length === 0) {
          log.push("consumer waits");
          expect(yield* cond.wait()).toBe(true);
          log.push(`consumer woke, locked: ${cond.locked()}`);
        }
        return items.shift();
      });
    }
    function* producer() {
      yield* sleep(2);
      yield* withManager(cond, function* () {
        log.push("producer has the lock");
        items.push("item");
        cond.notify();
        yield* sleep(2);
        log.push("producer releases");
      });
    }
    function* main() {
      return yield* gather(consumer(), producer());
    }
    expect(await run(main())).toEqual(["item", undefined]);
    expect(log).toEqual(["consumer waits", "producer has the lock", "producer releases", "consumer woke, locked: true"]);
    expect(cond.locked()).toBe(false);
  });

  test("waitFor checks the predicate first, waits until it is truthy, and returns its value", async () => {
    const cond = new Condition();
    let value = 0;
    const checked: number[] = [];
    function* waiter() {
      yield* cond.acquire();
      try {
        return yield* cond.waitFor(() => {
          checked.push(value);
          return value >= 2 && `value ${value}`;
        });
      } finally {
        cond.release();
      }
    }
    function* bump() {
      for (let i = 0; i < 3; i++) {
        yield* sleep(1);
        yield* cond.acquire();
        value++;
        cond.notifyAll();
        cond.release();
      }
    }
    function* main() {
      const [result] = yield* gather(waiter(), bump());
      return result;
    }
    expect(await run(main())).toBe("value 2");
    expect(checked).toEqual([0, 1, 2]);
  });

  test("waitFor with a predicate already true does not suspend", async () => {
    const cond = new Condition();
    const log: string[] = [];
    function* main() {
      spawn((function* () { log.push("other ran"); })());
      yield* cond.acquire();
      log.push(`got ${yield* cond.waitFor(() => 42)}`);
      cond.release();
      yield;
    }
    await run(main());
    expect(log).toEqual(["got 42", "other ran"]);
  });

  test("notify(n) wakes at most n waiters, longest waiting first; notifyAll wakes the rest", async () => {
    const cond = new Condition();
    const woke: string[] = [];
    function* waiter(name: string) {
      yield* cond.acquire();
      try {
        yield* cond.wait();
        woke.push(name);
      } finally {
        cond.release();
      }
    }
    function* main() {
      const tasks = ["a", "b", "c", "d"].map((name) => spawn(waiter(name)));
      yield* sleep(2);
      yield* cond.acquire();
      cond.notify(2);
      cond.release();
      yield* sleep(2);
      expect(woke).toEqual(["a", "b"]);
      yield* cond.acquire();
      cond.notifyAll();
      cond.release();
      yield* gather(...tasks);
    }
    await run(main());
    expect(woke).toEqual(["a", "b", "c", "d"]);
  });

  test("wait, notify and notifyAll without holding the lock throw", async () => {
    const cond = new Condition();
    expect(() => cond.notify()).toThrow(/notify\(\).*lock/);
    expect(() => cond.notifyAll()).toThrow(/lock/);
    function* main() {
      yield* cond.wait();
    }
    expect(await rejection(run(main()))).toMatchObject({ message: expect.stringMatching(/wait\(\).*lock/) });
  });

  test("shares a Lock it is given", async () => {
    const lock = new Lock();
    const cond = new Condition(lock);
    function* main() {
      yield* withManager(cond, function* () {
        expect(lock.locked()).toBe(true);
      });
      expect(lock.locked()).toBe(false);
    }
    await run(main());
  });

  test("a waiter cancelled while it waits leaves the line, and throws only once it holds the lock again", async () => {
    const cond = new Condition();
    const log: string[] = [];
    function* waiter(name: string) {
      yield* withManager(cond, function* () {
        try {
          yield* cond.wait();
          log.push(`${name} notified`);
        } catch (e) {
          log.push(`${name} ${(e as Error).name}, locked: ${cond.locked()}`);
          throw e;
        }
      });
    }
    const cancelled = spawn(waiter("first"));
    const other = spawn(waiter("second"));
    await delay(2);
    function* holdAndCancel() {
      yield* cond.acquire();
      cancelled.cancel();
      yield* sleep(2); // the cancelled waiter cannot leave wait() while this holds the lock
      log.push("holder releases");
      cond.notify(); // the cancelled waiter left the line: this wakes the second
      cond.release();
    }
    await run(holdAndCancel());
    expect(await rejection(cancelled)).toBeInstanceOf(CancelledError);
    await other;
    expect(log).toEqual(["holder releases", "first CancelledError, locked: true", "second notified"]);
    expect(cond.locked()).toBe(false);
  });

  test("a waiter cancelled after it was notified, before it resumed, passes the notification on", async () => {
    const cond = new Condition();
    const log: string[] = [];
    const waiter = (name: string) => loggedWaiter(cond, log, name);
    const first = spawn(waiter("first"));
    const second = spawn(waiter("second"));
    await delay(2);
    function* notifyOneThenCancelIt() {
      yield* cond.acquire();
      cond.notify();
      first.cancel();
      cond.release();
    }
    await run(notifyOneThenCancelIt());
    expect(await rejection(first)).toBeInstanceOf(CancelledError);
    await second;
    expect(log).toEqual(["first CancelledError", "second notified"]);
  });

  test("a waiter cancelled while it takes the lock back after a notification passes the notification on", async () => {
    const cond = new Condition();
    const log: string[] = [];
    const waiter = (name: string) => loggedWaiter(cond, log, name);
    const first = spawn(waiter("first"));
    const second = spawn(waiter("second"));
    await delay(2);
    function* notifyHoldCancel() {
      yield* cond.acquire();
      cond.notify();
      yield* sleep(2); // first resumes and waits for the lock
      first.cancel();
      yield* sleep(2);
      cond.release();
    }
    await run(notifyHoldCancel());
    expect(await rejection(first)).toBeInstanceOf(CancelledError);
    await second;
    expect(log).toEqual(["first CancelledError", "second notified"]);
    expect(cond.locked()).toBe(false);
  });

  test("types: waitFor returns the predicate's truthy value", async () => {
    const cond = new Condition();
    const queue: number[] = [5];
    function* main() {
      yield* cond.acquire();
      try {
        const n = yield* cond.waitFor(() => queue.shift());
        expectTypeOf(n).toEqualTypeOf<number>();
        return n;
      } finally {
        cond.release();
      }
    }
    expect(await run(main())).toBe(5);
  });
});
