/**
 * `Future`: a result that will arrive, and the helpers that turn other things into one
 * (`wait`) or make one that arrives later (`sleep`).
 */

import { CancelledError } from "./errors.js";
import { addTimer, callSoon, now, removeTimer, runFromHost, type TimerNode } from "./loop.js";
import { brandClass, futureBrand } from "./symbols.js";

/** @internal */
export const PENDING = 0;
/** @internal */
export const FULFILLED = 1;
/** @internal */
export const REJECTED = 2;
type State = typeof PENDING | typeof FULFILLED | typeof REJECTED;

/** A function `addDoneCallback` runs, on a later turn, with the settled future. */
export type DoneCallback<T> = (future: Future<T>) => void;

/** @internal Something a future wakes directly, without a closure: a waiting Task. */
export interface Waiter {
  _wake(): void;
}

// `any` keeps Future<T> covariant in T (a Task<number> is a Future<unknown>).
type Entry = DoneCallback<any> | Waiter;

function wakeWaiter(waiter: Waiter): void {
  waiter._wake();
}

/** What `yield*` on a future settled with `undefined` ends with: shared, as `yield*` only reads it. */
const DONE_UNDEFINED: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** @internal The last result of a future's iterator, for `value`. */
export function doneWith<T>(value: T): IteratorReturnResult<T> {
  return value === undefined ? (DONE_UNDEFINED as IteratorReturnResult<T>) : { done: true, value };
}

/**
 * A result that will arrive later: a value (`setResult`) or an error (`setError`,
 * `cancel`). A coroutine waits for it with `yield*`, and when the future is already settled
 * `yield*` returns (or throws) at once, without suspending the task: the fast path.
 * `await future` works too.
 *
 * Done callbacks never run inside `setResult`: they are queued on the loop, in order.
 * A future is its own iterator, for `yield*` only: it is not a collection, and spreading a
 * pending one (`[...future]`) never ends.
 *
 * ```js
 * const answer = new Future();
 * spawn(function* () { console.log(yield* answer); }());   // waits, then logs 42
 * answer.setResult(42);
 * ```
 */
export class Future<T = unknown> implements PromiseLike<T>, Iterator<unknown, T, unknown> {
  // The fields of Future and its subclasses are assigned in constructors rather than
  // declared with initializers: V8 (Node 20) builds a subclass whose fields have
  // initializers several times more slowly, and a queue or a task makes one per step.
  /** @internal */
  declare _state: State;
  /** @internal The result or the error, once settled. */
  declare _value: unknown;
  /** @internal One entry, an array of them, or null. */
  declare _callbacks: Entry | Entry[] | null;
  /** @internal Whether anyone asked for the outcome (for unhandled-error reports). */
  declare _observed: boolean;

  /** A pending future: settle it with `setResult`, `setError` or `cancel`. */
  constructor() {
    this._state = PENDING;
    this._value = undefined;
    this._callbacks = null;
    this._observed = false;
  }

  /** Whether the future has settled: with a result, an error or a cancellation. */
  done(): boolean {
    return this._state !== PENDING;
  }

  /** Whether the future settled with a `CancelledError`. */
  cancelled(): boolean {
    return this._state === REJECTED && this._value instanceof CancelledError;
  }

  /**
   * The result: returns the value, or throws the error. Throws an `Error` if the future is
   * still pending (wait for it first).
   */
  result(): T {
    if (this._state === PENDING) throw new Error("The future is still pending: wait for it before reading its result");
    this._observed = true;
    if (this._state === REJECTED) throw this._value;
    return this._value as T;
  }

  /** Settles the future with a value. Throws if it is already settled. */
  setResult(value: T): void {
    this._assertPending("setResult");
    this._settle(FULFILLED, value);
  }

  /** Settles the future with an error. Throws if it is already settled. */
  setError(error: unknown): void {
    this._assertPending("setError");
    this._settle(REJECTED, error);
  }

  /**
   * Settles a pending future with a `CancelledError` carrying `reason`. Returns `false`,
   * doing nothing, when the future has already settled.
   */
  cancel(reason?: unknown): boolean {
    if (this._state !== PENDING) return false;
    this._settle(REJECTED, new CancelledError(reason));
    return true;
  }

