import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test, vi } from "vitest";
import { compile } from "../compiler/index.js";
import * as runtime from "../runtime/index.js";
import {
  CancelledError,
  Future,
  checkpoint,
  currentTask,
  iterate,
  run,
  sleep,
  spawn,
  wait,
  yieldingIterator,
  type Task,
  type YieldingIterable,
} from "../runtime/index.js";
import { delay, guardReports, rejection } from "./helpers/runtime.js";

guardReports();

interface LoggingOptions {
  returnResult?: unknown;
  returnThrows?: unknown;
  nextThrowsAt?: number;
}

/** A sync iterable over `values` that logs return() calls. */
function syncSource(values: unknown[], log: string[], options: LoggingOptions = {}): Iterable<unknown> {
  return {
    [Symbol.iterator]() {
      let i = 0;
      return {
        next() {
          if (i === options.nextThrowsAt) throw new Error("next failed");
          return i < values.length ? { done: false, value: values[i++] } : { done: true, value: undefined };
        },
        return() {
          log.push("return");
          if (options.returnThrows !== undefined) throw options.returnThrows;
          return "returnResult" in options ? options.returnResult : { done: true, value: undefined };
        },
      } as Iterator<unknown>;
    },
  };
}

/** A yielding iterable whose steps are made by `step(i)`; return() is logged and made by `onReturn`. */
function yieldingSource(step: (i: number) => unknown, log: string[], onReturn?: () => unknown): YieldingIterable<unknown> {
  return {
    [yieldingIterator]() {
      let i = 0;
      return {
        next: () => step(i++),
        return() {
          log.push("return");
          return onReturn ? onReturn() : { done: true, value: undefined };
        },
      } as ReturnType<YieldingIterable<unknown>[typeof yieldingIterator]>;
    },
  };
}

const result = (value: unknown) => ({ done: false, value });
const done = { done: true, value: undefined };

describe("protocol (a): Symbol.for('yielding.iterator')", () => {
  test("steps that are plain IteratorResults are taken synchronously", async () => {
    const log: string[] = [];
    const source = yieldingSource((i) => (i < 3 ? result(i * 10) : done), log);
    const it = iterate(source, "source");
    expect(it.open).toBe(false);
    expect(it.next()).toBe(true);
    expect(it.value).toBe(0);
    expect(it.open).toBe(true);
    expect(await run((function* () { return [for (x of yielding source) x]; })())).toEqual([0, 10, 20]);
    expect(log).toEqual([]);
  });

  test("a generator method *next() is driven inline, in the consumer's task", async () => {
    const tasks: unknown[] = [];
    const source = {
      [yieldingIterator]() {
        let i = 0;
        return {
          *next() {
            tasks.push(currentTask());
            yield* sleep(1);
            return i < 3 ? result(i++) : done;
          },
        };
      },
    };
    let consumer: unknown;
    function* main() {
      consumer = currentTask();
      return [for (x of yielding source) x];
    }
    expect(await run(main())).toEqual([0, 1, 2]);
    expect(tasks).toHaveLength(4);
    for (const t of tasks) expect(t).toBe(consumer);
  });

  test("steps may be settled Futures (fast path), pending Futures or Promises", async () => {
    const settled = (v: unknown) => {
      const f = new Future<unknown>();
      f.setResult(v);
      return f;
    };
    const source = yieldingSource(
      (i) => [settled(result("settled")), sleep(1, result("pending")), Promise.resolve(result("promise")), settled(done)][i],
      [],
    );
    const it = iterate(source, "source");
    expect(it.next()).toBe(true);
    expect(it.value).toBe("settled");
    expect(it.next()).toBeUndefined();
    expect(await run((function* () { return [for (x of yielding source) x]; })())).toEqual(["settled", "pending", "promise"]);
  });

  test("wins over Symbol.asyncIterator and Symbol.iterator", async () => {
    const source = {
      ...yieldingSource((i) => (i < 1 ? result("yielding") : done), []),
      async *[Symbol.asyncIterator]() {
        yield "async";
      },
      *[Symbol.iterator]() {
        yield "sync";
      },
    };
    expect(await run((function* () { return [for (x of yielding source) x]; })())).toEqual(["yielding"]);
  });

  test("a return() that returns a waitable is waited for before the loop is left", async () => {
    const log: string[] = [];
    const source = yieldingSource(
      () => result(1),
      log,
      function* () {
        yield* sleep(5);
        log.push("return finished");
        return {};
      },
    );
    function* main() {
      for (const _ of yielding source) break;
      log.push("after loop");
      return "completed";
    }
    expect(await run(main())).toBe("completed");
    expect(log).toEqual(["return", "return finished", "after loop"]);
  });
});

