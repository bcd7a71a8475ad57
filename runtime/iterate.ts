/**
 * `iterate`: the runtime half of `for (HEAD of yielding E) BODY` (SPEC §3). The compiler
 * emits this shape, and the object `iterate` returns makes it correct:
 *
 * ```js
 * const _it = iterate(src, "src");
 * try {
 *   for (;;) {
 *     if (!(_it.next() ?? (yield* _it.wait()))) break;
 *     const x = _it.value;
 *     BODY
 *   }
 * } catch (_err) {
 *   yield* _it.abort(_err);
 *   throw _err;
 * } finally {
 *   if (_it.open) yield* _it.close();
 * }
 * ```
 *
 * `next()` steps synchronously whenever it can (no allocation, no suspension); only a step
 * that is really pending costs a `yield*` into `wait()`, whose iterator is made once per loop
 * and reused for every step that waits.
 */

import {
  Future,
  PENDING,
  fromThenable,
  isCoroutine,
  isFuture,
  isNativePromise,
  isThenable,
  outcome,
  thenOf,
  waitIfNeeded,
  type ThenMethod,
} from "./future.js";
import { yieldingIterator } from "./symbols.js";
import { currentTask, isTask } from "./task.js";

/**
 * What `obj[yieldingIterator]()` returns: `next()` gives an IteratorResult or a waitable of
 * one (a Future, a Promise or a coroutine, so `*next()` generator methods work); the optional
 * `return()` is called when a loop leaves early, and may return a waitable too.
 */
export interface YieldingIterator<T> {
  next(): IteratorResult<T> | Future<IteratorResult<T>> | PromiseLike<IteratorResult<T>> | Generator<unknown, IteratorResult<T>, unknown>;
  return?(): unknown;
}

/** An object a `yielding` loop iterates with the first protocol (SPEC §3.1 a). */
export interface YieldingIterable<T> {
  [yieldingIterator](): YieldingIterator<T>;
}

type AnyIterator = {
  next(): unknown;
  return?: unknown;
};

/**
 * The state of one `yielding` loop, made by `iterate`; used by compiled code.
 *
 * - `next()` → `true` (a value is in `value`), `false` (done), `undefined` (call `wait()`);
 * - `wait()` waits, suspending only if needed, and returns `true` or `false`;
 * - `open` is true while an iterator must be closed if the loop is left early;
 * - `abort(error)` closes it after the body threw (the body's error wins);
 * - `close()` closes it after `break`, `return` or `continue` to an outer label.
 */
export abstract class Iteration<T> {
  /** The value for the body, valid after `next()` or `wait()` returned `true`. */
  value: T = undefined as T;
  /** Whether leaving the loop now must call the iterator's `return()`. */
  open = false;
  /** @internal The iterator to close; null when there is none. */
  _iter: AnyIterator | null = null;
  /** @internal The pending step (or value) `wait()` waits for: a Future, a coroutine or a thenable. */
  _pending: unknown = null;
  /** @internal What `wait()` returns, made on the first wait. */
  _waiting: Waiting | null = null;

  /** @internal */
  constructor(readonly _sourceText: string) {}

  /**
   * Steps synchronously: `true` when `value` is ready, `false` when the iteration is done,
   * `undefined` when the step is pending (then `yield* wait()`).
   */
  abstract next(): boolean | undefined;

  /**
   * Waits for the pending step: `yield* wait()` returns `true` when `value` is ready, `false`
   * when done, suspending the task only while the step is pending. What it returns is an
   * iterator for `yield*` only, made on the first wait and reused by every later one.
   */
  wait(): Generator<unknown, boolean, unknown> {
    const waiting = this._waiting ?? (this._waiting = new Waiting(this as Iteration<unknown>));
    waiting._start(this._pending);
    this._pending = null;
    return waiting;
  }

  /**
   * @internal The pending thing gave `outcome`: returns what `wait()` returns. Here: the
   * pending thing is a value of a sync iterable (cases c and arrays).
   */
  _waited(outcome: unknown): boolean {
    this.value = outcome as T;
    return true;
  }

  /** @internal Waiting failed with `error`, which `wait()` then throws. */
  _waitFailed(_error: unknown): void {}

  /**
   * The body (or a step) threw `error`: close the iterator if the loop holds one, dropping
   * errors from `return()` so the body's error wins. The compiled code rethrows `error`. A
   * cancellation of the current task that arrives while waiting for `return()` is not dropped.
   */
  *abort(error: unknown): Generator<unknown, void, unknown> {
    if (!this.open) return;
    this.open = false;
    const task = currentTask();
    const before = task?.deliveredCancellation;
    try {
      const iter = this._iter!;
      const ret = iter.return;
      if (ret === undefined || ret === null) return;
      yield* this._closed((ret as () => unknown).call(iter));
    } catch (closeError) {
      if (task !== undefined && closeError === task.deliveredCancellation && closeError !== before && closeError !== error) {
        throw closeError;
      }
    }
  }

