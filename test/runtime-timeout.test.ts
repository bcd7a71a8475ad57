import { describe, expect, test, vi } from "vitest";
import {
  CancelledError,
  Task,
  Timeout,
  TimeoutError,
  checkpoint,
  currentTask,
  run,
  sleep,
  spawn,
  timeout,
  wait,
  yieldingEnter,
  yieldingExit,
  type Coroutine,
} from "../runtime/index.js";
import { delay, guardReports, rejection } from "./helpers/runtime.js";
import { withManager } from "./helpers/with-manager.js";

guardReports();

/** A context manager that logs its exit and what it saw, to check that inner exits run. */
function logExits(log: string[], name: string) {
  return {
    [yieldingEnter]() {
      log.push(`${name} enter`);
    },
    *[yieldingExit](hasError: boolean, error: unknown) {
      yield* sleep(1); // exits may wait, even while the task is being cancelled
      log.push(`${name} exit ${hasError ? (error as Error).name : "ok"}`);
    },
  };
}

/** What a coroutine threw, or "no error". */
function* caught(coro: Coroutine<unknown>): Coroutine<unknown> {
  try {
    yield* coro;
  } catch (e) {
    return e;
  }
  return "no error";
}

describe("timeout(ms)", () => {
  test("when time runs out the body is cancelled where it waits: finally blocks and inner exits run, then TimeoutError", async () => {
    const log: string[] = [];
    const limit = timeout(20);
    let delivered: unknown;
    function* main() {
      const started = Date.now();
      const error = yield* caught(
        withManager(limit, function* (bound) {
          expect(bound).toBe(limit);
          try {
            yield* withManager(logExits(log, "inner"), function* () {
              yield* sleep(10_000);
              log.push("never");
            });
          } catch (e) {
            log.push(`body caught ${(e as Error).name}`);
            delivered = currentTask()!.deliveredCancellation;
            expect(e).toBe(delivered);
            throw e;
          } finally {
            log.push("finally");
          }
        }),
      );
      // Taken back: the task is not on its way out any more.
      return [error, Date.now() - started, currentTask()!.deliveredCancellation] as const;
    }
    const [error, elapsed, after] = await run(main());
    expect(after).toBeUndefined();
    expect(log).toEqual(["inner enter", "inner exit CancelledError", "body caught CancelledError", "finally"]);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).not.toBeInstanceOf(CancelledError);
    expect((error as Error).message).toMatch(/20 ms/);
    expect((error as Error).cause).toBe(delivered);
    expect(delivered).toBeInstanceOf(CancelledError);
    expect(elapsed).toBeGreaterThanOrEqual(15);
    expect(elapsed).toBeLessThan(5_000);
    expect(limit.expired).toBe(true);
  });

  test("also while the body waits for a Promise or a child task (the child is cancelled and cleans up first)", async () => {
    const log: string[] = [];
    function* child() {
      try {
        yield* sleep(10_000);
      } finally {
        log.push("child cleaned up");
      }
    }
    function* main() {
      const a = yield* caught(withManager(timeout(5), () => wait(new Promise(() => {}))));
      const b = yield* caught(
        withManager(timeout(5), function* () {
          yield* spawn(child());
        }),
      );
      return [a, b];
    }
    const [a, b] = await run(main());
    expect(a).toBeInstanceOf(TimeoutError);
    expect(b).toBeInstanceOf(TimeoutError);
    expect(log).toEqual(["child cleaned up"]);
  });

  test("a body that ends in time: its result, no error, and no cancellation afterwards", async () => {
    const limit = timeout(20);
    function* main() {
      const result = yield* withManager(limit, function* () {
        yield* checkpoint();
        return "in time";
      });
      yield* sleep(40); // past the deadline: the timer must be gone
      yield* checkpoint();
      return [result, currentTask()!.deliveredCancellation];
    }
    expect(await run(main())).toEqual(["in time", undefined]);
    expect(limit.expired).toBe(false);
  });

  test("a task that caught a TimeoutError and went on is still cancelled when run() ends", async () => {
    const log: string[] = [];
    function* background() {
      try {
        yield* withManager(timeout(1), () => sleep(10_000));
      } catch (e) {
        log.push((e as Error).name);
      }
      try {
        yield* sleep(10_000);
      } finally {
        log.push("cancelled when run() ended");
      }
    }
    function* main() {
      spawn(background());
      yield* sleep(20);
    }
    const outcome = await Promise.race([run(main()).then(() => "settled"), delay(3_000).then(() => "hung")]);
    expect(outcome).toBe("settled");
    expect(log).toEqual(["TimeoutError", "cancelled when run() ended"]);
  });

  test("the body's own error goes through unchanged", async () => {
    const boom = new Error("boom");
    function* main() {
      return yield* caught(
        withManager(timeout(1_000), function* () {
          yield* sleep(1);
          throw boom;
        }),
      );
    }
    expect(await run(main())).toBe(boom);
  });

  test("time ran out but the body ended before the cancellation reached it: it is withdrawn", async () => {
    // On the one-threaded loop the timer fires while the task is parked, so the cancellation
    // normally arrives at once; here it is requested while the body runs (as the timer would
    // if it fired then), and the body ends without suspending again.
    const limit = timeout(1_000);
    function* main() {
      const result = yield* withManager(limit, function* () {
        yield* sleep(1);
        limit._expire();
        expect(currentTask()!._cancelPending).toBeInstanceOf(CancelledError);
        return "finished";
      });
      expect(currentTask()!._cancelPending).toBeNull();
      yield* sleep(5);
      yield* checkpoint();
      return [result, currentTask()!.deliveredCancellation];
    }
    expect(await run(main())).toEqual(["finished", undefined]);
    expect(limit.expired).toBe(true);
  });

  test("...but not when someone else asked for a cancellation as well: that one still arrives", async () => {
    const limit = timeout(1_000);
    const log: string[] = [];
    function* worker() {
      yield* withManager(limit, function* () {
        yield* sleep(1);
        limit._expire();
        currentTask()!.cancel("from outside"); // joins the request on its way
        log.push("body ends");
      });
      log.push("after the block");
      yield* sleep(1);
      log.push("never");
    }
    const error = await rejection<CancelledError>(spawn(worker()));
    expect(log).toEqual(["body ends", "after the block"]);
    expect(error).toBeInstanceOf(CancelledError);
  });

  test("a cancellation from elsewhere stays a CancelledError", async () => {
    const limit = timeout(1_000);
    function* worker() {
      yield* withManager(limit, () => sleep(10_000));
    }
    const task = spawn(worker());
    await delay(5);
    task.cancel("stop");
    const error = await rejection<CancelledError>(task);
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.reason).toBe("stop");
    expect(limit.expired).toBe(false);
  });

  test("a cancellation from elsewhere stays a CancelledError even when the time ran out too", async () => {
    // The body waits for a child that takes a while to clean up, so a cancellation request
    // stays on its way for a while and the second request joins the first.
    function* slowToStop() {
      try {
        yield* sleep(10_000);
      } finally {
        yield* sleep(30);
      }
    }
    function* worker(limit: Timeout) {
      yield* withManager(limit, function* () {
        yield* spawn(slowToStop());
      });
    }
    // Time runs out first, then the other request comes.
    const first = timeout(5);
    const a = spawn(worker(first));
    await delay(15);
    expect(first.expired).toBe(true);
    a.cancel("stop");
    const errorA = await rejection(a);
    expect(errorA).toBeInstanceOf(CancelledError);
    // The other request comes first, then time runs out.
    const second = timeout(15);
    const b = spawn(worker(second));
    await delay(5);
    b.cancel("stop");
    await delay(20);
    expect(second.expired).toBe(true);
    const errorB = await rejection<CancelledError>(b);
    expect(errorB).toBeInstanceOf(CancelledError);
    expect(errorB.reason).toBe("stop");
  });

  test("nested: the inner one running out is a TimeoutError at the inner block only", async () => {
    const outer = timeout(1_000);
    const inner = timeout(5);
    function* main() {
      return yield* withManager(outer, function* () {
        const error = yield* caught(withManager(inner, () => sleep(10_000)));
        yield* sleep(1); // the outer block goes on normally
        return error;
      });
    }
    const error = await run(main());
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/5 ms/);
    expect([outer.expired, inner.expired]).toEqual([false, true]);
  });

  test("nested: the outer one running out goes through the inner block as a CancelledError", async () => {
    const seen: unknown[] = [];
    const outer = timeout(5);
    const inner = timeout(1_000);
    function* main() {
      return yield* caught(
        withManager(outer, function* () {
          try {
            yield* withManager(inner, () => sleep(10_000));
          } catch (e) {
            seen.push(e);
            throw e;
          }
        }),
      );
    }
    const error = await run(main());
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(CancelledError);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/5 ms/);
    expect([outer.expired, inner.expired]).toEqual([true, false]);
  });

  test("nested: both run out before the cancellation arrives: the outer block gets the TimeoutError", async () => {
    for (const order of ["inner first", "outer first"]) {
      const outer = timeout(1_000);
      const inner = timeout(1_000);
      const seen: unknown[] = [];
      function* main() {
        return yield* caught(
          withManager(outer, function* () {
            try {
              yield* withManager(inner, function* () {
                yield* sleep(1);
                const [first, second] = order === "inner first" ? [inner, outer] : [outer, inner];
                first._expire();
                second._expire();
                yield* sleep(10_000);
              });
            } catch (e) {
              seen.push(e);
              throw e;
            }
          }),
        );
      }
      const error = await run(main());
      expect(seen[0], order).toBeInstanceOf(CancelledError);
      expect(error, order).toBeInstanceOf(TimeoutError);
    }
  });

  test("Infinity never runs out", async () => {
    const limit = timeout(Infinity);
    function* main() {
      return yield* withManager(limit, function* () {
        yield* sleep(20);
        return "done";
      });
    }
    expect(await run(main())).toBe("done");
    expect(limit.expired).toBe(false);
  });

  test("0 or less runs out at the body's first suspension; a body that never suspends is not interrupted", async () => {
    for (const ms of [0, -10]) {
      const log: string[] = [];
      function* main() {
        const a = yield* caught(
          withManager(timeout(ms), function* () {
            log.push("runs");
            yield* checkpoint();
            log.push("never");
          }),
        );
        const b = yield* withManager(timeout(ms), function* () {
          return "no suspension";
        });
        yield* sleep(2);
        return [a, b];
      }
      const [a, b] = await run(main());
      expect(a).toBeInstanceOf(TimeoutError);
      expect(b).toBe("no suspension");
      expect(log).toEqual(["runs"]);
    }
  });

  test("ms must be a number of milliseconds", () => {
    expect(() => timeout("10" as never)).toThrow(TypeError);
    expect(() => timeout(undefined as never)).toThrow(TypeError);
    expect(() => timeout(NaN)).toThrow(RangeError);
    expect(() => timeout(-Infinity)).toThrow(RangeError);
    expect(timeout(0)).toBeInstanceOf(Timeout);
  });

  test("entering outside a task, or a second time (while entered or after), is a TypeError", async () => {
    expect(() => timeout(10)[yieldingEnter]()).toThrow(/inside a task/);
    function* main() {
      const limit = timeout(1_000);
      const whileEntered = yield* caught(
        withManager(limit, function* () {
          limit[yieldingEnter]();
        }),
      );
      const afterwards = yield* caught(withManager(limit, () => sleep(1)));
      return [whileEntered, afterwards];
    }
    const errors = (await run(main())) as Error[];
    for (const error of errors) {
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/already entered/);
    }
  });

  test("a timeout uses the loop's timer heap, not a host timer of its own", async () => {
    const spy = vi.spyOn(globalThis, "setTimeout");
    try {
      function* worker() {
        yield* withManager(timeout(1_000), () => sleep(1));
      }
      function* main() {
        const tasks: Task<void>[] = [];
        for (let i = 0; i < 200; i++) tasks.push(spawn(worker()));
        for (const task of tasks) yield* task;
      }
      await run(main());
      expect(spy.mock.calls.length).toBeLessThan(20);
    } finally {
      spy.mockRestore();
    }
  });
});