describe("protocol (b): Symbol.asyncIterator", () => {
  test("async generators are iterated, and break closes them (their finally runs first)", async () => {
    const log: string[] = [];
    async function* numbers() {
      try {
        for (let i = 0; ; i++) {
          await delay(1);
          yield i;
        }
      } finally {
        await delay(2);
        log.push("generator finally");
      }
    }
    function* main() {
      const seen: unknown[] = [];
      for (const x of yielding numbers()) {
        seen.push(x);
        if (x === 2) break;
      }
      log.push("after loop");
      return seen;
    }
    expect(await run(main())).toEqual([0, 1, 2]);
    expect(log).toEqual(["generator finally", "after loop"]);
  });

  test("wins over Symbol.iterator", async () => {
    const source = {
      async *[Symbol.asyncIterator]() {
        yield "async";
      },
      *[Symbol.iterator]() {
        yield "sync";
      },
    };
    expect(await run((function* () { return [for (x of yielding source) x]; })())).toEqual(["async"]);
  });

  test("an async iterator's values are not waited for (only its steps are)", async () => {
    const p = Promise.resolve("inner");
    async function* gen() {
      yield { p };
    }
    const values = await run((function* () { return [for (x of yielding gen()) x]; })());
    expect((values[0] as { p: unknown }).p).toBe(p);
  });
});

describe("a Future, Task or thenable source is never waited for", () => {
  const hint = "wait for it first, e.g. `const rows = yield* wait(p); for (const r of rows) …`";
  test.each([
    ["Promise", () => Promise.resolve([1])],
    ["Future", () => new Future()],
    ["Task", () => spawn((function* () {})())],
    ["thenable", () => ({ then() {} })],
  ])("%s", async (kind, make) => {
    const source = make();
    const then = vi.spyOn(source as PromiseLike<unknown>, "then");
    expect(() => iterate(source as never, "db.rows()")).toThrow(
      new TypeError(`db.rows() is not yielding-iterable: it is a ${kind}, and a loop never waits for its source; ${hint}`),
    );
    expect(then).not.toHaveBeenCalled();
    then.mockRestore();
    if (source instanceof Future) source.cancel();
  });
});

