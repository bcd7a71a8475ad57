/**
 * `Barrier`: a number of tasks wait for each other, then all go on together (asyncio's
 * `Barrier`).
 */

import type { ContextManager } from "./context.js";
import { FULFILLED, Future, REJECTED } from "./future.js";
import { brandClass, errorBrand, yieldingEnter, yieldingExit } from "./symbols.js";
import { Deque, Handoff } from "./sync.js";

/**
 * Thrown by `Barrier.wait()` when the barrier is broken (`abort()`) or reset (`reset()`)
 * while it waits, and by every `wait()` on a broken barrier. Not a `CancelledError`. Branded
 * like the other error classes, so `instanceof` knows one from another copy of the runtime.
 *
 * ```js
 * try { yield* barrier.wait(); } catch (e) { if (e instanceof BrokenBarrierError) … }
 * ```
 */
export class BrokenBarrierError extends Error {
  override name = "BrokenBarrierError";
  constructor(message = "The barrier is broken") {
    super(message);
  }
}

brandClass(BrokenBarrierError, errorBrand, "BrokenBarrierError");

/** A pending `wait()`: settles with its arrival index when the barrier trips. */
class Arrival extends Handoff<number> {
  private declare readonly _barrier: Barrier;
  constructor(barrier: Barrier) {
    super();
    this._barrier = barrier;
  }
  override _withdraw(): void {
    this._barrier._waiting.remove(this);
  }
  /** The barrier tripped without it: the others went on, and there is nothing to return. */
  override _giveBack(): void {}
}

/**
 * A barrier for `parties` tasks: each calls `wait()`, which waits until all of them have,
 * then every one of them goes on and gets its arrival index, `0` for the first to arrive to
 * `parties - 1` for the last (which does not suspend). The barrier then empties and can be
 * used again. It is a context manager too: `with (const i = yielding barrier) { … }` waits
 * on entry and binds the index.
 *
 * - `abort()` breaks it: the waiting tasks, and every `wait()` until `reset()`, throw
 *   `BrokenBarrierError`.
 * - `reset()` empties it and makes it whole again; tasks still waiting get
 *   `BrokenBarrierError`.
 * - A task cancelled while it waits leaves no trace: it does not count as arrived, and the
 *   barrier is not broken (as in asyncio).
 *
 * ```js
 * const ready = new Barrier(3);
 * function* worker(name) {
 *   yield* setUp(name);
 *   const index = yield* ready.wait();              // all three are set up now
 *   console.log(name, "arrived", index);
 * }
 * ```
 */
export class Barrier implements ContextManager<number> {
  /** How many tasks must wait before all of them go on. */
  readonly parties: number;
  /** @internal The tasks waiting, in the order they arrived. */
  readonly _waiting = new Deque<Arrival>();
  /** @internal */
  _broken = false;

  constructor(parties: number) {
    if (!Number.isInteger(parties) || parties < 1) {
      throw new RangeError(`new Barrier(${String(parties)}): the number of parties must be a positive integer`);
    }
    this.parties = parties;
  }

  /** How many tasks are waiting now. */
  get waiting(): number {
    return this._waiting.length;
  }

  /** Whether `abort()` broke the barrier (until `reset()`). */
  get broken(): boolean {
    return this._broken;
  }

  /**
   * Waits until `parties` tasks are waiting, then returns this task's arrival index.
   * Returns something to `yield*`; the last to arrive gets a settled future (no suspension).
   * On a broken barrier it throws `BrokenBarrierError`.
   */
  wait(): Future<number> {
    if (this._broken) return settled(REJECTED, new BrokenBarrierError("Barrier.wait(): the barrier is broken (reset() it)"));
    const index = this._waiting.length;
    if (index + 1 < this.parties) {
      const arrival = new Arrival(this);
      this._waiting.push(arrival);
      return arrival;
    }
    let k = 0;
    for (const arrival of this._waiting.drain()) arrival._settle(FULFILLED, k++);
    return settled(FULFILLED, index);
  }

  /** Breaks the barrier: the waiting tasks and every `wait()` until `reset()` throw `BrokenBarrierError`. */
  abort(): void {
    this._broken = true;
    this._fail("the barrier was aborted while wait() waited");
  }

  /** Empties the barrier and makes it whole again; tasks still waiting throw `BrokenBarrierError`. */
  reset(): void {
    this._broken = false;
    this._fail("the barrier was reset while wait() waited");
  }

  /** The context-manager protocol: entering waits, and binds the arrival index. */
  [yieldingEnter](): Future<number> {
    return this.wait();
  }

  /** The context-manager protocol: exiting does nothing, and never suppresses an error. */
  [yieldingExit](_hasError: boolean, _error: unknown): void {}

  /** @internal */
  _fail(message: string): void {
    for (const arrival of this._waiting.drain()) arrival._settle(REJECTED, new BrokenBarrierError(`Barrier.wait(): ${message}`));
  }
}

function settled<T>(state: typeof FULFILLED | typeof REJECTED, value: unknown): Future<T> {
  const future = new Future<T>();
  future._state = state;
  future._value = value;
  return future;
}