  /**
   * Runs `callback(future)` on a later turn once the future has settled (on the next turn
   * if it already has). Callbacks run in the order they were added.
   */
  addDoneCallback(callback: DoneCallback<T>): void {
    this._observed = true;
    this._add(callback);
  }

  /** Removes every registration of `callback`; returns how many there were. */
  removeDoneCallback(callback: DoneCallback<T>): number {
    return this._remove(callback);
  }

  /** Makes the future a thenable, so `await future` and `Promise.resolve(future)` work. */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this._observed = true;
    const settled =
      this._state === FULFILLED
        ? Promise.resolve(this._value as T)
        : this._state === REJECTED
          ? Promise.reject(this._value)
          : new Promise<T>((resolve, reject) =>
              this._add((f: Future<T>) => (f._state === FULFILLED ? resolve(f._value as T) : reject(f._value))),
            );
    return settled.then(onfulfilled, onrejected);
  }

  /** `yield* future`: the future is its own iterator, so waiting allocates nothing. */
  [Symbol.iterator](): Iterator<unknown, T, unknown> {
    return this;
  }

  /**
   * Iterator protocol for `yield*`: done with the result when settled (throws the error),
   * otherwise yields the future itself to the task driver, which resumes the coroutine
   * once it settles.
   */
  next(): IteratorResult<unknown, T> {
    const state = this._state;
    if (state === PENDING) return { done: false, value: this };
    this._observed = true;
    if (state === REJECTED) throw this._value;
    return doneWith(this._value as T);
  }

  /** Iterator protocol: `return()` ends the delegation with `value`. */
  return(value?: T): IteratorResult<unknown, T> {
    return { done: true, value: value as T };
  }

  /** Iterator protocol: an error thrown into the waiting coroutine surfaces at its `yield*`. */
  throw(error?: unknown): IteratorResult<unknown, T> {
    throw error;
  }

  /** @internal Registers a task to wake when the future settles. */
  _addWaiter(waiter: Waiter): void {
    this._observed = true;
    this._add(waiter);
  }

  /** @internal */
  _removeWaiter(waiter: Waiter): void {
    this._remove(waiter);
  }

  /** @internal A task stopped waiting for this future because it was cancelled. */
  _abandon(): void {}

  /** @internal Settles and queues the callbacks. The caller checks that it is pending. */
  _settle(state: typeof FULFILLED | typeof REJECTED, value: unknown): void {
    this._state = state;
    this._value = value;
    const callbacks = this._callbacks;
    if (callbacks === null) return;
    this._callbacks = null;
    if (Array.isArray(callbacks)) {
      for (const entry of callbacks) this._schedule(entry);
    } else {
      this._schedule(callbacks);
    }
  }

  private _schedule(entry: Entry): void {
    if (typeof entry === "function") callSoon(entry, this);
    else callSoon(wakeWaiter, entry);
  }

  private _add(entry: Entry): void {
    if (this._state !== PENDING) return this._schedule(entry);
    const callbacks = this._callbacks;
    if (callbacks === null) this._callbacks = entry;
    else if (Array.isArray(callbacks)) callbacks.push(entry);
    else this._callbacks = [callbacks, entry];
  }

  private _remove(entry: Entry): number {
    const callbacks = this._callbacks;
    if (callbacks === entry) {
      this._callbacks = null;
      return 1;
    }
    if (!Array.isArray(callbacks)) return 0;
    const kept = callbacks.filter((c) => c !== entry);
    const removed = callbacks.length - kept.length;
    this._callbacks = kept.length === 0 ? null : kept.length === 1 ? kept[0]! : kept;
    return removed;
  }

  private _assertPending(method: string): void {
    if (this._state !== PENDING) throw new Error(`Future.${method}(): the future has already settled`);
  }
}

brandClass(Future, futureBrand, true);

/**
 * @internal Whether `x` is a Future (a Task included) made by any copy of the runtime: a brand
 * check (a property read), where a plain `instanceof` would miss the Futures of another copy
 * loaded in the same process. `x instanceof Future` is this same check (see `brandClass`).
 */
export function isFuture(x: unknown): x is Future<unknown> {
  // Only objects: reading a symbol off a primitive boxes it first, slow on the paths that ask.
  return typeof x === "object" && x !== null && (x as { [futureBrand]?: unknown })[futureBrand] === true;
}