describe("protocol (c): Symbol.iterator", () => {
  test("values that are Futures, Tasks or thenables are waited for; others are plain", async () => {
    const settled = new Future<string>();
    settled.setResult("settled");
    let generatorRan = false;
    const generator = (function* () {
      generatorRan = true;
    })();
    function* main() {
      const task = spawn(
        (function* () {
          yield* sleep(1);
          return "task";
        })(),
      );
      return [for (x of yielding [1, settled, sleep(2, "pending"), Promise.resolve("promise"), task, generator, null]) x];
    }
    const values = await run(main());
    expect(generatorRan).toBe(false);
    expect(values[5]).toBe(generator);
    values[5] = "generator";
    expect(values).toEqual([1, "settled", "pending", "promise", "task", "generator", null]);
  });

  test("a loop over settled futures never suspends; over pending ones it does", async () => {
    const log: string[] = [];
    const settledFuture = (v: number) => {
      const f = new Future<number>();
      f.setResult(v);
      return f;
    };
    function* other(name: string) {
      log.push(name);
    }
    function* main() {
      spawn(other("other 1"));
      for (const x of yielding [settledFuture(1), settledFuture(2), settledFuture(3)]) {
        log.push(`got ${x}`);
      }
      spawn(other("other 2"));
      for (const x of yielding [sleep(0, 4), sleep(0, 5)]) {
        log.push(`got ${x}`);
      }
    }
    await run(main());
    expect(log.slice(0, 4)).toEqual(["got 1", "got 2", "got 3", "other 1"]);
    expect(log.slice(4)).toEqual(["other 2", "got 4", "got 5"]);
  });

  test("array steps never allocate a wait: next() answers synchronously", () => {
    const f = new Future<number>();
    f.setResult(2);
    const it = iterate([1, f], "xs");
    expect(it.next()).toBe(true);
    expect(it.value).toBe(1);
    expect(it.next()).toBe(true);
    expect(it.value).toBe(2);
    expect(it.next()).toBe(false);
    expect(it.open).toBe(false);
  });

  test("a generator object as the source is iterated, not run", async () => {
    function* g() {
      yield 1;
      yield 2;
    }
    expect(await run((function* () { return [for (x of yielding g()) x]; })())).toEqual([1, 2]);
  });

  test("Sets, Maps and strings", async () => {
    function* main() {
      return [[for (x of yielding new Set([1, 2])) x], [for (x of yielding new Map([["k", 1]])) x], [for (x of yielding "hé") x]];
    }
    expect(await run(main())).toEqual([[1, 2], [["k", 1]], ["h", "é"]]);
  });

  test("an array whose iteration was changed goes through its iterator", async () => {
    class Reversed<T> extends Array<T> {
      override *[Symbol.iterator](): ArrayIterator<T> {
        for (let i = this.length - 1; i >= 0; i--) yield this[i]!;
        return undefined;
      }
    }
    const xs = new Reversed<number>();
    xs.push(1, 2, 3);
    expect(await run((function* () { return [for (x of yielding xs) x]; })())).toEqual([3, 2, 1]);
  });

  test("an array's length is read on every step, as for-of does", async () => {
    const xs = [1, 2];
    const values = await run(
      (function* () {
        const seen: unknown[] = [];
        for (const x of yielding xs) {
          seen.push(x);
          if (x === 1) xs.push(3);
        }
        return seen;
      })(),
    );
    expect(values).toEqual([1, 2, 3]);
  });

  test("normal completion does not call return()", async () => {
    const log: string[] = [];
    expect(await run((function* () { return [for (x of yielding syncSource([1, 2], log)) x]; })())).toEqual([1, 2]);
    expect(log).toEqual([]);
  });
});

describe("protocol (d): nothing else is iterable", () => {
  test.each([
    ["42", 42],
    ["an object", {}],
    ["null", null],
    ["undefined", undefined],
    ["a function", () => {}],
  ])("%s", (_label, value) => {
    expect(() => iterate(value as never, "config.items")).toThrow(new TypeError("config.items is not yielding-iterable"));
  });

  test("a protocol method that is not a function is a TypeError", () => {
    expect(() => iterate({ [Symbol.iterator]: 5 } as never, "xs")).toThrow(/xs\[Symbol\.iterator\] is not a function/);
    expect(() => iterate({ [Symbol.iterator]: () => 5 } as never, "xs")).toThrow(/returned a non-object/);
  });
});

describe("§3.2 a step result that is not an object", () => {
  test.each([
    ["sync", (log: string[]) => ({ [Symbol.iterator]: () => ({ next: () => 5, return: () => (log.push("return"), {}) }) })],
    ["yielding", (log: string[]) => yieldingSource(() => 5, log)],
    ["yielding, waited", (log: string[]) => yieldingSource(() => Promise.resolve(5), log)],
  ])("is a TypeError and return() is not called (%s)", async (_label, make) => {
    const log: string[] = [];
    const xs = make(log);
    const e = await rejection(run((function* () { return [for (x of yielding xs) x]; })()));
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toBe("xs: the iterator's next() result 5 is not an object");
    expect(log).toEqual([]);
  });
});