  /**
   * The loop is left early without an error (`break`, `return`, `continue` to an outer
   * label): call the iterator's `return()` and wait for it. Its errors propagate, and a
   * result that is not an object is a `TypeError`.
   */
  *close(): Generator<unknown, void, unknown> {
    this.open = false;
    const iter = this._iter;
    if (iter === null) return;
    const ret = iter.return;
    if (ret === undefined || ret === null) return;
    if (typeof ret !== "function") throw new TypeError(`${this._sourceText}: the iterator's return is not a function`);
    yield* this._closed(ret.call(iter));
  }

  /**
   * @internal Waits for what closing the iterator gave, `result` of its `return()`, and
   * checks that it is an object. Here, for a sync iterator (case c): as `for await` does,
   * the result's `value` is waited when it is a Future, Task or thenable, so its rejection is
   * an error of the loop (dropped by `abort`, as any error of `return()` is there), never an
   * unhandled rejection.
   */
  *_closed(result: unknown): Generator<unknown, void, unknown> {
    if (!isObject(result)) throw returnNotAnObject(this._sourceText);
    const value = (result as IteratorResult<unknown>).value;
    const then = thenOf(value);
    if (then !== undefined) yield* (isFuture(value) ? value : fromThenable(value, then));
  }

  /** @internal Checks a step result; `false` when done, else stores the value. */
  _takeResult(result: unknown): boolean {
    if (!isObject(result)) throw notAnObject(this._sourceText, result);
    if ((result as IteratorResult<unknown>).done) return false;
    this.value = (result as IteratorResult<T>).value;
    this.open = true;
    return true;
  }

  /**
   * @internal A value from a sync iterable (case c): a Future, Task or thenable is waited
   * for first (its `then` read once, as `await` reads it). A settled Future is unwrapped at once.
   */
  _takeValue(value: unknown): boolean | undefined {
    const then = thenOf(value);
    if (then === undefined) {
      this.value = value as T;
      return true;
    }
    if (this._mustWait(value, then)) return undefined;
    this.value = outcome(value as Future<unknown>) as T;
    return true;
  }

  /**
   * @internal `value` is a thenable, whose `then` is `then`: returns `false` when it is a
   * settled Future (read its outcome at once); else keeps in `_pending` what `wait()` waits
   * for and returns `true`. The task waits for a native Promise itself, with no Future in
   * between.
   */
  _mustWait(value: unknown, then: ThenMethod): boolean {
    if (isFuture(value)) {
      if (value._state !== PENDING) return false;
      this._pending = value;
    } else {
      this._pending = isNativePromise(value, then) ? value : fromThenable(value, then);
    }
    return true;
  }
}

/** An array iterated by index (its iteration is the built-in one): nothing to close. */
class ArrayIteration<T> extends Iteration<T> {
  private _index = 0;
  constructor(
    private readonly _array: readonly unknown[],
    sourceText: string,
  ) {
    super(sourceText);
  }

  next(): boolean | undefined {
    const i = this._index;
    const array = this._array;
    if (i >= array.length) return false;
    this._index = i + 1;
    const value = array[i];
    if ((typeof value !== "object" && typeof value !== "function") || value === null) {
      this.value = value as T; // a primitive: neither a Future nor a thenable
      return true;
    }
    return this._takeValue(value);
  }

}

/**
 * A sync iterable (case c). Once a step gives a value, the iterator is open: a value that
 * rejects, or a cancellation while waiting for one, closes it (SPEC §3.4). As `for await`
 * does, the value of the final `done: true` result is waited too when it is a Future, Task
 * or thenable, so its rejection is an error of the loop (the iterator, done, is not closed).
 */
class SyncIteration<T> extends Iteration<T> {
  /** Whether `wait()` waits for the value of the final result, after which the loop is done. */
  private _finishing = false;

  constructor(
    iter: AnyIterator,
    private readonly _next: () => unknown,
    sourceText: string,
  ) {
    super(sourceText);
    this._iter = iter;
  }

  next(): boolean | undefined {
    this.open = false;
    const result = this._next.call(this._iter);
    if (!isObject(result)) throw notAnObject(this._sourceText, result);
    if ((result as IteratorResult<unknown>).done) return this._finish((result as IteratorResult<unknown>).value);
    const value = (result as IteratorResult<unknown>).value;
    this.open = true;
    return this._takeValue(value);
  }

  override _waited(outcome: unknown): boolean {
    if (!this._finishing) return super._waited(outcome);
    this._finishing = false;
    return false;
  }

