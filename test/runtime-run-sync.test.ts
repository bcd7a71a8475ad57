import { describe, expect, test, vi } from "vitest";
import {
  CancelledError,
  Future,
  WouldBlockError,
  checkpoint,
  run,
  runSync,
  sleep,
  spawn,
  wait,
} from "../runtime/index.js";
import { callLater, now, runUntil } from "../runtime/loop.js";
import { guardReports } from "./helpers/runtime.js";

guardReports();

describe("runSync: result and errors", () => {
  test("returns the coroutine's result", () => {
    function* main() {
      yield;
      return 42;
    }
    expect(runSync(main())).toBe(42);
  });

  test("throws the coroutine's own error, unchanged", () => {
    const boom = new RangeError("boom");
    function* main(): Generator<unknown, never> {
      yield* sleep(1);
      throw boom;
    }
    expect(() => runSync(main())).toThrow(boom);
  });

  test("settled futures and checkpoints need no host turn", () => {
    const ready = new Future<string>();
    ready.setResult("ready");
    function* main() {
      const a = yield* ready;
      yield* checkpoint();
      yield;
      return a;
    }
    expect(runSync(main())).toBe("ready");
  });

  test("anything that is not a coroutine is a TypeError, as with run()", () => {
    expect(() => runSync((() => 1) as never)).toThrow(TypeError);
  });
});

describe("runSync: timers", () => {
  test("a sleep really waits, blocking the thread", () => {
    let hostTimerFired = false;
    setTimeout(() => (hostTimerFired = true), 0);
    const start = performance.now();
    const value = runSync(
      (function* () {
        return yield* sleep(50, "late");
      })(),
    );
    const elapsed = performance.now() - start;
    expect(value).toBe("late");
    expect(elapsed).toBeGreaterThanOrEqual(49);
    expect(elapsed).toBeLessThan(1000);
    // The host's event loop did not run meanwhile.
    expect(hostTimerFired).toBe(false);
  });

  test("timers fire in deadline order across tasks", () => {
    const log: string[] = [];
    function* sleeper(name: string, ms: number) {
      yield* sleep(ms);
      log.push(name);
    }
    function* main() {
      const tasks = [spawn(sleeper("c", 30)), spawn(sleeper("a", 10)), spawn(sleeper("b", 20))];
      for (const t of tasks) yield* t;
      return log;
    }
    expect(runSync(main())).toEqual(["a", "b", "c"]);
  });
});

describe("runSync: spawned tasks", () => {
  test("tasks spawned inside run, and their results are waited for", () => {
    function* child(n: number) {
      yield* sleep(5 * n);
      return n * 10;
    }
    function* main() {
      const tasks = [1, 2, 3].map((n) => spawn(child(n)));
      let sum = 0;
      for (const t of tasks) sum += yield* t;
      return sum;
    }
    expect(runSync(main())).toBe(60);
  });

  test("tasks still pending when the coroutine ends are cancelled, and their cleanup runs first", () => {
    const log: string[] = [];
    function* forever() {
      try {
        yield* sleep(60_000);
      } catch (e) {
        log.push(e instanceof CancelledError ? "cancelled" : "other");
        throw e;
      } finally {
        yield* sleep(5);
        log.push("cleaned up");
      }
    }
    function* main() {
      spawn(forever());
      yield* sleep(1);
      return "done";
    }
    const start = performance.now();
    expect(runSync(main())).toBe("done");
    expect(log).toEqual(["cancelled", "cleaned up"]);
    // The 60 s timer was removed rather than slept through.
    expect(performance.now() - start).toBeLessThan(1000);
  });

  test("a Future settled by another task is no reason to block", () => {
    const gate = new Future<string>();
    function* opener() {
      yield* sleep(5);
      gate.setResult("open");
    }
    function* main() {
      spawn(opener());
      return yield* gate;
    }
    expect(runSync(main())).toBe("open");
  });

  test("it drives the one loop: a task of a run() in progress takes its steps too", async () => {
    const log: string[] = [];
    const other = run(
      (function* () {
        log.push("other started");
        yield* sleep(5);
        log.push("other woke");
        return "other";
      })(),
    );
    runSync(
      (function* () {
        yield* sleep(20);
      })(),
    );
    expect(log).toEqual(["other started", "other woke"]);
    expect(await other).toBe("other");
  });
});

