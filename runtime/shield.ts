/**
 * `shield(waitable)`: wait for something without letting a cancellation reach it
 * (asyncio's `shield`).
 */

import { sort, start, type Waitable, type WaitResult } from "./combinators.js";
import { CancelledError } from "./errors.js";
import { FULFILLED, Future, PENDING, REJECTED } from "./future.js";
import { reportUnhandled } from "./loop.js";

/**
 * The future `shield()` returns: it settles as the waitable it protects, but cancelling it,
 * or the task waiting for it, cancels only the shield. It is not a Task, so a waiting task's
 * cancellation stops at it instead of reaching the waitable.
 */
class Shield<T> extends Future<T> {
  /** @internal Nobody waits any more (a cancelled task, a lost race): the shield is cancelled. */
  override _abandon(): void {
    if (this._state === PENDING && this._callbacks === null) this.cancel("the waiter left");
  }
}

/**
 * Waits for `waitable` while protecting it from cancellation: cancelling the task that
 * waits (or the returned future itself) makes that wait throw `CancelledError`, but what it
 * waits for goes on — a Task keeps running, a coroutine is started as a task that runs to
 * its end. If the waitable itself is cancelled by someone else, the wait throws that
 * `CancelledError` too. An already settled Future is returned as it is, so the `yield*`
 * does not suspend.
 *
 * Once the waiter has left, nobody takes the outcome: a queue item or a permit handed to
 * a shielded `get()`/`acquire()` is given back, and an error of a shielded coroutine is
 * reported as an error nobody waits for (a Task or Future you passed is yours to watch).
 *
 * ```js
 * function* save(record) { yield* sleep(50); console.log("saved", record); }
 * const saving = spawn(function* () { yield* shield(save("r1")); }());
 * saving.cancel();                                    // the wait ends; save() still finishes
 * ```
 */
export function shield<W extends Waitable>(waitable: W): Future<WaitResult<W>>;
export function shield(waitable: unknown): Future<unknown> {
  const [input] = sort([waitable], "shield");
  const owned = !(input instanceof Future);
  const inner = start(input!);
  if (inner._state !== PENDING) return inner;
  const outer = new Shield<unknown>();
  inner.addDoneCallback(() => {
    if (outer._state === PENDING) {
      if (inner._state === FULFILLED) outer._settle(FULFILLED, inner.result());
      else outer._settle(REJECTED, inner._value);
    } else if (inner._state === FULFILLED) {
      inner._abandon();
    } else if (owned && !(inner._value instanceof CancelledError)) {
      reportUnhandled(inner._value, "Error in a shielded task after its waiter left:");
    }
  });
  return outer;
}