describe("§3.4 leaving the loop early closes the iterator", () => {
  const sources: [string, (log: string[], options?: LoggingOptions) => unknown][] = [
    ["sync", (log, options) => syncSource([1, 2, 3], log, options)],
    [
      "yielding",
      (log, options) =>
        yieldingSource(
          (i) => (i < 3 ? result(i + 1) : done),
          log,
          () => {
            if (options?.returnThrows !== undefined) throw options.returnThrows;
            return options && "returnResult" in options ? options.returnResult : Promise.resolve({});
          },
        ),
    ],
  ];

  describe.each(sources)("%s iterator", (_label, make) => {
    test("break calls return() once", async () => {
      const log: string[] = [];
      const xs = make(log);
      const r = yield_(
        (function* () {
          for (const x of yielding xs) {
            if (x === 2) break;
          }
          return "completed";
        })(),
      );
      expect(await r).toBe("completed");
      expect(log).toEqual(["return"]);
    });

    test("return in the body calls return() and keeps the body's value", async () => {
      const log: string[] = [];
      const xs = make(log);
      const r = yield_(
        (function* () {
          for (const x of yielding xs) {
            return `returned at ${x}`;
          }
          return "completed";
        })(),
      );
      expect(await r).toBe("returned at 1");
      expect(log).toEqual(["return"]);
    });

    test("continue in the body does not close; the loop goes on", async () => {
      const log: string[] = [];
      const seen: unknown[] = [];
      const xs = make(log);
      const r = yield_(
        (function* () {
          for (const x of yielding xs) {
            seen.push(x);
            continue;
          }
          return "completed";
        })(),
      );
      expect(await r).toBe("completed");
      expect(seen).toEqual([1, 2, 3]);
      expect(log).toEqual([]);
    });

    test("an error from return() after break propagates", async () => {
      const log: string[] = [];
      const oops = new Error("return failed");
      const xs = make(log, { returnThrows: oops });
      const e = await rejection(
        yield_(
          (function* () {
            for (const _ of yielding xs) break;
          })(),
        ),
      );
      expect(e).toBe(oops);
    });

    test("a return() result that is not an object is a TypeError after break", async () => {
      const log: string[] = [];
      const xs = make(log, { returnResult: 7 });
      const e = await rejection(
        yield_(
          (function* () {
            for (const _ of yielding xs) break;
          })(),
        ),
      );
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toBe("xs: the iterator's return() result is not an object");
    });

    test("when the body throws, return() is called and its error dropped: the body's error wins", async () => {
      const log: string[] = [];
      const bodyError = new Error("body failed");
      const xs = make(log, { returnThrows: new Error("return failed") });
      const e = await rejection(
        yield_(
          (function* () {
            for (const _ of yielding xs) throw bodyError;
          })(),
        ),
      );
      expect(e).toBe(bodyError);
      expect(log).toEqual(["return"]);
    });
  });

  test("continue to an outer label closes the inner iterator (hand-compiled labels)", async () => {
    const log: string[] = [];
    function* main() {
      const seen: string[] = [];
      const _it = iterate(syncSource(["a", "b"], log), "outer");
      try {
        outer: for (;;) {
          if (!(_it.next() ?? (yield* _it.wait()))) break;
          const o = _it.value;
          const _it2 = iterate(syncSource([1, 2, 3], log), "inner");
          try {
            for (;;) {
              if (!(_it2.next() ?? (yield* _it2.wait()))) break;
              const i = _it2.value;
              seen.push(`${o}${i}`);
              if (i === 2) continue outer;
            }
          } catch (_err) {
            yield* _it2.abort(_err);
            throw _err;
          } finally {
            if (_it2.open) yield* _it2.close();
          }
        }
      } catch (_err) {
        yield* _it.abort(_err);
        throw _err;
      } finally {
        if (_it.open) yield* _it.close();
      }
      return seen;
    }
    expect(await run(main())).toEqual(["a1", "a2", "b1", "b2"]);
    expect(log).toEqual(["return", "return"]);
  });

  test.each([
    [
      "a settled rejected Future",
      () => {
        const f = new Future();
        f.setError(new Error("value failed"));
        return f;
      },
    ],
    ["a pending Future that rejects", () => wait(delay(2).then(() => Promise.reject(new Error("value failed"))))],
    ["a rejected Promise", () => delay(1).then(() => Promise.reject(new Error("value failed")))],
  ])("(c) a value that is %s closes the sync iterator and its error propagates", async (_label, make) => {
    const log: string[] = [];
    const xs = syncSource([1, make(), 3], log);
    const e = await rejection(run((function* () { return [for (x of yielding xs) x]; })()));
    expect((e as Error).message).toBe("value failed");
    expect(log).toEqual(["return"]);
  });
});

