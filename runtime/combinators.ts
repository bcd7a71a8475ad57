/**
 * Waiting for several things at once: `gather` (all of them), `race` (the first),
 * `asCompleted` (each, in the order they finish) and `waitFor` (one, with a time limit).
 *
 * They all take *waitables*: a Future or Task, a Promise or other thenable, or a coroutine
 * (generator object), which they start as a task of their own with `spawn`. What a
 * combinator *owns* — the tasks it started from coroutines, and the results of other
 * combinators (`gather`, `race`, `waitFor`) passed to it, so nested combinators cancel as a
 * tree — it cancels when it stops caring about them, and waits for their cleanup. Anything
 * else it was given (Futures, Tasks, Promises) it only stops waiting for, the way a
 * cancelled task does: a pending request that nobody else waits for — a `sleep`, a
 * `queue.get()`, a `lock.acquire()`, an `event.wait()` — is withdrawn, so a lost race never
 * eats a queue item or holds a lock; a Task it was given keeps running.
 */

import { CancelledError, TimeoutError } from "./errors.js";
import { FULFILLED, Future, PENDING, REJECTED, describe, toWaitable, type Thenable } from "./future.js";
import { callLater, cancelTimer, reportUnhandled } from "./loop.js";
import { brandClass, combinatorBrand } from "./symbols.js";
import { Task, currentTask, spawn, type Coroutine } from "./task.js";

/** What the combinators (and `wait`) accept: a Future or Task, a thenable, or a coroutine. */
export type Waitable<T = unknown> = Future<T> | PromiseLike<T> | Thenable<T> | Generator<unknown, T, unknown>;

/** The result type of waiting for a waitable `W`. */
export type WaitResult<W> =
  W extends Future<infer T>
    ? T
    : W extends Generator<unknown, infer T, unknown>
      ? T
      : W extends PromiseLike<infer T>
        ? Awaited<T>
        : W extends Thenable<infer T>
          ? T
          : never;

/** A waitable sorted at call time: a Future (given, or made from a thenable), or a coroutine to start. */
type Input = Future<unknown> | Coroutine<unknown>;

/**
 * A task that drives a combinator. Cancelled before its first step (so before it started
 * anything), it cancels the combinators it owns and lets go of the other futures it was
 * given (`waitFor` cancels the Task it was given).
 */
class Combinator<T> extends Task<T> {
  private declare readonly _given: readonly Input[];
  private declare readonly _cancelsGiven: boolean;

  constructor(coro: Coroutine<T>, given: readonly Input[], cancelsGiven = false) {
    super(coro);
    this._given = given;
    this._cancelsGiven = cancelsGiven;
  }

  override cancel(reason?: unknown): boolean {
    if (!this._started && this._state === PENDING) {
      for (const input of this._given) {
        if (!(input instanceof Future)) continue;
        if (input instanceof Combinator || (this._cancelsGiven && input instanceof Task)) input.cancel(reason);
        else input._abandon();
      }
    }
    return super.cancel(reason);
  }
}

// A combinator of another copy of the runtime is one too: `instanceof` checks the brand.
brandClass(Combinator, combinatorBrand, true);

/**
 * Waits for every waitable and returns their results in argument order; a coroutine is
 * started as a task. The first error (in time) wins: the result rejects with it at once,
 * and the rest keep running (asyncio's `gather`); errors that come after it are dropped.
 * When every argument is an already settled Future, the result is a settled Future (no
 * task, no suspension); otherwise it is a Task.
 *
 * Cancelling it — or the task waiting for it, which cancels it along — cancels what it
 * owns (the tasks it started from coroutines, and `gather`/`race`/`waitFor` results passed
 * to it), waits for their cleanup, and then rejects with a `CancelledError`. Other Futures,
 * Tasks and Promises it was given are not cancelled: it only stops waiting for them (see
 * the module note). Engines limit how many arguments a call takes (about 100,000 in V8):
 * for more, use `asCompleted`, which takes an iterable.
 *
 * ```js
 * function* double(n) { yield* sleep(10); return 2 * n; }
 * const [a, b, c] = yield* gather(double(1), sleep(5, "slept"), wait(Promise.resolve(true)));
 * // a === 2, b === "slept", c === true
 * const all = yield* gather(...[1, 2, 3].map(double));   // [2, 4, 6]
 * ```
 */
export function gather<W extends readonly Waitable[]>(...waitables: W): Future<{ -readonly [K in keyof W]: WaitResult<W[K]> }>;
export function gather(...waitables: readonly unknown[]): Future<unknown[]> {
  return gatherOf(waitables, false);
}