/** A future settled by the loop's timer heap, its own node there; forgetting it removes it. */
class Sleep<T> extends Future<T> implements TimerNode {
  /** @internal Its place in the timer heap, or -1. */
  declare _index: number;

  /** While pending, `_value` holds the value to settle with. */
  constructor(value: T) {
    super();
    this._value = value;
    this._index = -1;
  }

  override cancel(reason?: unknown): boolean {
    removeTimer(this);
    return super.cancel(reason);
  }

  /** @internal Nobody waits any more: drop the timer so it costs nothing. */
  override _abandon(): void {
    if (this._callbacks === null) this.cancel();
  }

  /** @internal Due: settles with the value it was made with. */
  _expire(): void {
    if (this._state === PENDING) this._settle(FULFILLED, this._value);
  }
}

function expireSleep(future: Sleep<unknown>): void {
  future._expire();
}

/**
 * A future that settles with `value` after `ms` milliseconds, through the loop's one timer
 * heap (a hundred thousand sleeping tasks cost one host timer). `ms <= 0` settles on the next
 * turn. When the only task waiting for it is cancelled, its timer is removed.
 *
 * ```js
 * yield* sleep(100);
 * const v = yield* sleep(10, "late");   // "late"
 * ```
 */
export function sleep(ms: number): Future<void>;
export function sleep<T>(ms: number, value: T): Future<T>;
export function sleep<T>(ms: number, value?: T): Future<T | undefined> {
  const future = new Sleep<T | undefined>(value);
  if (ms > 0) addTimer(future, now() + ms);
  else callSoon(expireSleep, future as Sleep<unknown>);
  return future;
}

/**
 * Turns any waitable into something to `yield*`: a Future or Task is returned as is, a
 * coroutine (generator object) too, and a Promise or other thenable becomes a Future that
 * settles as `await` would settle: `then` is read once, and a thenable that resolves with a
 * Promise or another thenable is followed to the final value. Anything else is a `TypeError`.
 *
 * ```js
 * const res = yield* wait(fetch(url));        // Response
 * const text = yield* wait(res.text());       // string
 * ```
 */
export function wait<T>(waitable: Future<T>): Future<T>;
export function wait<Y, R, N>(waitable: Generator<Y, R, N>): Generator<Y, R, N>;
export function wait<T>(waitable: PromiseLike<T>): Future<Awaited<T>>;
export function wait<T>(waitable: Thenable<T>): Future<T>;
export function wait(waitable: unknown): unknown {
  const waited = toWaitable(waitable);
  if (waited !== undefined) return waited;
  throw new TypeError(
    `${describe(waitable)} is not waitable: wait() takes a Future, a Task, a Promise (or other thenable) or a coroutine`,
  );
}

/** @internal The result of a settled future, read without waiting (marking it observed); throws its error. */
export function outcome(future: Future<unknown>): unknown {
  future._observed = true;
  if (future._state !== FULFILLED) throw future._value;
  return future._value;
}

/** @internal Waits for `x` if it is a waitable (suspending only if it is pending); else returns it. */
export function* waitIfNeeded(x: unknown): Generator<unknown, unknown, unknown> {
  const waited = toWaitable(x);
  return waited === undefined ? x : yield* waited;
}

/**
 * @internal What waiting for `x` takes: a Future or a coroutine as it is, a thenable as a
 * Future of it (see `futureOf`); `undefined` when `x` is not waitable.
 */
export function toWaitable(x: unknown): Future<unknown> | Generator<unknown, unknown, unknown> | undefined {
  // A Future first: it is the common case (a Lock's enter), and it looks like a coroutine too.
  if (isFuture(x)) return x;
  if (isCoroutine(x)) return x;
  return futureOf(x);
}

/**
 * @internal `x` as a Future: a Future as it is, a thenable as a Future that settles as `await`
 * would settle (its `then` read once; a `then` getter that throws gives a Future failed with
 * that error); `undefined` when `x` is neither.
 */
export function futureOf(x: unknown): Future<unknown> | undefined {
  if (isFuture(x)) return x;
  let then: ThenMethod | undefined;
  try {
    then = thenOf(x);
  } catch (error) {
    const failed = new Future();
    failed._settle(REJECTED, error);
    return failed;
  }
  return then === undefined ? undefined : fromThenable(x, then);
}

