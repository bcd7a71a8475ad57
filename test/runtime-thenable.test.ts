/**
 * A thenable is waited exactly as `await` waits for it (the Promise resolution procedure):
 * its `then` is read once, a thenable that resolves with a Promise or another thenable is
 * followed to the final value, resolving a Future with itself is a TypeError, and a `then`
 * that throws after resolving is ignored. Every way the runtime waits for a thenable is
 * checked here: `wait()`, `yield t`, a sync-iterable's value in a yielding loop, a step
 * of an async or yielding iterator, and a `with` manager's enter result.
 */
import { describe, expect, test } from "vitest";
import { Future, gather, run, wait, withContext, yieldingEnter, yieldingExit, yieldingIterator } from "../runtime/index.js";
import { delay, guardReports, rejection } from "./helpers/runtime.js";

guardReports();

type Resolve = (value: unknown) => void;
type Reject = (reason: unknown) => void;

/** A thenable whose `then` calls `body` with the resolving functions, counting reads of `then`. */
function thenable(body: (resolve: Resolve, reject: Reject) => void, reads = { count: 0 }): PromiseLike<unknown> {
  return {
    get then() {
      reads.count++;
      return (resolve: Resolve, reject: Reject) => body(resolve, reject);
    },
  } as PromiseLike<unknown>;
}

/** Thenables whose final value is `x`, each reached a different way. */
const flavours: [string, (x: unknown) => PromiseLike<unknown>][] = [
  ["resolves with a Promise", (x) => thenable((resolve) => resolve(Promise.resolve(x)))],
  ["resolves later with a pending Promise", (x) => thenable((resolve) => resolve(delay(1).then(() => x)))],
  ["resolves with another thenable", (x) => thenable((resolve) => resolve(thenable((inner) => inner(x))))],
  [
    "resolves with a thenable of a Promise of a later thenable",
    (x) => thenable((resolve) => resolve(thenable((inner) => inner(Promise.resolve(thenable((last) => setTimeout(() => last(x), 1))))))),
  ],
  ["resolves with a Future", (x) => thenable((resolve) => resolve(settledFuture(x)))],
];

function settledFuture(x: unknown): Future<unknown> {
  const future = new Future();
  future.setResult(x);
  return future;
}

/** The ways a coroutine waits for a thenable `make(final)`, each returning what it got. */
const ways: [string, (make: (final: unknown) => PromiseLike<unknown>) => Generator<unknown, unknown, unknown>][] = [
  ["yield* wait(t)", (make) => (function* () { return yield* wait(make(42)); })()],
  ["yield t", (make) => (function* () { return yield make(42); })()],
  ["a value of an array in a yielding loop", (make) => (function* () { return [for (x of yielding [make(42)]) x][0]; })()],
  ["a value of a sync iterable in a yielding loop", (make) => (function* () { return [for (x of yielding new Set([make(42)])) x][0]; })()],
  ["an async iterator's step", (make) => (function* () { return [for (x of yielding stepSource(Symbol.asyncIterator, make)) x][0]; })()],
  ["a yielding iterator's step", (make) => (function* () { return [for (x of yielding stepSource(yieldingIterator, make)) x][0]; })()],
  ["a with manager's enter result", (make) => enterValue({ [yieldingEnter]: () => make(42), [yieldingExit]() {} })],
  ["gather()", (make) => (function* () { return (yield* gather(make(42)))[0]; })()],
];

/**
 * An iterable under `key` whose first step is the thenable `make({ done: false, value: 42 })`
 * and whose second is done; a third step is a bug (a loop that never ends), so it throws.
 */
function stepSource(key: symbol, make: (final: unknown) => PromiseLike<unknown>): object {
  return {
    [key]() {
      let steps = 0;
      return {
        next() {
          steps++;
          if (steps === 1) return make({ done: false, value: 42 });
          if (steps === 2) return { done: true, value: undefined };
          throw new Error("the loop did not end: a step was not followed to its final result");
        },
      };
    },
  };
}

/** `with (const v = yielding manager) return v;`, as the compiler lowers it. */
function* enterValue(manager: unknown): Generator<unknown, unknown, unknown> {
  const cm = withContext(manager, "manager");
  if (!cm.enter()) yield* cm.wait();
  try {
    return cm.value;
  } finally {
    if (cm.open && !cm.exit()) yield* cm.wait();
  }
}

describe.each(ways)("%s follows a thenable to its final value", (_way, waitFor) => {
  test.each(flavours)("a thenable that %s gives 42", async (_flavour, make) => {
    expect(await run(waitFor(make))).toBe(42);
  });

  test("`then` is read exactly once", async () => {
    const reads = { count: 0 };
    expect(await run(waitFor((x) => thenable((resolve) => resolve(Promise.resolve(x)), reads)))).toBe(42);
    expect(reads.count).toBe(1);
  });

  test("a `then` that throws after resolving is ignored", async () => {
    const make = (x: unknown) =>
      thenable((resolve) => {
        resolve(thenable((inner) => setTimeout(() => inner(x), 1)));
        throw new Error("ignored: the thenable already resolved");
      });
    expect(await run(waitFor(make))).toBe(42);
  });

  test("only the first call of the resolving functions counts", async () => {
    const make = (x: unknown) =>
      thenable((resolve, reject) => {
        resolve(x);
        reject(new Error("ignored"));
        resolve("ignored too");
      });
    expect(await run(waitFor(make))).toBe(42);
  });

  test("a rejection is thrown at the wait, and a rejected Promise reason is not followed", async () => {
    const reason = Promise.reject(new Error("not followed"));
    reason.catch(() => {});
    const make = () => thenable((_resolve, reject) => reject(reason));
    // Wrapped, so that nothing on the way adopts the Promise the test expects as the reason.
    const outcome = await run(waitFor(make)).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    expect(outcome).toEqual({ error: reason });
    expect((outcome as { error: unknown }).error).toBe(reason);
  });

  test("a `then` getter that throws is a rejection with its error", async () => {
    const boom = new Error("then getter");
    const make = () =>
      ({
        get then() {
          throw boom;
        },
      }) as unknown as PromiseLike<unknown>;
    expect(await rejection(run(waitFor(make)))).toBe(boom);
  });
});

describe("wait(t) and the Future it makes", () => {
  test("a thenable that resolves with the Future wait() made for it is a TypeError", async () => {
    let future: Future<unknown> | undefined;
    const cyclic = thenable((resolve) => setTimeout(() => resolve(future), 1));
    future = wait(cyclic);
    const error = await rejection<TypeError>(future);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/resolved with the Future that waits for it/);
  });

  test("a `then` that throws before resolving rejects with its error", async () => {
    const boom = new Error("then threw");
    const future = wait(
      thenable(() => {
        throw boom;
      }),
    );
    expect(await rejection(future)).toBe(boom);
  });

  test("a native Promise is waited with the built-in then, not by reading `then` again", async () => {
    const promise = Promise.resolve(7);
    let reads = 0;
    const original = Promise.prototype.then;
    Object.defineProperty(promise, "then", {
      get() {
        reads++;
        return original;
      },
    });
    function* main() {
      return (yield promise) as number;
    }
    expect(await run(main())).toBe(7);
    expect(reads).toBe(1);
  });
});