/**
 * Waits for every waitable, as `gather` does, but never fails because one of them did: the
 * result is one outcome per waitable, in argument order, in the shape `Promise.allSettled`
 * gives — `{ status: "fulfilled", value }` or `{ status: "rejected", reason }` (a
 * cancelled task's `reason` is its `CancelledError`). It is asyncio's
 * `gather(..., return_exceptions=True)` with each error kept in its own object, so the
 * types stay exact. Cancelling it cancels what it owns, as for `gather`.
 *
 * ```js
 * const [a, b] = yield* gather.settled(sleep(5, "slept"), wait(Promise.reject(new Error("no"))));
 * // a: { status: "fulfilled", value: "slept" }, b: { status: "rejected", reason: Error("no") }
 * ```
 */
function gatherSettled<W extends readonly Waitable[]>(
  ...waitables: W
): Future<{ -readonly [K in keyof W]: PromiseSettledResult<WaitResult<W[K]>> }> {
  return gatherOf(waitables, true) as Future<never>;
}
gather.settled = gatherSettled;

/** `gather(...)`, or with `each`, `gather.settled(...)`. */
function gatherOf(waitables: readonly unknown[], each: boolean): Future<unknown[]> {
  let ready = true;
  for (const w of waitables) {
    if (!(w instanceof Future) || w._state === PENDING) {
      ready = false;
      break;
    }
  }
  if (ready && each) return settledFuture(FULFILLED, (waitables as readonly Future<unknown>[]).map(outcomeOf));
  if (ready) return gatherReady(waitables as readonly Future<unknown>[]);
  const inputs = sort(waitables, each ? "gather.settled" : "gather");
  return new Combinator(gatherAll(inputs, each), inputs);
}

/** A settled future's outcome in the `Promise.allSettled` shape. */
function outcomeOf(future: Future<unknown>): PromiseSettledResult<unknown> {
  if (future._state === FULFILLED) return { status: "fulfilled", value: future.result() };
  future._observed = true;
  return { status: "rejected", reason: future._value };
}

function gatherReady(futures: readonly Future<unknown>[]): Future<unknown[]> {
  const failed = futures.find((future) => future._state === REJECTED);
  if (failed !== undefined) {
    // Nobody takes the other results: a queue item or a permit among them is given back.
    for (const future of futures) {
      future._observed = true;
      if (future !== failed) future._abandon();
    }
    return settledFuture(REJECTED, failed._value);
  }
  const results: unknown[] = new Array(futures.length);
  for (let i = 0; i < futures.length; i++) results[i] = futures[i]!.result();
  return settledFuture(FULFILLED, results);
}

function* gatherAll(inputs: readonly Input[], each: boolean): Coroutine<unknown[]> {
  const futures = inputs.map(start);
  const results: unknown[] = new Array(futures.length);
  const all = new Future<unknown[]>();
  let left = futures.length;
  const callbacks = futures.map((future, i) => {
    const onDone = () => {
      if (all._state !== PENDING) return future._abandon();
      if (each) results[i] = outcomeOf(future);
      else if (future._state === REJECTED) return all._settle(REJECTED, future._value);
      else results[i] = future.result();
      if (--left === 0) all._settle(FULFILLED, results);
    };
    future.addDoneCallback(onDone);
    return onDone;
  });
  try {
    return yield* all;
  } finally {
    if (all._state === PENDING) yield* letGo(inputs, futures, callbacks, cancellationReason(), each ? "gather.settled()" : "gather()");
  }
}

/**
 * Waits for the first waitable to settle and settles the same way, with its result or its
 * error; a coroutine is started as a task. Then the losers it owns — tasks it started from
 * coroutines, `gather`/`race`/`waitFor` results passed to it — are cancelled, and the result
 * arrives once their cleanup (their `finally` blocks) has run. Other Futures, Tasks and
 * Promises it was given are not cancelled: it only stops waiting for them, so a losing
 * `queue.get()` or `lock.acquire()` is withdrawn (see the module note). If an argument is
 * an already settled Future, the first such wins at once and the result is a settled
 * Future; otherwise it is a Task. Cancelling it (or the task waiting for it) cancels what it
 * owns, as for a loser. `race()` with no arguments is a `TypeError`.
 *
 * ```js
 * const fastest = yield* race(sleep(50, "slow"), sleep(10, "fast"));   // "fast"
 * const queue = new Queue();
 * const item = yield* race(queue.get(), sleep(100, null));   // null; the get is withdrawn
 * ```
 */
