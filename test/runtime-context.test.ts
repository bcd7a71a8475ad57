import { describe, expect, expectTypeOf, test } from "vitest";
import {
  CancelledError,
  Future,
  Lock,
  Semaphore,
  contextManager,
  currentTask,
  run,
  sleep,
  spawn,
  wait,
  yieldingEnter,
  yieldingExit,
  type ContextManager,
} from "../runtime/index.js";
import { delay, guardReports, rejection } from "./helpers/runtime.js";

guardReports();

/** Waits for `x` if it is a waitable, with `yield*` (suspending only if it is pending). */
function* settle(x: unknown): Generator<unknown, unknown, unknown> {
  if (x instanceof Future) return yield* x;
  if (x !== null && typeof x === "object" && typeof (x as Generator).next === "function" && typeof (x as Generator).throw === "function") {
    return yield* x as Generator<unknown, unknown, unknown>;
  }
  if (x !== null && typeof x === "object" && typeof (x as PromiseLike<unknown>).then === "function") {
    return yield* wait(x as PromiseLike<unknown>);
  }
  return x;
}

/**
 * `with (const v = yielding manager) body`, following SPEC §4 (protocol a) step by step:
 * enter and wait; if enter throws, exit is not called; run the body; exit exactly once,
 * waited; after an error a truthy exit result suppresses it; an exit error that is not the
 * body's error replaces it, with the body's error as its cause.
 */
function* withManager<T, R>(
  manager: ContextManager<T>,
  body: (value: T) => Generator<unknown, R, unknown>,
): Generator<unknown, R | undefined, unknown> {
  const enter = manager[yieldingEnter];
  const exit = manager[yieldingExit];
  if (typeof enter !== "function" || typeof exit !== "function") throw new TypeError("not a yielding context manager");
  const value = (yield* settle(enter.call(manager))) as T;
  let result: R;
  try {
    result = yield* body(value);
  } catch (e) {
    let suppress: unknown;
    try {
      suppress = yield* settle(exit.call(manager, true, e));
    } catch (x) {
      if (x !== e && x instanceof Error && x.cause === undefined) x.cause = e;
      throw x;
    }
    if (suppress) return undefined;
    throw e;
  }
  yield* settle(exit.call(manager, false, undefined));
  return result;
}

