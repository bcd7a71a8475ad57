/**
 * Synchronization between tasks: `Lock`, `Semaphore`, `Event`, and the plumbing they share
 * with `Queue` — a FIFO list of waiters, and `Handoff`, the future a waiter parks on.
 *
 * A `Handoff` carries something the primitive hands to one waiter: a lock's permit, a
 * queue's item. What was handed over belongs to the waiter only once the waiter has taken
 * it (its `yield*` returned, or it read `result()`, or `then()` was called). A waiter that
 * leaves before that — cancelled while still waiting, cancelled between the hand-over and
 * its next step, or let go by `race`/`waitFor` — gives it back: a permit goes to the next
 * waiter, an item to the next getter or the front of the queue. Nothing leaks and nothing
 * is lost. (Waiting with a bare `yield handoff` instead of `yield*` bypasses this: use
 * `yield*`.)
 */

import { CancelledError } from "./errors.js";
import { FULFILLED, Future, PENDING, REJECTED, doneWith } from "./future.js";
import type { ContextManager } from "./context.js";
import { yieldingEnter, yieldingExit } from "./symbols.js";

/** @internal A settled `Future<void>`, shared: what a request that needs no wait returns. */
export const DONE: Future<void> = new Future<void>();
DONE.setResult();

/** @internal A FIFO of waiters (or items) on a ring buffer: O(1) at both ends. */
export class Deque<T> {
  private _slots: (T | undefined)[] = new Array(4);
  private _head = 0;
  /** How many entries it holds. */
  length = 0;

  push(value: T): void {
    if (this.length === this._slots.length) this._grow();
    this._slots[(this._head + this.length) & (this._slots.length - 1)] = value;
    this.length++;
  }

  unshift(value: T): void {
    if (this.length === this._slots.length) this._grow();
    this._head = (this._head - 1) & (this._slots.length - 1);
    this._slots[this._head] = value;
    this.length++;
  }

  /** Removes and returns the first entry; `undefined` when empty. */
  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const value = this._slots[this._head];
    this._slots[this._head] = undefined;
    this._head = (this._head + 1) & (this._slots.length - 1);
    this.length--;
    return value;
  }

  /** Removes `value` wherever it is (O(n)); returns whether it was there. */
  remove(value: T): boolean {
    const mask = this._slots.length - 1;
    for (let k = 0; k < this.length; k++) {
      if (this._slots[(this._head + k) & mask] !== value) continue;
      for (let j = k; j < this.length - 1; j++) {
        this._slots[(this._head + j) & mask] = this._slots[(this._head + j + 1) & mask];
      }
      this._slots[(this._head + this.length - 1) & mask] = undefined;
      this.length--;
      return true;
    }
    return false;
  }

  /** Empties the deque and returns its entries in order. */
  drain(): T[] {
    const out: T[] = [];
    for (let value = this.shift(); value !== undefined; value = this.shift()) out.push(value);
    return out;
  }

  private _grow(): void {
    const old = this._slots;
    const slots: (T | undefined)[] = new Array(old.length * 2);
    for (let k = 0; k < this.length; k++) slots[k] = old[(this._head + k) & (old.length - 1)];
    this._slots = slots;
    this._head = 0;
  }
}

/**
 * @internal The future one waiter of a primitive parks on. The primitive settles it with
 * `_settle` when it hands something over; subclasses say how to withdraw a pending request
 * (`_withdraw`) and how to give back what was handed over but never taken (`_giveBack`).
 */
export abstract class Handoff<T> extends Future<T> {
  /** @internal Whether the waiter has taken the result (so there is nothing to give back). */
  declare _taken: boolean;

  constructor() {
    super();
    this._taken = false;
  }

  /** @internal Takes the request off the primitive's wait list. */
  abstract _withdraw(): void;

  /** @internal Returns `value`, handed over but never taken, to the primitive. */
  abstract _giveBack(value: T): void;

