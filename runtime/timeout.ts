/**
 * `timeout(ms)`: a context manager that puts a time limit on the body of a `with`
 * statement (asyncio's `timeout`). When time runs out the body is cancelled, and its exit
 * turns that cancellation into a `TimeoutError`.
 */

import type { ContextManager } from "./context.js";
import { TimeoutError, type CancelledError } from "./errors.js";
import { describe } from "./future.js";
import { addTimer, callSoon, now, removeTimer, type TimerNode } from "./loop.js";
import { yieldingEnter, yieldingExit } from "./symbols.js";
import { currentTask, type Task } from "./task.js";

const NEW = 0;
const ENTERED = 1;
const EXITED = 2;
type State = typeof NEW | typeof ENTERED | typeof EXITED;

/**
 * A time limit for the body of a `with` statement; make one with `timeout(ms)`, once per
 * `with`. Entering it (inside a task) starts the clock; if the body is still running when
 * `ms` milliseconds have passed, the task that entered it is cancelled: a `CancelledError`
 * is thrown in where the body is suspended, so `finally` blocks and the exits of inner
 * `with` statements run. Exiting stops the clock and turns that cancellation into a
 * `TimeoutError` (with the `CancelledError` as its `cause`), so code after the block can
 * catch it.
 *
 * - A cancellation from anyone else goes through unchanged, as a `CancelledError`, even if
 *   the time ran out as well; so does one from an outer `timeout()`, which becomes a
 *   `TimeoutError` at its own block.
 * - If time ran out but the body ended before the cancellation reached it (the body did not
 *   suspend again), the cancellation is withdrawn and the block ends normally.
 * - `ms` is a number of milliseconds: `Infinity` never expires; `0` or less expires at the
 *   body's first suspension (a bare `yield` included); a body that never suspends is not
 *   interrupted.
 *
 * The bound value is the `Timeout` itself; `expired` tells afterwards whether time ran out.
 *
 * ```js
 * try {
 *   with (yielding timeout(100)) {
 *     yield* wait(fetch(url));
 *   }
 * } catch (e) {
 *   if (!(e instanceof TimeoutError)) throw e;
 *   console.log("gave up after 100 ms");
 * }
 * ```
 */
export class Timeout implements ContextManager<Timeout>, TimerNode {
  /** @internal The time limit, in milliseconds, as given. */
  declare readonly _ms: number;
  /** @internal */
  declare _state: State;
  /** @internal The task that entered it, while it is entered. */
  declare _task: Task<unknown> | null;
  /** @internal The cancellation requested when time ran out, until exit takes it back. */
  declare _request: CancelledError | null;
  /** @internal */
  declare _expired: boolean;
  /** @internal Its place in the loop's timer heap, or -1. */
  declare _index: number;

  /** A time limit of `ms` milliseconds; `timeout(ms)` says the same. See `timeout()`. */
  constructor(ms: number) {
    if (typeof ms !== "number") {
      throw new TypeError(`timeout(): the time limit must be a number of milliseconds, not ${describe(ms)}`);
    }
    if (Number.isNaN(ms) || ms === -Infinity) {
      throw new RangeError(`timeout(): the time limit must be a number of milliseconds or Infinity, not ${ms}`);
    }
    this._ms = ms;
    this._state = NEW;
    this._task = null;
    this._request = null;
    this._expired = false;
    this._index = -1;
  }

  /**
   * Whether time ran out while the block was running (the task was asked to cancel then),
   * whether or not that ended as a `TimeoutError`.
   */
  get expired(): boolean {
    return this._expired;
  }

  /**
   * The context-manager protocol (SPEC §4): records the current task and starts the
   * clock. Throws a `TypeError` outside a task, or when this timeout was entered before.
   */
  [yieldingEnter](): Timeout {
    if (this._state !== NEW) {
      throw new TypeError(
        "This timeout was already entered: make one per with-statement, e.g. with (yielding timeout(100)) { … }",
      );
    }
    const task = currentTask();
    if (task === undefined) {
      throw new TypeError("timeout() must be entered inside a task (a coroutine run by run() or spawn()): it cancels the task that enters it");
    }
    this._task = task;
    this._state = ENTERED;
    const ms = this._ms;
    if (ms === Infinity) return this;
    if (ms > 0) addTimer(this, now() + ms);
    else callSoon(expireTimeout, this);
    return this;
  }

  /**
   * The context-manager protocol (SPEC §4): stops the clock. When the body threw the
   * cancellation this timeout caused (and nobody else asked for it too), throws a
   * `TimeoutError` instead; never suppresses an error.
   */
  [yieldingExit](hasError: boolean, error: unknown): false {
    if (this._state !== ENTERED) throw new TypeError("timeout(): exit without a matching enter");
    this._state = EXITED;
    removeTimer(this);
    const task = this._task!;
    const request = this._request;
    this._task = null;
    this._request = null;
    if (request === null) return false;
    const others = task._uncancel(request);
    if (hasError && error === request && others === 0) {
      const timedOut = new TimeoutError(`timeout(): the block did not finish within ${this._ms} ms`);
      timedOut.cause = error;
      throw timedOut;
    }
    return false;
  }

  /** @internal Time ran out (run from the ready queue): cancel the task if it is still in the block. */
  _expire(): void {
    if (this._state !== ENTERED || this._expired) return;
    this._expired = true;
    this._request = this._task!._requestCancel(`the time limit of ${this._ms} ms ran out`);
  }
}

function expireTimeout(timeout: Timeout): void {
  timeout._expire();
}

/**
 * A context manager that cancels the body of its `with` statement if it runs longer than
 * `ms` milliseconds, and turns that cancellation into a `TimeoutError` (asyncio's
 * `timeout`). Cleanup still runs: `finally` blocks and inner exits see a
 * `CancelledError` first. A cancellation from elsewhere stays a `CancelledError`. Make a
 * new one for each `with`: entering one twice is a `TypeError`. `Infinity` means no limit;
 * `0` or less expires at the body's first suspension. It uses the loop's one timer heap,
 * so a timeout costs no host timer of its own.
 *
 * ```js
 * function* fetchOrNull(url) {
 *   try {
 *     with (yielding timeout(500)) {
 *       return yield* wait(fetch(url));
 *     }
 *   } catch (e) {
 *     if (e instanceof TimeoutError) return null;
 *     throw e;
 *   }
 * }
 * ```
 */
export function timeout(ms: number): Timeout {
  return new Timeout(ms);
}