export function race<W extends readonly Waitable[]>(...waitables: W): Future<WaitResult<W[number]>>;
export function race(...waitables: readonly unknown[]): Future<unknown> {
  if (waitables.length === 0) throw new TypeError("race() needs at least one waitable");
  const inputs = sort(waitables, "race");
  const winner = inputs.find((input) => input instanceof Future && input._state !== PENDING) as Future<unknown> | undefined;
  if (winner === undefined) return new Combinator(raceAll(inputs), inputs);
  for (const input of inputs) {
    if (input === winner || !(input instanceof Future)) continue;
    if (input instanceof Combinator) input.cancel("another waitable won the race()");
    else input._abandon();
  }
  if (winner._state === REJECTED) {
    winner._observed = true;
    return settledFuture(REJECTED, winner._value);
  }
  return settledFuture(FULFILLED, winner.result());
}

function* raceAll(inputs: readonly Input[]): Coroutine<unknown> {
  const futures = inputs.map(start);
  const first = new Future<unknown>();
  const callbacks = futures.map((future) => {
    const onDone = () => {
      if (first._state !== PENDING) return future._abandon();
      if (future._state === REJECTED) first._settle(REJECTED, future._value);
      else first._settle(FULFILLED, future.result());
    };
    future.addDoneCallback(onDone);
    return onDone;
  });
  try {
    return yield* first;
  } finally {
    const reason = first._state === PENDING ? cancellationReason() : "another waitable won the race()";
    yield* letGo(inputs, futures, callbacks, reason, "race()");
  }
}

/**
 * Returns an array of futures, one per waitable, in completion order: the i-th settles
 * with the outcome (result or error) of the i-th waitable to finish. Coroutines are started
 * as tasks at once. Use it as
 * `for (const f of asCompleted(ws)) { const r = yield* f; }`, or compiled,
 * `for (const r of yielding asCompleted(ws))`, which waits for each in turn. Leaving the
 * loop early cancels nothing: the tasks it started keep running, under the current `run()`.
 *
 * ```js
 * for (const f of asCompleted([sleep(30, "c"), sleep(10, "a"), sleep(20, "b")])) {
 *   console.log(yield* f);                              // a, b, c
 * }
 * // compiled: for (const r of yielding asCompleted(ws)) console.log(r);
 * ```
 */
export function asCompleted<W extends Waitable>(waitables: Iterable<W>): Future<WaitResult<W>>[];
export function asCompleted(waitables: Iterable<unknown>): Future<unknown>[] {
  const futures = sort([...waitables], "asCompleted").map(start);
  const outcomes = futures.map(() => new Future<unknown>());
  let next = 0;
  const onDone = (future: Future<unknown>) => {
    const outcome = outcomes[next++]!;
    if (outcome._state !== PENDING) return;
    if (future._state === REJECTED) outcome._settle(REJECTED, future._value);
    else outcome._settle(FULFILLED, future.result());
  };
  for (const future of futures) future.addDoneCallback(onDone);
  return outcomes;
}

/**
 * Waits for a waitable for at most `ms` milliseconds. In time, it settles as the waitable
 * did. Otherwise the waitable is cancelled — a coroutine's task or a Task — and once its
 * cleanup has run the result rejects with a `TimeoutError` (not a `CancelledError`); if the
 * cleanup fails, with that error instead, and if the task swallows its cancellation and
 * returns, with its value (as asyncio's `wait_for`). A Future or Promise is not cancelled:
 * it is only let go of (a pending `queue.get()` is withdrawn). Cancelling the result
 * cancels the waitable too. An already settled Future is returned as it is.
 *
 * ```js
 * function* slow() { try { yield* sleep(1000); } finally { console.log("cleaned up"); } }
 * try {
 *   yield* waitFor(slow(), 10);
 * } catch (e) {
 *   if (e instanceof TimeoutError) console.log("too slow");   // after "cleaned up"
 *   else throw e;
 * }
 * ```
 */
export function waitFor<W extends Waitable>(waitable: W, ms: number): Future<WaitResult<W>>;
export function waitFor(waitable: unknown, ms: number): Future<unknown> {
  if (typeof ms !== "number" || Number.isNaN(ms)) throw new TypeError(`waitFor(): the time limit must be a number of milliseconds, not ${describe(ms)}`);
  const [input] = sort([waitable], "waitFor") as [Input];
  if (input instanceof Future && input._state !== PENDING) return input;
  const timeout = new TimeoutError(`waitFor() timed out after ${ms} ms`);
  if (!(input instanceof Future)) return new Combinator(withinTime(input, ms, timeout), []);
  if (input instanceof Task) return new Combinator(taskWithinTime(input, ms, timeout), [input], true);
  return new Combinator(futureWithinTime(input, ms, timeout), [input]);
}