describe("§3.5 a failing step propagates and return() is not called", () => {
  test("sync next() throws", async () => {
    const log: string[] = [];
    const e = await rejection(run((function* () { return [for (x of yielding syncSource([1, 2], log, { nextThrowsAt: 1 })) x]; })()));
    expect((e as Error).message).toBe("next failed");
    expect(log).toEqual([]);
  });

  test.each([
    ["throws", () => {
      throw new Error("step failed");
    }],
    ["returns a rejected Future", () => {
      const f = new Future();
      f.setError(new Error("step failed"));
      return f;
    }],
    ["returns a Promise that rejects", () => delay(1).then(() => Promise.reject(new Error("step failed")))],
    [
      "returns a coroutine that throws",
      function* () {
        yield* sleep(1);
        throw new Error("step failed");
      },
    ],
  ])("yielding next() %s", async (_label, failing) => {
    const log: string[] = [];
    const source = yieldingSource((i) => (i === 0 ? result(0) : failing()), log);
    const e = await rejection(run((function* () { return [for (x of yielding source) x]; })()));
    expect((e as Error).message).toBe("step failed");
    expect(log).toEqual([]);
  });

  test("even when the error is a CancelledError the consumer did not cause", async () => {
    const log: string[] = [];
    const foreign = new CancelledError("upstream");
    const source = {
      [Symbol.asyncIterator]() {
        let i = 0;
        return {
          next: () => (i++ === 0 ? Promise.resolve(result(0)) : delay(1).then(() => Promise.reject(foreign))),
          return: () => (log.push("return"), Promise.resolve(done)),
        };
      },
    };
    const consumer = spawn((function* () { return [for (x of yielding source) x]; })());
    expect(await rejection(consumer)).toBe(foreign);
    expect(log).toEqual([]);
    expect(consumer.deliveredCancellation).toBeUndefined();
  });
});

describe("§3.6 a consumer cancelled inside the loop closes the iterator", () => {
  function pendingAsyncSource(log: string[], returnThrows?: unknown) {
    return {
      [Symbol.asyncIterator]() {
        let i = 0;
        return {
          next: () => (i++ === 0 ? Promise.resolve(result("first")) : new Promise(() => {})),
          return() {
            log.push("return");
            return returnThrows === undefined ? Promise.resolve(done) : Promise.reject(returnThrows);
          },
        };
      },
    };
  }

  test("while waiting for a step: return() is called and CancelledError propagates", async () => {
    const log: string[] = [];
    const consumer = spawn((function* () { return [for (x of yielding pendingAsyncSource(log)) x]; })());
    await delay(5);
    consumer.cancel();
    const e = await rejection(consumer);
    expect(e).toBeInstanceOf(CancelledError);
    expect(e).toBe(consumer.deliveredCancellation);
    expect(log).toEqual(["return"]);
  });

  test("CancelledError wins over an error from return()", async () => {
    const log: string[] = [];
    const consumer = spawn((function* () { return [for (x of yielding pendingAsyncSource(log, new Error("return failed"))) x]; })());
    await delay(5);
    consumer.cancel();
    expect(await rejection(consumer)).toBeInstanceOf(CancelledError);
    expect(log).toEqual(["return"]);
  });

  test("while suspended inside a yielding *next(): the iterator is closed", async () => {
    const log: string[] = [];
    const source = {
      [yieldingIterator]() {
        return {
          *next() {
            yield* sleep(10_000);
            return done;
          },
          return: () => (log.push("return"), {}),
        };
      },
    };
    const consumer = spawn((function* () { return [for (x of yielding source) x]; })());
    await delay(5);
    consumer.cancel();
    expect(await rejection(consumer)).toBeInstanceOf(CancelledError);
    expect(log).toEqual(["return"]);
  });

  test("while waiting for a (c) value: the sync iterator is closed", async () => {
    const log: string[] = [];
    const consumer = spawn((function* () { return [for (x of yielding syncSource([1, new Future(), 3], log)) x]; })());
    await delay(5);
    consumer.cancel();
    expect(await rejection(consumer)).toBeInstanceOf(CancelledError);
    expect(log).toEqual(["return"]);
  });

  test("in the body: return() is called and CancelledError wins over its error", async () => {
    const log: string[] = [];
    const source = yieldingSource(
      () => result(1),
      log,
      () => {
        throw new Error("return failed");
      },
    );
    const consumer = spawn(
      (function* () {
        for (const _ of yielding source) {
          yield* sleep(10_000);
        }
      })(),
    );
    await delay(5);
    consumer.cancel();
    expect(await rejection(consumer)).toBeInstanceOf(CancelledError);
    expect(log).toEqual(["return"]);
  });

  test("a new cancellation while abort() waits for return() is not lost", async () => {
    const log: string[] = [];
    const bodyError = new Error("body failed");
    const source = yieldingSource(
      () => result(1),
      log,
      () => sleep(10_000, {}),
    );
    const consumer = spawn(
      (function* () {
        for (const _ of yielding source) throw bodyError;
      })(),
    );
    await delay(5);
    expect(log).toEqual(["return"]);
    consumer.cancel();
    const e = await rejection(consumer);
    expect(e).toBeInstanceOf(CancelledError);
    expect(e).toBe(consumer.deliveredCancellation);
  });

  test("a foreign CancelledError from return() after the body threw is dropped", async () => {
    const bodyError = new Error("body failed");
    const source = yieldingSource(
      () => result(1),
      [],
      () => Promise.reject(new CancelledError("foreign")),
    );
    const e = await rejection(
      run(
        (function* () {
          for (const _ of yielding source) {
            yield* checkpoint();
            throw bodyError;
          }
        })(),
      ),
    );
    expect(e).toBe(bodyError);
  });
});