  /** The final result's `value`: `false` (done) unless it must be waited first (`undefined`). */
  private _finish(value: unknown): false | undefined {
    const then = thenOf(value);
    if (then === undefined) return false;
    if (this._mustWait(value, then)) {
      this._finishing = true;
      return undefined;
    }
    outcome(value as Future<unknown>);
    return false;
  }
}

/**
 * A yielding iterator (case a) or an async iterator (case b): each step is an
 * IteratorResult or a waitable of one. A step that fails leaves the iterator alone (SPEC
 * §3.5), unless the failure is this task's own cancellation (SPEC §3.6).
 */
class StepIteration<T> extends Iteration<T> {
  constructor(
    iter: AnyIterator,
    private readonly _next: () => unknown,
    sourceText: string,
  ) {
    super(sourceText);
    this._iter = iter;
  }

  next(): boolean | undefined {
    this.open = false;
    const step = this._next.call(this._iter);
    const then = thenOf(step);
    if (then === undefined) {
      if (!isCoroutine(step)) return this._takeResult(step);
      this._pending = step;
      return undefined;
    }
    if (isFuture(step)) {
      if (step._state === PENDING) {
        this._pending = step;
        return undefined;
      }
      return this._takeResult(outcome(step));
    }
    // An async iterator's step: the task waits for a native Promise itself, with no Future
    // in between; any other thenable is followed to its final result, as `await` follows it.
    this._pending = isNativePromise(step, then) ? step : fromThenable(step, then);
    return undefined;
  }

  override _waited(result: unknown): boolean {
    return this._takeResult(result);
  }

  /** An async or yielding iterator's `return()` may return a waitable of its result: it is waited, then checked. */
  override *_closed(result: unknown): Generator<unknown, void, unknown> {
    if (!isObject(yield* waitIfNeeded(result))) throw returnNotAnObject(this._sourceText);
  }

  /** This task's own cancellation while waiting for a step leaves the iterator open, to be closed. */
  override _waitFailed(error: unknown): void {
    const task = currentTask();
    if (task !== undefined && error === task.deliveredCancellation) this.open = true;
  }
}

/** What `yield* wait()` ends with: shared, as `yield*` only reads them. */
const WAITED_VALUE: IteratorReturnResult<boolean> = Object.freeze({ done: true, value: true });
const WAITED_DONE: IteratorReturnResult<boolean> = Object.freeze({ done: true, value: false });

const STARTED = 0;
const DELEGATING = 1;
const YIELDED = 2;

/**
 * What `Iteration.wait()` returns: one iterator per loop, reused for each step that waits, so a
 * wait allocates no generator. It does what `yield* pending` would: a Future or a coroutine is
 * delegated to (its `next`, `throw` and `return` are called as `yield*` calls them), and a
 * thenable is yielded to the task as it is, which resumes it with the outcome. The outcome
 * then goes through the iteration's `_waited`, a failure through `_waitFailed`.
 */
class Waiting implements Generator<unknown, boolean, unknown> {
  /** @internal */
  _phase: typeof STARTED | typeof DELEGATING | typeof YIELDED = STARTED;
  /** @internal The Future, coroutine or thenable waited for. */
  _target: unknown = null;

  constructor(private readonly _iteration: Iteration<unknown>) {}

  /** @internal Begins a wait for `pending`. */
  _start(pending: unknown): void {
    this._phase = STARTED;
    this._target = pending;
  }

  [Symbol.iterator](): Generator<unknown, boolean, unknown> {
    return this;
  }

  next(sent?: unknown): IteratorResult<unknown, boolean> {
    const target = this._target;
    if (this._phase === YIELDED) return this._end(sent);
    if (this._phase === STARTED) {
      if (!isFuture(target) && !isCoroutine(target)) {
        this._phase = YIELDED;
        return { done: false, value: target };
      }
      this._phase = DELEGATING;
      sent = undefined;
    }
    let step: IteratorResult<unknown, unknown>;
    try {
      step = (target as Iterator<unknown>).next(sent);
    } catch (error) {
      throw this._fail(error);
    }
    return step.done ? this._end(step.value) : step;
  }

  throw(error: unknown): IteratorResult<unknown, boolean> {
    if (this._phase !== DELEGATING) throw this._fail(error);
    let step: IteratorResult<unknown, unknown>;
    try {
      step = (this._target as Iterator<unknown>).throw!(error);
    } catch (thrown) {
      throw this._fail(thrown);
    }
    return step.done ? this._end(step.value) : step;
  }

