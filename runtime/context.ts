/**
 * Context managers (SPEC §4): the protocol's type, and `contextManager()`, which writes one
 * as a single generator.
 */

import { Future, describe, isCoroutine } from "./future.js";
import { FINISHED, InlineRun, Marker, NEXT, THROW, WAIT } from "./stream.js";
import type { Coroutine } from "./task.js";
import { yieldingEnter, yieldingExit } from "./symbols.js";

/**
 * A yielding context manager (SPEC §4.2 a), what `with (const x = yielding m) { … }` enters:
 *
 * - `m[yieldingEnter]()` returns the bound value, or a waitable of it (a Future, a Promise, a
 *   coroutine); if it throws, exit is not called;
 * - `m[yieldingExit](hasError, error)` is called exactly once when the body is left, and may
 *   return a waitable; after an error, a truthy result suppresses it.
 *
 * `Lock`, `Semaphore` and what `contextManager()` returns implement it.
 *
 * ```js
 * const timer = {
 *   [yieldingEnter]() { this.start = Date.now(); },
 *   [yieldingExit]() { console.log(`took ${Date.now() - this.start} ms`); },
 * };
 * ```
 */
export interface ContextManager<T> {
  [yieldingEnter](): T | Future<T> | PromiseLike<T> | Generator<unknown, T, unknown>;
  [yieldingExit](hasError: boolean, error: unknown): unknown;
}

/** What `contextManager()`'s body gets: `yield* provide(value)` runs the `with` body. */
export type Provide<T> = (value: T) => { [Symbol.iterator](): Iterator<unknown, void, unknown> };

/** One entry into a `contextManager()`: its body's run, inside the entering task. */
class ManagerRun extends InlineRun {
  /** @internal Whether the body reached `provide(value)` (the `with` body is running). */
  _provided = false;

  override _classify(yielded: unknown): boolean | Error {
    if (!(yielded instanceof Marker)) return false;
    if (yielded._owner !== this) return new TypeError("provide() was called outside the body of the context manager it belongs to");
    if (this._provided) return new TypeError("contextManager(): the body called provide() more than once");
    return true;
  }
}

/** What `contextManager()` returns. */
class GeneratorContextManager<T> implements ContextManager<T> {
  private _run: ManagerRun | null = null;

  constructor(private readonly _body: (provide: Provide<T>) => Generator<unknown, unknown, unknown>) {}

  [yieldingEnter](): T | Coroutine<T> {
    if (this._run !== null) {
      throw new TypeError(
        "This context manager is already entered: make one per with-statement, e.g. wrap the contextManager() call in a function",
      );
    }
    const run = new ManagerRun();
    const gen = this._body((value: T) => new Marker(value, run));
    if (!isCoroutine(gen) || gen instanceof Future) {
      throw new TypeError(`contextManager() takes a generator function: its body returned ${describe(gen)}`);
    }
    run._gen = gen;
    this._run = run;
    let stop: number;
    try {
      stop = run._step(NEXT, undefined);
    } catch (error) {
      this._run = null;
      throw error;
    }
    return stop === WAIT ? this._enterLater(run) : this._bound(run, stop);
  }

  [yieldingExit](hasError: boolean, error: unknown): boolean | Coroutine<boolean> {
    const run = this._run;
    if (run === null || !run._provided) throw new TypeError("contextManager(): exit without a matching enter");
    let stop: number;
    try {
      stop = run._step(hasError ? THROW : NEXT, error);
    } catch (thrown) {
      return this._failed(hasError, error, thrown);
    }
    return stop === WAIT ? this._exitLater(run, hasError, error) : this._ended(hasError);
  }

  private *_enterLater(run: ManagerRun): Coroutine<T> {
    let stop: number;
    try {
      stop = yield* run._wait();
    } catch (error) {
      this._run = null;
      throw error;
    }
    return this._bound(run, stop);
  }

  /** Setup ran up to `provide(value)`, or to its end (a mistake). */
  private _bound(run: ManagerRun, stop: number): T {
    if (stop === FINISHED) {
      this._run = null;
      throw new TypeError("contextManager(): the body ended without calling provide()");
    }
    run._provided = true;
    return (run._out as Marker<T>)._value;
  }

  private *_exitLater(run: ManagerRun, hasError: boolean, error: unknown): Coroutine<boolean> {
    try {
      yield* run._wait();
    } catch (thrown) {
      return this._failed(hasError, error, thrown);
    }
    return this._ended(hasError);
  }

  /** The body ran on from `provide()` to its end: an error thrown in there is suppressed. */
  private _ended(hasError: boolean): boolean {
    this._run = null;
    return hasError;
  }

  /** The body threw: rethrowing the error it was given does not suppress it; another error replaces it. */
  private _failed(hasError: boolean, error: unknown, thrown: unknown): false {
    this._run = null;
    if (hasError && thrown === error) return false;
    throw thrown;
  }
}

/**
 * Writes a context manager as one generator, as Python's `@asynccontextmanager` does: the
 * code before `yield* provide(value)` is the setup (enter), `value` is what the `with`
 * binds, and the code after it is the teardown (exit). Both halves may wait, and run in the
 * task that runs the `with`. An error from the `with` body (a cancellation included) is
 * thrown in at `provide`, so `try`/`finally` around it cleans up; if the generator then ends
 * normally the error is suppressed, if it rethrows it the error goes on.
 *
 * It returns the manager itself. A manager may be entered again after it has exited, but
 * not while it is entered: to use one in several places at once, make one per use by
 * wrapping the call in a function, as below.
 *
 * ```js
 * const transaction = (db) => contextManager(function* (provide) {
 *   const tx = yield* wait(db.begin());
 *   try {
 *     yield* provide(tx);
 *     yield* wait(tx.commit());
 *   } catch (e) {
 *     yield* wait(tx.rollback());
 *     throw e;
 *   }
 * });
 * // compiled: with (const tx = yielding transaction(db)) { yield* wait(tx.insert(row)); }
 * ```
 */
export function contextManager<T = void>(
  body: (provide: Provide<T>) => Generator<unknown, unknown, unknown>,
): ContextManager<T> {
  if (typeof body !== "function") {
    throw new TypeError(`contextManager() takes a generator function, not ${describe(body)}`);
  }
  return new GeneratorContextManager(body);
}