/** Runs a coroutine as its own task (a Task is thenable). */
function yield_<T>(coro: Generator<unknown, T, unknown>): Task<T> {
  return spawn(coro);
}

/**
 * SPEC §3 steps 2 and 4, case c, checked against `for await` itself: the same scripted sync
 * iterator runs under `for await` in an async function and under a compiled yielding loop,
 * and both must see the same values, errors and return() calls. A Promise (or thenable, or
 * Future) `value` of the final `done: true` result and of return()'s result is waited, so
 * its rejection is an error of the loop, never an unhandled rejection.
 *
 * A value that rejects in the middle of the iteration is left out: the yielding loop closes
 * the iterator then, as the current ECMAScript spec does for `for await`, and Node 20's
 * `for await` predates that change (the fixture sync-rejected-promise-closes covers it).
 */
describe("case c: done values and return() values are waited, as `for await` does", () => {
  /** What the body does with a value: nothing, `break`, or throw. */
  type Control = "break" | "throw" | undefined;
  interface Script {
    /** The results next() returns, one per call, made when it is called (with the log to write to). */
    steps: ((log: string[]) => unknown)[];
    /** What return() returns, made when it is called; no return() method when absent. */
    returns?: (log: string[]) => unknown;
    body?: (x: unknown) => Control;
  }

  const rejectWith = (message: string) => Promise.reject(new Error(message));
  const later = (log: string[], text: string, value: unknown) =>
    delay(2).then(() => {
      log.push(text);
      return value;
    });
  const futureRejectedLater = (message: string) => {
    const future = new Future();
    setTimeout(() => future.setError(new Error(message)), 1);
    return future;
  };

  const scripts: [string, Script][] = [
    ["plain values, Promises and thenables", { steps: [() => ({ value: 1 }), () => ({ value: Promise.resolve(2) }), () => ({ value: { then: (ok: (v: number) => void) => ok(3) } }), () => ({ done: true })] }],
    ["a final value that rejects", { steps: [() => ({ value: 1 }), () => ({ done: true, value: rejectWith("final value rejected") })], returns: () => ({ done: true }) }],
    ["a final value that rejects on the first step", { steps: [() => ({ done: true, value: rejectWith("first and final") })] }],
    ["a final thenable that rejects", { steps: [() => ({ done: true, value: { then: (_: unknown, no: (e: Error) => void) => no(new Error("thenable rejected")) } })] }],
    ["a final Future that rejects later", { steps: [() => ({ value: 1 }), () => ({ done: true, value: futureRejectedLater("future rejected") })] }],
    ["a final value that fulfils later (waited before the loop ends)", { steps: [() => ({ value: 1 }), (log) => ({ done: true, value: later(log, "final value settled", "ignored") })] }],
    ["break, and return()'s value rejects", { steps: [() => ({ value: 1 }), () => ({ value: 2 })], returns: () => ({ done: true, value: rejectWith("return value rejected") }), body: () => "break" }],
    ["break, and return()'s value fulfils later (waited)", { steps: [() => ({ value: 1 })], returns: (log) => ({ done: true, value: later(log, "return value settled", 9) }), body: () => "break" }],
    ["the body throws, and return()'s value rejects (the body's error wins)", { steps: [() => ({ value: 1 })], returns: () => ({ done: true, value: rejectWith("return value rejected") }), body: () => "throw" }],
    ["break, and return() returns a non-object", { steps: [() => ({ value: 1 })], returns: () => 5, body: () => "break" }],
    ["the body throws, and return() returns a non-object", { steps: [() => ({ value: 1 })], returns: () => 5, body: () => "throw" }],
    ["break, and return() throws", { steps: [() => ({ value: 1 })], returns: () => { throw new Error("return() threw"); }, body: () => "break" }],
    ["break without a return() method", { steps: [() => ({ value: 1 }), () => ({ value: 2 })], body: () => "break" }],
    ["next() throws", { steps: [() => ({ value: 1 }), () => { throw new Error("next() threw"); }], returns: () => ({ done: true }) }],
  ];

  /** A sync iterable that runs `script`, logging each next() and return() call. */
  function scripted(script: Script, log: string[]): Iterable<unknown> {
    return {
      [Symbol.iterator]() {
        let i = 0;
        const iterator: Iterator<unknown> = {
          next() {
            log.push(`next ${i}`);
            return script.steps[i++]!(log) as IteratorResult<unknown>;
          },
        };
        if (script.returns) {
          iterator.return = () => {
            log.push("return()");
            return script.returns!(log) as IteratorResult<unknown>;
          };
        }
        return iterator;
      },
    };
  }

  /** How a loop ended, comparable between the two: a TypeError's message is the engine's own. */
  function caught(error: unknown): string {
    const e = error as Error;
    return e instanceof TypeError ? "caught a TypeError" : `caught ${e.message}`;
  }

  const withUnhandledWatch = async (body: () => Promise<string[]>) => {
    const unhandled: unknown[] = [];
    const watch = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", watch);
    try {
      const log = await body();
      await delay(5); // an unhandled rejection is reported after the microtasks drain
      return { log, unhandled };
    } finally {
      process.off("unhandledRejection", watch);
    }
  };

  async function viaForAwait(script: Script): Promise<string[]> {
    const log: string[] = [];
    try {
      for await (const x of scripted(script, log)) {
        log.push(`body ${String(x)}`);
        const control = script.body?.(x);
        if (control === "break") break;
        if (control === "throw") throw new Error("body threw");
      }
      log.push("completed");
    } catch (e) {
      log.push(caught(e));
    }
    return log;
  }

  const { code } = compile(
    [
      "function* loop(source, log, body) {",
      "  for (const x of yielding source) {",
      "    log.push(`body ${String(x)}`);",
      "    const control = body(x);",
      '    if (control === "break") break;',
      '    if (control === "throw") throw new Error("body threw");',
      "  }",
      '  log.push("completed");',
      "}",
    ].join("\n"),
    { filename: "loop.js", module: "cjs", runtime: "yielding/runtime" },
  );
  const compiledLoop = new Function("require", `${code}\nreturn loop;`)(() => runtime) as (
    source: Iterable<unknown>,
    log: string[],
    body: (x: unknown) => Control,
  ) => Generator<unknown, void, unknown>;

  async function viaYielding(script: Script): Promise<string[]> {
    const log: string[] = [];
    try {
      await run(compiledLoop(scripted(script, log), log, script.body ?? (() => undefined)));
    } catch (e) {
      log.push(caught(e));
    }
    return log;
  }

  test.each(scripts)("%s", async (_name, script) => {
    const native = await withUnhandledWatch(() => viaForAwait(script));
    const yielding = await withUnhandledWatch(() => viaYielding(script));
    expect(native.unhandled).toEqual([]);
    expect(yielding.unhandled).toEqual([]);
    expect(yielding.log).toEqual(native.log);
  });
});

describe("this file, compiled by the vitest plugin", () => {
  test("new Error().stack reports the original line and column of a test file using the syntax", async () => {
    function* main(): Generator<unknown, Error | undefined, unknown> {
      const tens = [for (x of yielding [1, 2]) x * 10];
      for (const x of yielding tens) if (x === 20) return new Error("stack marker");
    }
    const error = await run(main());
    // Where the Error is made in this file as written, found in its text so that edits above keep the test valid.
    const lines = readFileSync(fileURLToPath(import.meta.url), "utf8").split(/\r?\n/);
    const line = lines.findIndex((l) => l.endsWith('if (x === 20) return new Error("stack marker");'));
    const column = lines[line]!.indexOf("new Error");
    expect(line).toBeGreaterThan(0);
    expect(error!.stack).toContain(`runtime-iterate.test.ts:${line + 1}:${column + 1})`);
  });
});