  /**
   * @internal The waiter takes what was handed over (called once, on a fulfilled handoff).
   * A subclass may finish its request here, or turn the handoff into an error instead.
   */
  _claim(): void {
    this._taken = true;
  }

  /** Handoffs are settled by their primitive: this throws a `TypeError`. */
  override setResult(_value: T): never {
    throw new TypeError("This future is settled by the primitive that made it, not by setResult()");
  }

  /** Handoffs are settled by their primitive: this throws a `TypeError`. */
  override setError(_error: unknown): never {
    throw new TypeError("This future is settled by the primitive that made it, not by setError()");
  }

  /** Withdraws the request (if still waiting) and settles with a `CancelledError`. */
  override cancel(reason?: unknown): boolean {
    if (this._state !== PENDING) return false;
    this._withdraw();
    return super.cancel(reason);
  }

  override result(): T {
    if (this._state === FULFILLED && !this._taken) this._claim();
    return super.result();
  }

  /**
   * `await` commits to taking the result: a pending handoff is marked taken now, so its
   * primitive completes the request when it hands it over.
   */
  override then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if (!this._taken) {
      if (this._state === PENDING) this._taken = true;
      else if (this._state === FULFILLED) this._claim();
    }
    return super.then(onfulfilled, onrejected);
  }

  /** As `Future.next()`, and a result read this way has been taken. */
  override next(): IteratorResult<unknown, T> {
    if (this._state === PENDING) return { done: false, value: this };
    if (this._state === FULFILLED && !this._taken) this._claim();
    this._observed = true;
    if (this._state === REJECTED) throw this._value;
    return doneWith(this._value as T);
  }

  /** The coroutine waiting with `yield*` was closed: let go of the request. */
  override return(value?: T): IteratorResult<unknown, T> {
    this._letGo();
    return super.return(value);
  }

  /** An error (a cancellation, say) was thrown into the coroutine waiting with `yield*`. */
  override throw(error?: unknown): IteratorResult<unknown, T> {
    this._letGo();
    throw error;
  }

  /** @internal Nobody waits any more (a cancelled task, a `race` that lost interest). */
  override _abandon(): void {
    this._letGo();
  }

  /**
   * @internal Still pending and nobody else waiting: withdraw and settle cancelled.
   * Handed over but not taken: give it back, and look cancelled from now on, so it cannot
   * be taken twice.
   */
  _letGo(): void {
    if (this._state === PENDING) {
      if (this._callbacks === null) this.cancel("the waiter left");
    } else if (this._state === FULFILLED && !this._taken) {
      const value = this._value as T;
      this._taken = true;
      this._state = REJECTED;
      this._value = new CancelledError("the waiter left");
      this._giveBack(value);
    }
  }
}

/** A pending `acquire()`: settles when a permit is handed over. */
class Grant extends Handoff<void> {
  private declare readonly _owner: Permits;
  constructor(owner: Permits) {
    super();
    this._owner = owner;
  }
  override _withdraw(): void {
    this._owner._waiters.remove(this);
  }
  override _giveBack(): void {
    this._owner.release();
  }
}

/** The permit counting that `Lock` and `Semaphore` share. */
abstract class Permits implements ContextManager<void> {
  /** @internal */
  _free: number;
  /** @internal */
  readonly _max: number;
  /** @internal Acquirers waiting, first come first served. */
  readonly _waiters = new Deque<Grant>();

  /** @internal */
  constructor(permits: number) {
    this._free = permits;
    this._max = permits;
  }

  /**
   * Takes a permit, waiting (first come, first served) while none is free. Returns something
   * to `yield*`; when a permit is free it is taken at once and the `yield*` does not suspend.
   * A task cancelled while it waits takes nothing.
   */
  acquire(): Future<void> {
    if (this._free > 0 && this._waiters.length === 0) {
      this._free--;
      return DONE;
    }
    const grant = new Grant(this);
    this._waiters.push(grant);
    return grant;
  }

