/**
 * `withContext`: the runtime half of `with (const b = yielding E) BODY` (SPEC §4). The
 * compiler emits this shape, one block per binding (several bindings nest left to right):
 *
 * ```js
 * { const _cm = withContext(E, "E"); if (!_cm.enter()) yield* _cm.wait();
 *   try { const b = _cm.value; BODY }
 *   catch (_err) { if (!_cm.fail(_err)) yield* _cm.wait(); }
 *   finally { if (_cm.open && !_cm.exit()) yield* _cm.wait(); } }
 * ```
 *
 * `enter()` finds the protocol and enters (exit is not called if that throws); the bound
 * value is assigned inside the `try`, as Python does, so a destructuring that fails still
 * exits. `fail(e)` exits after an error and rethrows it unless the manager suppressed it;
 * `exit()` exits after normal completion, `break`, `continue` or `return`. Exit runs once:
 * `fail` clears `open` before it calls the manager.
 *
 * Each step runs at once when nothing is pending (a `yield*` costs about 20 ns even when it
 * does not suspend); only a step that must wait returns `false`, and `yield* wait()` then
 * suspends the task until that step is done.
 */

import { SuppressedError } from "./errors.js";
import { Future, PENDING, describe, futureOf, isCoroutine, isFuture, outcome, toWaitable } from "./future.js";
import { yieldingEnter, yieldingExit } from "./symbols.js";

/** How a manager is entered and exited (SPEC §4.2 a–c): `[yieldingEnter]()` / `[yieldingExit](hasError, error)`. */
const ENTER_EXIT = 0;
/** `[Symbol.asyncDispose]()`, waited. */
const ASYNC_DISPOSE = 1;
/** `[Symbol.dispose]()`. */
const DISPOSE = 2;
type Protocol = typeof ENTER_EXIT | typeof ASYNC_DISPOSE | typeof DISPOSE;

// Symbol.asyncDispose / Symbol.dispose exist in Node ≥ 20 and recent browsers; where the
// platform lacks them, the disposable fallbacks simply never match.
const asyncDisposeSymbol: symbol | undefined = (Symbol as { asyncDispose?: symbol }).asyncDispose;
const disposeSymbol: symbol | undefined = (Symbol as { dispose?: symbol }).dispose;

type Method = (this: unknown, ...args: unknown[]) => unknown;

/**
 * The state of one `with` binding, made by `withContext`; used by compiled code.
 *
 * - `enter()` resolves the manager and enters it; the bound value is then in `value`, and
 *   `open` is true;
 * - `fail(error)` exits after the body threw `error`, and rethrows it unless the manager
 *   suppressed it;
 * - `exit()` exits after the body completed without an error;
 * - each returns `false` when it must wait: `yield* wait()` finishes it.
 */
export class WithContext<T> {
  /** The value to bind, valid after `enter()` returned. */
  value: T = undefined as T;
  /** Whether the manager was entered and not yet exited: leaving the body must exit it. */
  open = false;
  private _manager: unknown;
  private _protocol: Protocol = ENTER_EXIT;
  private _exit: Method | null = null;
  private _pending: Generator<unknown, void, unknown> | null = null;

  /** @internal */
  constructor(
    manager: unknown,
    private readonly _sourceText: string,
  ) {
    this._manager = manager;
  }

  /**
   * Resolves the manager (running it first if it is a coroutine, waiting for it if it is a
   * Future, Task or thenable without a protocol of its own), looks up its protocol, and
   * enters it. Returns `true` when all that is done; `false` when something is pending,
   * and then `yield* wait()` waits for it and finishes entering.
   */
  enter(): boolean {
    const manager = this._manager;
    const enter = isCoroutine(manager) && !isFuture(manager) ? undefined : this._lookup(manager);
    if (enter === undefined) return this._later(this._enterSlowly(manager));
    return enter === null ? this._bind(manager) : this._entered(enter.call(manager));
  }

  /**
   * Finishes the step that `enter()`, `fail()` or `exit()` left pending (they returned
   * `false`): `yield* wait()` suspends the task until it is done.
   */
  wait(): Generator<unknown, void, unknown> {
    const pending = this._pending!;
    this._pending = null;
    return pending;
  }

