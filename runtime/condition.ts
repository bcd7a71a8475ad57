/**
 * `Condition`: tasks wait, holding a lock, until another task tells them something changed
 * (asyncio's `Condition`).
 */

import type { ContextManager } from "./context.js";
import { CancelledError } from "./errors.js";
import { FULFILLED, type Future } from "./future.js";
import { yieldingEnter, yieldingExit } from "./symbols.js";
import { Deque, Handoff, Lock } from "./sync.js";

/** What a predicate gives when it holds: its value, without the falsy ones. */
export type Truthy<T> = Exclude<T, false | 0 | 0n | "" | null | undefined>;

/**
 * A pending `wait()`: settles when the condition notifies it. A waiter that leaves after it
 * was notified but before it took that passes the notification on to the next waiter.
 */
class Notification extends Handoff<void> {
  private declare readonly _condition: Condition;
  constructor(condition: Condition) {
    super();
    this._condition = condition;
  }
  override _withdraw(): void {
    this._condition._waiters.remove(this);
  }
  override _giveBack(): void {
    this._condition._wake(1);
  }
}

/**
 * A condition variable for tasks, on a `Lock` (its own, or one it is given). A task holding
 * the lock calls `wait()`, which releases the lock, waits until another task holding it
 * calls `notify()` or `notifyAll()`, and takes the lock again before it returns. It is a
 * context manager: `with (yielding cond) { … }` holds the lock for the block.
 *
 * - `waitFor(predicate)` waits until `predicate()` is truthy (checked first, and after
 *   each wake-up) and returns its value.
 * - `notify(n = 1)` wakes the `n` longest waiting tasks; `notifyAll()` wakes all of them.
 * - `wait`, `notify` and `notifyAll` need the lock held: else they throw an `Error`.
 * - A task cancelled while it waits leaves the line; the `CancelledError` is thrown once it
 *   holds the lock again, so the block's exit still releases a held lock. One cancelled
 *   after it was notified passes the notification on to the next waiter (which may then
 *   find nothing changed: check the state after `wait()`, or use `waitFor`).
 *
 * ```js
 * const cond = new Condition();
 * const jobs = [];
 * spawn(function* () {
 *   with (yielding cond) {
 *     const job = yield* cond.waitFor(() => jobs.shift());
 *     console.log("got", job);
 *   }
 * }());
 * with (yielding cond) { jobs.push("job"); cond.notify(); }
 * ```
 */
export class Condition implements ContextManager<void> {
  /** @internal */
  readonly _lock: Lock;
  /** @internal Tasks in `wait()`, first come first served. */
  readonly _waiters = new Deque<Notification>();

  /** A condition on `lock`, or on a new `Lock` of its own. */
  constructor(lock: Lock = new Lock()) {
    this._lock = lock;
  }

  /** Takes the lock, waiting while it is held (as `Lock.acquire()`). */
  acquire(): Future<void> {
    return this._lock.acquire();
  }

  /** Releases the lock (as `Lock.release()`). */
  release(): void {
    this._lock.release();
  }

  /** Whether the lock is held. */
  locked(): boolean {
    return this._lock.locked();
  }

  /**
   * Releases the lock, waits to be notified, and takes the lock again before it returns
   * `true`. Throws an `Error` when the lock is not held. `yield*` it.
   */
  *wait(): Generator<unknown, true, unknown> {
    if (!this.locked()) throw new Error("Condition.wait(): the lock is not held (wait inside with (yielding condition))");
    const notification = new Notification(this);
    this._waiters.push(notification);
    this.release();
    let error: unknown;
    let failed = false;
    let notified = false;
    try {
      yield* notification;
      notified = true;
    } catch (thrown) {
      failed = true;
      error = thrown;
    }
    // Hold the lock again before leaving, whatever happened, so the caller's exit can release it.
    for (;;) {
      try {
        yield* this._lock.acquire();
        break;
      } catch (thrown) {
        if (!(thrown instanceof CancelledError)) throw thrown;
        failed = true;
        error = thrown;
      }
    }
    if (!failed) return true;
    // Notified, then cancelled on the way back: the notification goes to the next waiter.
    if (notified) this._wake(1);
    throw error;
  }

  /**
   * Waits until `predicate()` is truthy and returns its value; it is called first (no wait
   * when it holds already) and after each wake-up, with the lock held. `yield*` it.
   */
  *waitFor<T>(predicate: () => T): Generator<unknown, Truthy<T>, unknown> {
    let result = predicate();
    while (!result) {
      yield* this.wait();
      result = predicate();
    }
    return result as Truthy<T>;
  }

  /** Wakes the `n` longest waiting tasks (fewer if fewer wait). Throws when the lock is not held. */
  notify(n = 1): void {
    if (!this.locked()) throw new Error("Condition.notify(): the lock is not held (notify inside with (yielding condition))");
    this._wake(n);
  }

  /** Wakes every waiting task. Throws when the lock is not held. */
  notifyAll(): void {
    if (!this.locked()) throw new Error("Condition.notifyAll(): the lock is not held (notify inside with (yielding condition))");
    this._wake(this._waiters.length);
  }

  /** @internal Wakes up to `n` waiters, in the order they started waiting. */
  _wake(n: number): void {
    for (let i = 0; i < n; i++) {
      const waiter = this._waiters.shift();
      if (waiter === undefined) return;
      waiter._settle(FULFILLED, undefined);
    }
  }

  /** The context-manager protocol: entering takes the lock, waiting if need be. */
  [yieldingEnter](): Future<void> {
    return this.acquire();
  }

  /** The context-manager protocol: exiting releases the lock, and never suppresses an error. */
  [yieldingExit](_hasError: boolean, _error: unknown): void {
    this.release();
  }
}
