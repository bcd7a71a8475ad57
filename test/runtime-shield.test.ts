import { describe, expect, expectTypeOf, test } from "vitest";
import { CancelledError, Future, Queue, TimeoutError, run, shield, sleep, spawn, waitFor } from "../runtime/index.js";
import { delay, guardReports, rejection, takeReports } from "./helpers/runtime.js";

const reports = guardReports();

/** A coroutine that sleeps `ms`, logs how it ended, and returns `value`. */
function* job<T>(log: string[], name: string, ms: number, value: T): Generator<unknown, T, unknown> {
  try {
    yield* sleep(ms);
    log.push(`${name} done`);
    return value;
  } catch (e) {
    log.push(`${name} caught ${(e as Error).name}`);
    throw e;
  }
}

describe("shield", () => {
  test("cancelling the task that waits on shield(task) does not cancel the task", async () => {
    const log: string[] = [];
    const inner = spawn(job(log, "inner", 10, "result"));
    function* waiter() {
      return yield* shield(inner);
    }
    const outer = spawn(waiter());
    await delay(2);
    outer.cancel();
    expect(await rejection(outer)).toBeInstanceOf(CancelledError);
    expect(inner.done()).toBe(false);
    expect(await inner).toBe("result");
    expect(log).toEqual(["inner done"]);
  });

  test("a coroutine is started as a task that keeps running when its waiter is cancelled", async () => {
    const log: string[] = [];
    function* main() {
      const waiter = spawn(
        (function* () {
          return yield* shield(job(log, "shielded", 10, 1));
        })(),
      );
      yield* sleep(2);
      waiter.cancel();
      try {
        yield* waiter;
      } catch (e) {
        log.push(`waiter ${(e as Error).name}`);
      }
      yield* sleep(20);
    }
    await run(main());
    expect(log).toEqual(["waiter CancelledError", "shielded done"]);
  });

  test("passes the result and the error through", async () => {
    const boom = new Error("boom");
    function* fails(): Generator<unknown, never, unknown> {
      yield* sleep(1);
      throw boom;
    }
    function* main() {
      const value = yield* shield(sleep(1, "value"));
      let error: unknown;
      try {
        yield* shield(fails());
      } catch (e) {
        error = e;
      }
      return [value, error];
    }
    expect(await run(main())).toEqual(["value", boom]);
  });

  test("the inner task cancelled by someone else cancels the waiter too", async () => {
    const inner = spawn(job([], "inner", 10_000, 1));
    function* waiter() {
      return yield* shield(inner);
    }
    const outer = spawn(waiter());
    await delay(2);
    inner.cancel();
    expect(await rejection(outer)).toBeInstanceOf(CancelledError);
  });

  test("cancelling the shield itself leaves the inner task running", async () => {
    const inner = spawn(job([], "inner", 5, "kept"));
    const shielded = shield(inner);
    expect(shielded.cancel()).toBe(true);
    expect(shielded.cancelled()).toBe(true);
    expect(await inner).toBe("kept");
  });

  test("a settled future is returned as it is: yield* does not suspend", async () => {
    const ready = new Future<number>();
    ready.setResult(7);
    expect(shield(ready)).toBe(ready);
    const log: string[] = [];
    function* main() {
      spawn((function* () { log.push("other ran"); })());
      log.push(`got ${yield* shield(ready)}`);
      yield;
    }
    await run(main());
    expect(log).toEqual(["got 7", "other ran"]);
  });

  test("waitFor(shield(task), ms) times out without cancelling the task", async () => {
    const log: string[] = [];
    const inner = spawn(job(log, "inner", 20, "late"));
    expect(await rejection(waitFor(shield(inner), 2))).toBeInstanceOf(TimeoutError);
    expect(await inner).toBe("late");
    expect(log).toEqual(["inner done"]);
  });

  test("a shielded coroutine that fails after its waiter left is reported, not lost", async () => {
    const late = new Error("late failure");
    function* failsLate(): Generator<unknown, never, unknown> {
      yield* sleep(5);
      throw late;
    }
    function* main() {
      const waiter = spawn(
        (function* () {
          yield* shield(failsLate());
        })(),
      );
      yield* sleep(1);
      waiter.cancel();
      yield* sleep(10);
    }
    await run(main());
    const [code, errors] = takeReports(reports);
    expect(errors).toEqual([late]);
    expect(code).toBe(1);
  });

  test("a shielded get whose waiter left keeps its place in line, and gives back the item it receives", async () => {
    const q = new Queue<string>();
    function* waiter() {
      return yield* shield(q.get());
    }
    const outer = spawn(waiter());
    await delay(2);
    outer.cancel();
    expect(await rejection(outer)).toBeInstanceOf(CancelledError);
    q.tryPut("item");
    await delay(2);
    expect(q.tryGet()).toEqual({ ok: true, value: "item" });
  });

  test("types: yield* shield(w) has w's result type", async () => {
    function* main() {
      const n = yield* shield(sleep(1, 1));
      expectTypeOf(n).toEqualTypeOf<number>();
      const s = yield* shield(Promise.resolve("x"));
      expectTypeOf(s).toEqualTypeOf<string>();
      return [n, s];
    }
    expect(await run(main())).toEqual([1, "x"]);
  });

  test("what is not waitable is a TypeError that names shield", () => {
    expect(() => shield(42 as never)).toThrow(/shield\(\): 42 is not waitable/);
  });
});