  /**
   * Returns a permit: the longest waiting acquirer gets it, else it becomes free. Throws an
   * `Error` when every permit is already free (released more often than acquired).
   */
  release(): void {
    const next = this._waiters.shift();
    if (next !== undefined) {
      next._settle(FULFILLED, undefined);
      return;
    }
    if (this._free >= this._max) throw new Error(`${this.constructor.name}.release(): released more often than acquired`);
    this._free++;
  }

  /** Whether no permit is free (an `acquire()` now would wait). */
  locked(): boolean {
    return this._free === 0;
  }

  /** The context-manager protocol (SPEC §4): entering acquires, waiting if need be. */
  [yieldingEnter](): Future<void> {
    return this.acquire();
  }

  /** The context-manager protocol (SPEC §4): exiting releases, and never suppresses an error. */
  [yieldingExit](_hasError: boolean, _error: unknown): void {
    this.release();
  }
}

/**
 * A mutual-exclusion lock for tasks: one holder at a time, waiters served first come,
 * first served. It is a context manager (SPEC §4): `with (yielding lock) { … }` acquires on
 * entry and releases on exit, however the body ends.
 *
 * ```js
 * const lock = new Lock();
 * function* critical(name) {
 *   yield* lock.acquire();
 *   try { console.log(name, "in"); yield* sleep(10); console.log(name, "out"); }
 *   finally { lock.release(); }
 * }
 * yield* gather(critical("a"), critical("b"));   // a in, a out, b in, b out
 * // compiled: with (yielding lock) { … }
 * ```
 */
export class Lock extends Permits {
  constructor() {
    super(1);
  }
}

/**
 * A counting semaphore: at most `permits` holders at a time, waiters served first come,
 * first served. A context manager like `Lock`. Releasing more often than acquiring throws
 * (it is "bounded", as Python's `BoundedSemaphore`).
 *
 * ```js
 * const slots = new Semaphore(2);                   // at most 2 workers at once
 * function* worker(i) {
 *   yield* slots.acquire();
 *   try { yield* sleep(10); return i; } finally { slots.release(); }
 * }
 * yield* gather(worker(1), worker(2), worker(3));   // [1, 2, 3], the third after 20 ms
 * ```
 */
export class Semaphore extends Permits {
  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 1) {
      throw new RangeError(`new Semaphore(${String(permits)}): the number of permits must be a positive integer`);
    }
    super(permits);
  }

  /** How many permits are free right now. */
  get available(): number {
    return this._free;
  }
}

/** A pending `Event.wait()`. */
class EventWait extends Handoff<void> {
  private declare readonly _owner: Event;
  constructor(owner: Event) {
    super();
    this._owner = owner;
  }
  override _withdraw(): void {
    this._owner._waiters.remove(this);
  }
  override _giveBack(): void {}
}

/**
 * A flag tasks can wait for: `wait()` returns at once while the event is set, else waits
 * until `set()` is called. `clear()` unsets it.
 *
 * ```js
 * const ready = new Event();
 * spawn(function* () { yield* ready.wait(); console.log("go"); }());
 * ready.set();                                      // the waiter logs "go"
 * ```
 */
export class Event {
  /** @internal */
  _set = false;
  /** @internal */
  readonly _waiters = new Deque<EventWait>();

  /** Sets the flag and wakes every waiting task, in the order they started waiting. */
  set(): void {
    if (this._set) return;
    this._set = true;
    for (const waiter of this._waiters.drain()) waiter._settle(FULFILLED, undefined);
  }

  /** Whether the flag is set. */
  isSet(): boolean {
    return this._set;
  }

  /** Unsets the flag; later `wait()` calls wait for the next `set()`. */
  clear(): void {
    this._set = false;
  }

  /**
   * Something to `yield*` (or `await`) that returns once the flag is set: at once, without
   * suspending, if it is set already.
   */
  wait(): Future<void> {
    if (this._set) return DONE;
    const waiter = new EventWait(this);
    this._waiters.push(waiter);
    return waiter;
  }
}