  /**
   * The body threw `error`: exits, telling the manager (enter/exit protocol), and rethrows
   * `error` unless exit returned a truthy value. An error exit throws replaces `error`, with
   * `error` as its `cause` when that slot is free; a failing dispose throws
   * `SuppressedError(disposeError, error)`. Returns `true` when `error` was suppressed, and
   * `false` when exit's result is pending: then `yield* wait()` finishes (and throws).
   */
  fail(error: unknown): boolean {
    this.open = false;
    if (this._protocol === ENTER_EXIT) {
      let suppress: unknown;
      try {
        suppress = this._exit!.call(this._manager, true, error);
        const waitable = toWaitable(suppress);
        if (waitable !== undefined) {
          if (!isSettled(waitable)) return this._later(this._failSlowly(waitable, error));
          suppress = outcome(waitable);
        }
      } catch (exitError) {
        throw chained(exitError, error);
      }
      if (suppress) return true;
      throw error;
    }
    let result: unknown;
    try {
      result = this._exit!.call(this._manager);
      const waitable = this._protocol === ASYNC_DISPOSE ? toWaitable(result) : undefined;
      if (waitable !== undefined) {
        if (!isSettled(waitable)) return this._later(this._disposeFailSlowly(waitable, error));
        outcome(waitable);
      }
    } catch (disposeError) {
      throw new SuppressedError(disposeError, error);
    }
    throw error;
  }

  /**
   * The body completed (normally, `break`, `continue`, `return`): exits; exit's errors
   * propagate. Returns `true` when done, `false` when exit's result is pending: then
   * `yield* wait()` waits for it.
   */
  exit(): boolean {
    this.open = false;
    const protocol = this._protocol;
    const result = protocol === ENTER_EXIT ? this._exit!.call(this._manager, false, undefined) : this._exit!.call(this._manager);
    if (protocol === DISPOSE) return true;
    const waitable = toWaitable(result);
    if (waitable === undefined) return true;
    if (!isSettled(waitable)) return this._later(waitFor(waitable));
    outcome(waitable);
    return true;
  }

  /** Enter's result `result` is the bound value, or a waitable of it. */
  private _entered(result: unknown): boolean {
    const waitable = toWaitable(result);
    if (waitable === undefined) return this._bind(result);
    if (isSettled(waitable)) return this._bind(outcome(waitable));
    return this._later(this._enterAfter(waitable));
  }

  /**
   * Entered, with `value` to bind. A disposable binds the manager itself, never waited even
   * when it is also a thenable: its protocol was found before any waiting (SPEC §4.2).
   */
  private _bind(value: unknown): true {
    this.value = value as T;
    this.open = true;
    return true;
  }

  /** Keeps `step` for `wait()`; returns `false`, what a method with a pending step returns. */
  private _later(step: Generator<unknown, void, unknown>): false {
    this._pending = step;
    return false;
  }

  private *_enterAfter(waitable: Waitable): Generator<unknown, void, unknown> {
    this._bind(yield* waitable);
  }

  /** The manager is a coroutine, or has no protocol: run it or wait for it, then look again (SPEC §4.2 d, e). */
  private *_enterSlowly(manager: unknown): Generator<unknown, void, unknown> {
    if (isCoroutine(manager) && !isFuture(manager)) manager = yield* manager;
    let enter = this._lookup(manager);
    const future = enter === undefined ? futureOf(manager) : undefined;
    if (future !== undefined) {
      manager = yield* future;
      enter = this._lookup(manager);
    }
    if (enter === undefined) throw notAManager(this._sourceText, future !== undefined, manager);
    this._manager = manager;
    if (enter === null) this._bind(manager);
    else if (!this._entered(enter.call(manager))) yield* this.wait();
  }

  private *_failSlowly(pending: Waitable, error: unknown): Generator<unknown, void, unknown> {
    let suppress: unknown;
    try {
      suppress = yield* pending;
    } catch (exitError) {
      throw chained(exitError, error);
    }
    if (!suppress) throw error;
  }

  private *_disposeFailSlowly(pending: Waitable, error: unknown): Generator<unknown, void, unknown> {
    try {
      yield* pending;
    } catch (disposeError) {
      throw new SuppressedError(disposeError, error);
    }
    throw error;
  }