/** Any object with a `then(onFulfilled, onRejected)` method, Promise-like or not. */
export interface Thenable<T> {
  then(onfulfilled: (value: T) => unknown, onrejected: (reason: any) => unknown): unknown;
}

/** @internal A `then` method, as read from a thenable. */
export type ThenMethod = (this: unknown, onFulfilled: (value: unknown) => void, onRejected: (reason: unknown) => void) => unknown;

function fulfil(future: Future<unknown>, value: unknown): void {
  if (future._state === PENDING) future._settle(FULFILLED, value);
}

function fail(future: Future<unknown>, error: unknown): void {
  if (future._state === PENDING) future._settle(REJECTED, error);
}

const promiseThen = Promise.prototype.then as unknown as ThenMethod;

const SELF_RESOLUTION = "A thenable resolved with the Future that waits for it: it can never settle";

/**
 * @internal A Future that settles as `await thenable` would: `then` is the thenable's `then`
 * method, already read (it is never read again). A native Promise is waited with the
 * built-in `then`. Any other thenable goes through the Promise resolution procedure, by way
 * of a native Promise resolved by its `then`: a thenable it resolves with is followed to the
 * final value, a call after the first of its resolving functions (or a throw after one) is
 * ignored, and resolving with this very Future is a `TypeError`. Either way the outcome
 * arrives on a Promise reaction, a microtask of its own, so the future's callbacks run at once
 * there (no second hop).
 */
export function fromThenable<T>(thenable: unknown, then: ThenMethod): Future<T> {
  const future = new Future<T>();
  const onFulfilled = (value: unknown) => runFromHost(fulfil, future as Future<unknown>, value);
  const onRejected = (error: unknown) => runFromHost(fail, future as Future<unknown>, error);
  if (isNativePromise(thenable, then)) {
    promiseThen.call(thenable, onFulfilled, onRejected);
    return future;
  }
  const settled = new Promise((resolve, reject) => {
    then.call(thenable, (value) => (value === future ? reject(new TypeError(SELF_RESOLUTION)) : resolve(value)), reject);
  });
  promiseThen.call(settled, onFulfilled, onRejected);
  return future;
}

/**
 * @internal Whether `x`, whose `then` method is `then`, is a Promise of this realm with the
 * built-in `then`: its reactions run on a microtask of their own, never inside the caller's
 * code, and it never settles with a thenable.
 */
export function isNativePromise(x: unknown, then: unknown): x is Promise<unknown> {
  return then === promiseThen && x instanceof Promise;
}

/**
 * @internal The `then` method of `x`, read once (a getter on it runs once, and what it throws
 * propagates); `undefined` when `x` is not a thenable.
 */
export function thenOf(x: unknown): ThenMethod | undefined {
  if (x === null || (typeof x !== "object" && typeof x !== "function")) return undefined;
  const then = (x as { then?: unknown }).then;
  return typeof then === "function" ? (then as ThenMethod) : undefined;
}

/** @internal Whether `x` has a callable `then` (for messages: waiting reads it with `thenOf`). */
export function isThenable(x: unknown): x is PromiseLike<unknown> {
  return thenOf(x) !== undefined;
}

/** @internal Whether `x` looks like a generator object (check `isFuture` first: a Future looks like one too). */
export function isCoroutine(x: unknown): x is Generator<unknown, unknown, unknown> {
  return (
    x !== null &&
    typeof x === "object" &&
    typeof (x as Generator).next === "function" &&
    typeof (x as Generator).throw === "function" &&
    typeof (x as Generator)[Symbol.iterator] === "function"
  );
}

/** @internal A short description of a value for error messages. */
export function describe(x: unknown): string {
  switch (typeof x) {
    case "string":
      return x.length > 40 ? `the string ${JSON.stringify(x.slice(0, 37))}...` : `the string ${JSON.stringify(x)}`;
    case "function":
      return `the function ${x.name || "(anonymous)"}`;
    case "symbol":
      return x.toString();
    case "bigint":
      return `${x}n`;
    case "object": {
      if (x === null) return "null";
      if (Array.isArray(x)) return "an array";
      const proto = Object.getPrototypeOf(x) as { constructor?: { name?: string } } | null;
      const name = proto?.constructor?.name;
      return name && name !== "Object" ? `a ${name} object` : "an object";
    }
    default:
      return String(x);
  }
}