describe("contextManager()", () => {
  test("setup, body, teardown in order; provide's value is bound", async () => {
    const log: string[] = [];
    const resource = contextManager<string>(function* (provide) {
      log.push("setup");
      try {
        yield* provide("the value");
      } finally {
        log.push("teardown");
      }
    });
    function* main() {
      return yield* withManager(resource, function* (v) {
        log.push(`body got ${v}`);
        return "body result";
      });
    }
    expect(await run(main())).toBe("body result");
    expect(log).toEqual(["setup", "body got the value", "teardown"]);
  });

  test("enter and exit need no suspension when setup and teardown do not wait", () => {
    const m = contextManager<number>(function* (provide) {
      yield* provide(7);
    });
    expect(m[yieldingEnter]()).toBe(7);
    expect(m[yieldingExit](false, undefined)).toBe(false);
  });

  test("setup and teardown may wait, in the task that runs the with", async () => {
    const log: string[] = [];
    const tasks = new Set<unknown>();
    const conn = contextManager<{ id: number }>(function* (provide) {
      tasks.add(currentTask());
      const id = yield* wait(Promise.resolve(1));
      yield* sleep(1);
      try {
        yield* provide({ id });
      } finally {
        yield* sleep(1);
        tasks.add(currentTask());
        log.push("closed");
      }
    });
    let me: unknown;
    function* main() {
      me = currentTask();
      return yield* withManager(conn, function* (c) {
        yield* sleep(1);
        return c.id;
      });
    }
    expect(await run(main())).toBe(1);
    expect(log).toEqual(["closed"]);
    expect([...tasks]).toEqual([me]);
  });

  test("an error in the body is thrown in at provide; ending normally suppresses it", async () => {
    const log: string[] = [];
    const swallow = contextManager(function* (provide) {
      try {
        yield* provide();
      } catch (e) {
        log.push(`caught ${(e as Error).message}`);
      }
    });
    function* main() {
      yield* withManager(swallow, function* () {
        throw new Error("body failed");
      });
      return "went on";
    }
    expect(await run(main())).toBe("went on");
    expect(log).toEqual(["caught body failed"]);
  });

  test("rethrowing the error does not suppress it (exit returns false); another error replaces it", async () => {
    const original = new Error("original");
    const rethrow = contextManager(function* (provide) {
      try {
        yield* provide();
      } finally {
        yield* sleep(1);
      }
    });
    function* first() {
      yield* withManager(rethrow, function* () {
        throw original;
      });
    }
    expect(await rejection(run(first()))).toBe(original);

    const m = contextManager(function* (provide) {
      yield* provide();
    });
    m[yieldingEnter]();
    expect(m[yieldingExit](true, original)).toBe(false);

    const replacement = new Error("replacement");
    const replace = contextManager(function* (provide) {
      try {
        yield* provide();
      } catch {
        throw replacement;
      }
    });
    function* second() {
      yield* withManager(replace, function* () {
        throw original;
      });
    }
    const e = await rejection(run(second()));
    expect(e).toBe(replacement);
    expect((e as Error).cause).toBe(original);
  });

  test("a cancellation in the body runs the teardown, which may wait, and is not suppressed", async () => {
    const log: string[] = [];
    const m = contextManager(function* (provide) {
      try {
        yield* provide();
      } catch (e) {
        log.push(`teardown saw ${(e as Error).name}`);
        throw e;
      } finally {
        yield* sleep(2);
        log.push("teardown done");
      }
    });
    function* main() {
      yield* withManager(m, function* () {
        yield* sleep(10_000);
      });
    }
    const t = spawn(main());
    await delay(3);
    t.cancel();
    expect(await rejection(t)).toBeInstanceOf(CancelledError);
    expect(log).toEqual(["teardown saw CancelledError", "teardown done"]);
  });

  test("a setup that fails, or is cancelled while it waits, makes enter throw (and exit is not called)", async () => {
    const boom = new Error("setup failed");
    const failing = contextManager(function* (provide) {
      yield* sleep(1);
      throw boom;
      yield* provide();
    });
    function* body() {
      throw new Error("unreachable");
    }
    expect(await rejection(run(withManager(failing, body)))).toBe(boom);

    const log: string[] = [];
    const slow = contextManager(function* (provide) {
      try {
        yield* sleep(10_000);
        yield* provide();
      } finally {
        log.push("setup cleaned up");
      }
    });
    const t = spawn(withManager(slow, body));
    await delay(2);
    t.cancel();
    expect(await rejection(t)).toBeInstanceOf(CancelledError);
    expect(log).toEqual(["setup cleaned up"]);
    expect(() => slow[yieldingExit](false, undefined)).toThrow(/exit without a matching enter/);
  });

  test("mistakes: no provide, provide twice, entered while entered, not a generator function", async () => {
    const never = contextManager(function* () {});
    expect(() => never[yieldingEnter]()).toThrow(/the body ended without calling provide\(\)/);

    const twice = contextManager(function* (provide) {
      yield* provide();
      yield* provide();
    });
    twice[yieldingEnter]();
    expect(() => twice[yieldingExit](false, undefined)).toThrow(/called provide\(\) more than once/);

    const once = contextManager(function* (provide) {
      yield* provide();
    });
    once[yieldingEnter]();
    expect(() => once[yieldingEnter]()).toThrow(/already entered: make one per with-statement/);
    once[yieldingExit](false, undefined);
    expect(once[yieldingEnter]()).toBeUndefined();

    expect(() => contextManager(42 as never)).toThrow(/takes a generator function, not 42/);
    expect(() => contextManager((() => 1) as never)[yieldingEnter]()).toThrow(/its body returned 1/);
  });

  test("types: the provided type is what enter gives", () => {
    const m = contextManager<Date>(function* (provide) {
      yield* provide(new Date());
    });
    expectTypeOf(m).toEqualTypeOf<ContextManager<Date>>();
    expectTypeOf(new Lock()).toMatchTypeOf<ContextManager<void>>();
  });
});

describe("Lock and Semaphore as context managers", () => {
  test("enter acquires, exit releases, however the body ends; exit never suppresses", async () => {
    const lock = new Lock();
    const boom = new Error("boom");
    function* main() {
      yield* withManager(lock, function* () {
        expect(lock.locked()).toBe(true);
        yield* sleep(1);
      });
      expect(lock.locked()).toBe(false);
      try {
        yield* withManager(lock, function* () {
          throw boom;
        });
      } catch (e) {
        expect(e).toBe(boom);
      }
      expect(lock.locked()).toBe(false);
    }
    await run(main());
  });

  test("with-blocks on one lock exclude each other, in arrival order", async () => {
    const lock = new Lock();
    const log: string[] = [];
    function* worker(name: string) {
      yield* withManager(lock, function* () {
        log.push(`${name} in`);
        yield* sleep(1);
        log.push(`${name} out`);
      });
    }
    function* main() {
      const tasks = ["a", "b", "c"].map((n) => spawn(worker(n)));
      for (const t of tasks) yield* t;
    }
    await run(main());
    expect(log).toEqual(["a in", "a out", "b in", "b out", "c in", "c out"]);
  });

  test("a task cancelled while its enter waits for the lock leaks no permit", async () => {
    const sem = new Semaphore(1);
    const log: string[] = [];
    function* worker(name: string) {
      yield* withManager(sem, function* () {
        log.push(`${name} in`);
        yield* sleep(1);
      });
    }
    function* main() {
      yield* sem.acquire();
      const waiting = spawn(worker("cancelled while waiting"));
      const granted = spawn(worker("cancelled once granted"));
      const last = spawn(worker("last"));
      yield* sleep(1);
      waiting.cancel();
      yield* sleep(1);
      sem.release(); // handed to `granted`...
      granted.cancel(); // ...which is cancelled before it resumes
      yield* last;
      for (const t of [waiting, granted]) {
        try {
          yield* t;
        } catch (e) {
          expect(e).toBeInstanceOf(CancelledError);
        }
      }
    }
    await run(main());
    expect(log).toEqual(["last in"]);
    expect(sem.available).toBe(1);
  });
});