/** A coroutine with a time limit, run in this task: time out = cancel this task. */
function* withinTime<T>(coro: Coroutine<T>, ms: number, timeout: TimeoutError): Coroutine<T> {
  const timer = startTimer(ms, cancelWith(timeout), currentTask()!);
  try {
    return yield* coro;
  } catch (error) {
    if (error instanceof CancelledError && error.reason === timeout && error === currentTask()!.deliveredCancellation) throw timeout;
    throw error;
  } finally {
    if (timer !== null) cancelTimer(timer);
  }
}

/** A Task with a time limit: time out = cancel that task. */
function* taskWithinTime<T>(task: Task<T>, ms: number, timeout: TimeoutError): Coroutine<T> {
  const timer = startTimer(ms, cancelWith(timeout), task);
  try {
    return yield* task;
  } catch (error) {
    if (error instanceof CancelledError && error.reason === timeout && error !== currentTask()!.deliveredCancellation) throw timeout;
    throw error;
  } finally {
    if (timer !== null) cancelTimer(timer);
  }
}

/** A Future with a time limit: time out = stop waiting for it. */
function* futureWithinTime<T>(future: Future<T>, ms: number, timeout: TimeoutError): Coroutine<T> {
  const gate = new Future<T>();
  const onDone = () => {
    if (gate._state !== PENDING) return future._abandon();
    if (future._state === REJECTED) gate._settle(REJECTED, future._value);
    else gate._settle(FULFILLED, future.result());
  };
  future.addDoneCallback(onDone);
  const timer = startTimer(ms, (g: Future<T>) => g._state === PENDING && g._settle(REJECTED, timeout), gate);
  try {
    return yield* gate;
  } finally {
    if (timer !== null) cancelTimer(timer);
    if (future._state === PENDING) {
      future.removeDoneCallback(onDone);
      future._abandon();
    }
  }
}

function startTimer<A>(ms: number, fn: (arg: A) => unknown, arg: A) {
  return ms === Infinity ? null : callLater(Math.max(0, ms), fn, arg);
}

function cancelWith(timeout: TimeoutError): (task: Task<unknown>) => void {
  return (task) => void task.cancel(timeout);
}

/**
 * Stops waiting: every pending future loses our callback; what we own (tasks we started,
 * combinators we were given) is cancelled and waited for (errors from their cleanup are
 * reported, never lost); the other futures we were given are let go of.
 */
function* letGo(
  inputs: readonly Input[],
  futures: readonly Future<unknown>[],
  callbacks: readonly (() => void)[],
  reason: unknown,
  who: string,
): Generator<unknown, void, unknown> {
  const cancelled: Task<unknown>[] = [];
  for (let i = 0; i < futures.length; i++) {
    const future = futures[i]!;
    if (future._state !== PENDING) continue;
    future.removeDoneCallback(callbacks[i]!);
    const owned = !(inputs[i] instanceof Future) || future instanceof Combinator;
    if (!owned) future._abandon();
    else if ((future as Task<unknown>).cancel(reason)) cancelled.push(future as Task<unknown>);
  }
  for (const task of cancelled) {
    while (task._state === PENDING) {
      try {
        yield* task;
      } catch {
        // Its outcome is looked at below; a second cancellation of ours changes nothing.
      }
    }
    if (task._state === REJECTED && !(task._value instanceof CancelledError)) {
      reportUnhandled(task._value, `Error in a task that ${who} cancelled:`);
    }
  }
}

function cancellationReason(): unknown {
  return currentTask()?.deliveredCancellation?.reason;
}

/**
 * @internal Checks each argument at call time: Futures stay, thenables become Futures,
 * coroutines wait to be started.
 */
export function sort(waitables: readonly unknown[], who: string): Input[] {
  return waitables.map((w) => {
    const input = toWaitable(w); // a thenable's `then` is read once, as `await` reads it
    if (input !== undefined) return input;
    throw new TypeError(
      `${who}(): ${describe(w)} is not waitable: pass Futures, Tasks, Promises (or other thenables) or coroutines`,
    );
  });
}

/** @internal A sorted waitable as a Future: a coroutine is started as a task. */
export function start(input: Input): Future<unknown> {
  return input instanceof Future ? input : spawn(input);
}

function settledFuture<T>(state: typeof FULFILLED | typeof REJECTED, value: unknown): Future<T> {
  const future = new Future<T>();
  future._state = state;
  future._value = value;
  return future;
}