  return(value: boolean): IteratorResult<unknown, boolean> {
    if (this._phase !== DELEGATING) {
      this._target = null;
      return { done: true, value };
    }
    const target = this._target as Iterator<unknown>;
    if (typeof target.return !== "function") {
      this._target = null;
      return { done: true, value };
    }
    const step = target.return(value);
    if (step.done) this._target = null;
    return step as IteratorResult<unknown, boolean>;
  }

  private _end(outcome: unknown): IteratorResult<unknown, boolean> {
    this._target = null;
    return this._iteration._waited(outcome) ? WAITED_VALUE : WAITED_DONE;
  }

  private _fail(error: unknown): unknown {
    this._target = null;
    this._iteration._waitFailed(error);
    return error;
  }
}

const arrayValues = Array.prototype[Symbol.iterator];
const arrayIteratorPrototype = Object.getPrototypeOf([][Symbol.iterator]()) as { next: unknown };
const arrayIteratorNext = arrayIteratorPrototype.next;

/**
 * Starts a `yielding` loop over `source` (used by compiled code). `sourceText` is the
 * source expression as written, for error messages. The protocol is chosen as SPEC §3.1
 * says, first match wins:
 *
 * 1. `source[Symbol.for("yielding.iterator")]()`;
 * 2. `source[Symbol.asyncIterator]()`;
 * 3. a Future, Task or thenable source is a `TypeError` (a loop never waits for its
 *    source: `const rows = yield* wait(p); for (const r of rows) …`);
 * 4. `source[Symbol.iterator]()`, waiting for each value that is a Future, Task or thenable;
 * 5. otherwise `TypeError: <sourceText> is not yielding-iterable`.
 *
 * ```js
 * const it = iterate([1, sleep(10, 2)], "xs");
 * ```
 */
export function iterate<T>(source: YieldingIterable<T>, sourceText?: string): Iteration<T>;
export function iterate<T>(source: AsyncIterable<T>, sourceText?: string): Iteration<T>;
export function iterate<T>(source: Iterable<T>, sourceText?: string): Iteration<Awaited<T>>;
export function iterate(source: unknown, sourceText = "the value"): Iteration<unknown> {
  if (source === null || source === undefined) throw notIterable(sourceText);
  const object = source as Record<PropertyKey, unknown>;

  const yielding = object[yieldingIterator];
  if (yielding !== undefined && yielding !== null) {
    const iter = openIterator(source, yielding, sourceText, 'Symbol.for("yielding.iterator")');
    return new StepIteration(iter, iter.next as () => unknown, sourceText);
  }

  const asyncMethod = object[Symbol.asyncIterator];
  if (asyncMethod !== undefined && asyncMethod !== null) {
    const iter = openIterator(source, asyncMethod, sourceText, "Symbol.asyncIterator");
    return new StepIteration(iter, iter.next as () => unknown, sourceText);
  }

  if (isFuture(source) || isThenable(source)) {
    const kind = isTask(source) ? "Task" : isFuture(source) ? "Future" : source instanceof Promise ? "Promise" : "thenable";
    throw new TypeError(
      `${sourceText} is not yielding-iterable: it is a ${kind}, and a loop never waits for its source; ` +
        "wait for it first, e.g. `const rows = yield* wait(p); for (const r of rows) …`",
    );
  }

  const syncMethod = object[Symbol.iterator];
  if (syncMethod !== undefined && syncMethod !== null) {
    if (syncMethod === arrayValues && Array.isArray(source) && arrayIteratorPrototype.next === arrayIteratorNext) {
      return new ArrayIteration(source, sourceText);
    }
    const iter = openIterator(source, syncMethod, sourceText, "Symbol.iterator");
    return new SyncIteration(iter, iter.next as () => unknown, sourceText);
  }

  throw notIterable(sourceText);
}

function openIterator(source: unknown, method: unknown, sourceText: string, key: string): AnyIterator {
  if (typeof method !== "function") throw new TypeError(`${sourceText}[${key}] is not a function`);
  const iter: unknown = method.call(source);
  if (!isObject(iter)) throw new TypeError(`${sourceText}[${key}]() returned a non-object`);
  if (typeof (iter as AnyIterator).next !== "function") {
    throw new TypeError(`${sourceText}[${key}]() returned an iterator without a next() method`);
  }
  return iter as AnyIterator;
}

function isObject(x: unknown): x is object {
  return x !== null && (typeof x === "object" || typeof x === "function");
}

function notIterable(sourceText: string): TypeError {
  return new TypeError(`${sourceText} is not yielding-iterable`);
}

function returnNotAnObject(sourceText: string): TypeError {
  return new TypeError(`${sourceText}: the iterator's return() result is not an object`);
}

function notAnObject(sourceText: string, result: unknown): TypeError {
  return new TypeError(`${sourceText}: the iterator's next() result ${String(result)} is not an object`);
}