describe("runSync: WouldBlockError", () => {
  test("waiting on a pending Promise throws WouldBlockError saying what to do instead", () => {
    function* main() {
      return yield* wait(new Promise<number>(() => {}));
    }
    let error: unknown;
    try {
      runSync(main());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WouldBlockError);
    const message = (error as Error).message;
    expect(message).toContain("runSync() cannot wait for a Promise, settled or not");
    expect(message).toContain("Use run() from async code");
    expect(message).toContain("blockOn()");
  });

  test("a Promise settles only on a host turn, so even a resolved one would block, and the message says why", () => {
    function* main(): Generator<unknown, unknown, unknown> {
      return yield Promise.resolve(1);
    }
    let error: unknown;
    try {
      runSync(main());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WouldBlockError);
    const message = (error as Error).message;
    expect(message).not.toContain("pending");
    expect(message).toContain("runSync() cannot wait for a Promise, settled or not");
    expect(message).toContain("the host's microtask queue, which cannot run while runSync() blocks the thread");
  });

  test("a Future nothing will settle throws WouldBlockError instead of hanging", () => {
    function* main() {
      return yield* new Future<number>();
    }
    expect(() => runSync(main())).toThrow(WouldBlockError);
  });

  test("it waits for timers first, and the abandoned coroutine's finally blocks run", () => {
    const log: string[] = [];
    function* main() {
      try {
        yield* sleep(20);
        log.push("slept");
        yield* wait(new Promise(() => {}));
      } finally {
        log.push("finally");
      }
    }
    const start = performance.now();
    expect(() => runSync(main())).toThrow(WouldBlockError);
    expect(performance.now() - start).toBeGreaterThanOrEqual(19);
    expect(log).toEqual(["slept", "finally"]);
  });

  test("a child waiting on a Promise while the coroutine waits for it cancels both", () => {
    const log: string[] = [];
    function* child() {
      try {
        return yield* wait(new Promise(() => {}));
      } finally {
        log.push("child finally");
      }
    }
    function* main() {
      try {
        return yield* spawn(child());
      } finally {
        log.push("main finally");
      }
    }
    expect(() => runSync(main())).toThrow(WouldBlockError);
    expect(log).toEqual(["child finally", "main finally"]);
  });

  test("cleanup of a leftover task that waits on a Promise throws WouldBlockError", () => {
    function* stubborn() {
      try {
        yield* sleep(60_000);
      } finally {
        yield* wait(new Promise(() => {}));
      }
    }
    function* main() {
      spawn(stubborn());
      yield* sleep(1);
      return 1;
    }
    expect(() => runSync(main())).toThrow(/a task it spawned waits for a Promise \(settled or not\) while being cancelled/);
  });
});

describe("runSync: nesting", () => {
  test("inside a running task it throws WouldBlockError at once", async () => {
    let inner: unknown;
    function* main() {
      try {
        runSync(
          (function* () {
            return 1;
          })(),
        );
      } catch (e) {
        inner = e;
      }
      return "outer still fine";
    }
    expect(await run(main())).toBe("outer still fine");
    expect(inner).toBeInstanceOf(WouldBlockError);
    expect((inner as Error).message).toContain("runSync() was called inside a running task");
    expect((inner as Error).message).toContain("yield* coro");
  });

  test("runSync inside runSync is the same error", () => {
    function* main() {
      return runSync(
        (function* () {
          return 1;
        })(),
      );
    }
    expect(() => runSync(main())).toThrow(/inside a running task/);
  });

  test("from a done callback (not a task) it may drive the loop", () => {
    const trigger = new Future<void>();
    let nested: number | undefined;
    trigger.addDoneCallback(() => {
      nested = runSync(
        (function* () {
          yield* sleep(2);
          return 7;
        })(),
      );
    });
    function* main() {
      trigger.setResult();
      yield* sleep(10);
      return nested;
    }
    expect(runSync(main())).toBe(7);
  });
});

describe("runUntil (loop.ts)", () => {
  test("returns false at once when the loop has nothing to do", () => {
    expect(runUntil(() => false)).toBe(false);
  });

  test("fires due timers, sleeping in between", () => {
    let fired = 0;
    const start = now();
    callLater(15, () => fired++, undefined);
    expect(runUntil(() => fired === 1)).toBe(true);
    expect(now() - start).toBeGreaterThanOrEqual(14);
  });

  test("without Atomics.wait it busy-waits, still on time", async () => {
    vi.stubGlobal("SharedArrayBuffer", undefined);
    // A fresh loop, as in a process of its own: a runtime loaded again would share this one.
    const key = Symbol.for("yielding.loop");
    const shared = Object.getOwnPropertyDescriptor(globalThis, key)!;
    delete (globalThis as Record<symbol, unknown>)[key];
    try {
      vi.resetModules();
      const loop = await import("../runtime/loop.js");
      expect(loop.runUntil).not.toBe(runUntil);
      let fired = false;
      const start = loop.now();
      loop.callLater(20, () => (fired = true), undefined);
      expect(loop.runUntil(() => fired)).toBe(true);
      expect(loop.now() - start).toBeGreaterThanOrEqual(19);
    } finally {
      Object.defineProperty(globalThis, key, shared);
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});