  /**
   * Finds the protocol of `manager` (SPEC §4.2 a–c) and remembers its exit: returns the enter
   * method, `null` for the disposables (the value is the manager), or `undefined` if none.
   */
  private _lookup(manager: unknown): Method | null | undefined {
    if (manager === null || manager === undefined) return undefined;
    const object = manager as Record<PropertyKey, unknown>;
    const enter = object[yieldingEnter];
    const exit = object[yieldingExit];
    if (isPresent(enter) || isPresent(exit)) {
      if (!isPresent(enter) || !isPresent(exit)) {
        const [has, lacks] = isPresent(enter) ? ["enter", "exit"] : ["exit", "enter"];
        throw new TypeError(
          `${this._sourceText} has Symbol.for("yielding.${has}") but no Symbol.for("yielding.${lacks}"): a context manager needs both`,
        );
      }
      this._exit = requireFunction(exit, this._sourceText, 'Symbol.for("yielding.exit")');
      return requireFunction(enter, this._sourceText, 'Symbol.for("yielding.enter")');
    }
    if (asyncDisposeSymbol !== undefined && isPresent(object[asyncDisposeSymbol])) {
      this._protocol = ASYNC_DISPOSE;
      this._exit = requireFunction(object[asyncDisposeSymbol], this._sourceText, "Symbol.asyncDispose");
      return null;
    }
    if (disposeSymbol !== undefined && isPresent(object[disposeSymbol])) {
      this._protocol = DISPOSE;
      this._exit = requireFunction(object[disposeSymbol], this._sourceText, "Symbol.dispose");
      return null;
    }
    return undefined;
  }
}

/**
 * Starts a `with` binding over `manager` (used by compiled code). `sourceText` is the
 * manager expression as written, for error messages. Nothing is looked up or entered until
 * `yield* enter()`.
 *
 * ```js
 * const cm = withContext(lock, "lock");
 * yield* cm.enter();
 * try { … } catch (e) { yield* cm.fail(e); } finally { if (cm.open) yield* cm.exit(); }
 * ```
 */
export function withContext<M>(manager: M, sourceText = "the value"): WithContext<Entered<M>> {
  return new WithContext<Entered<M>>(manager, sourceText);
}

/** What a `with` binds for a manager expression of type `M` (SPEC §4 steps 1–3). */
export type Entered<M> = M extends Generator<unknown, infer R, unknown> ? EnteredManager<R> : EnteredManager<M>;

type EnteredManager<M> = M extends { [yieldingEnter](): infer V }
  ? WaitedValue<V>
  : M extends Future<infer R>
    ? EnteredManager<R>
    : M extends PromiseLike<infer R>
      ? EnteredManager<Awaited<R>>
      : M;

type WaitedValue<V> = V extends Future<infer R> ? R : V extends PromiseLike<infer R> ? Awaited<R> : V extends Generator<unknown, infer R, unknown> ? R : V;

/** What a result of enter or exit that must be waited for is waited with (see `toWaitable`). */
type Waitable = Future<unknown> | Generator<unknown, unknown, unknown>;

/** Whether `waitable` needs no wait: a settled Future, whose outcome is read at once. */
function isSettled(waitable: Waitable): waitable is Future<unknown> {
  return isFuture(waitable) && waitable._state !== PENDING;
}

/** Waits for `waitable`, for `wait()` (which hands out a generator). */
function* waitFor(waitable: Waitable): Generator<unknown, void, unknown> {
  yield* waitable;
}

/** An error exit threw in place of the body's `error`: it carries `error` as its cause. */
function chained(exitError: unknown, error: unknown): unknown {
  if (exitError !== error) setCause(exitError, error);
  return exitError;
}

function isPresent(x: unknown): boolean {
  return x !== undefined && x !== null;
}

function requireFunction(x: unknown, sourceText: string, key: string): Method {
  if (typeof x !== "function") throw new TypeError(`${sourceText}[${key}] is not a function`);
  return x as Method;
}

/** Gives `error` a `cause` when it has none of its own (and can take one). */
function setCause(error: unknown, cause: unknown): void {
  if (error === null || typeof error !== "object" || Object.hasOwn(error, "cause") || !Object.isExtensible(error)) return;
  Object.defineProperty(error, "cause", { value: cause, writable: true, configurable: true, enumerable: false });
}

/**
 * The TypeError for a `with` whose manager has no protocol. When it was a waitable, the
 * message says what waiting gave; `with (yielding lock.acquire())` (a common slip) also says
 * that the Lock or Semaphore itself is the context manager.
 */
function notAManager(sourceText: string, waited: boolean, result: unknown): TypeError {
  let message = `${sourceText} is not a yielding context manager`;
  if (waited) {
    message += `: waiting for it gave ${describe(result)}, which is not one either`;
    const acquired = /^(.+)\.acquire\(\)$/s.exec(sourceText);
    if (acquired) message += `; a Lock or Semaphore is itself a context manager: write \`with (yielding ${acquired[1]})\``;
  }
  return new TypeError(message);
}
