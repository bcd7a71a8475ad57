/**
 * `withContext`: the runtime half of `with (const b = yielding E) BODY` (SPEC §4). The
 * compiler emits this shape, one block per binding (several bindings nest left to right):
 *
 * ```js
 * { const _cm = withContext(E, "E"); yield* _cm.enter();
 *   try { const b = _cm.value; BODY }
 *   catch (_err) { yield* _cm.fail(_err); }
 *   finally { if (_cm.open) yield* _cm.exit(); } }
 * ```
 *
 * `enter()` finds the protocol and enters (exit is not called if that throws); the bound
 * value is assigned inside the `try`, as Python does, so a destructuring that fails still
 * exits. `fail(e)` exits after an error and rethrows it unless the manager suppressed it;
 * `exit()` exits after normal completion, `break`, `continue` or `return`. Exit runs once:
 * `fail` clears `open` before it calls the manager.
 */

import { SuppressedError } from "./errors.js";
import { Future, isCoroutine, isThenable, waitIfNeeded } from "./future.js";
import { yieldingEnter, yieldingExit } from "./symbols.js";

/** How a manager is entered and exited (SPEC §4.2 a–c). */
const enum Protocol {
  /** `[yieldingEnter]()` / `[yieldingExit](hasError, error)`. */
  EnterExit,
  /** `[Symbol.asyncDispose]()`, waited. */
  AsyncDispose,
  /** `[Symbol.dispose]()`. */
  Dispose,
}

// Symbol.asyncDispose / Symbol.dispose exist in Node ≥ 20 and recent browsers; where the
// platform lacks them, the disposable fallbacks simply never match.
const asyncDisposeSymbol: symbol | undefined = (Symbol as { asyncDispose?: symbol }).asyncDispose;
const disposeSymbol: symbol | undefined = (Symbol as { dispose?: symbol }).dispose;

type Method = (this: unknown, ...args: unknown[]) => unknown;

/**
 * The state of one `with` binding, made by `withContext`; used by compiled code.
 *
 * - `enter()` (to `yield*`) resolves the manager and enters it; the bound value is then in
 *   `value`, and `open` is true;
 * - `fail(error)` (to `yield*`) exits after the body threw `error`, and rethrows it unless
 *   the manager suppressed it;
 * - `exit()` (to `yield*`) exits after the body completed without an error.
 */
export class WithContext<T> {
  /** The value to bind, valid after `enter()` returned. */
  value: T = undefined as T;
  /** Whether the manager was entered and not yet exited: leaving the body must exit it. */
  open = false;
  private _manager: unknown;
  private _protocol = Protocol.EnterExit;
  private _exit: Method | null = null;

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
   * enters it, waiting for what enter returns. Suspends only for what is really pending.
   */
  *enter(): Generator<unknown, void, unknown> {
    let manager = this._manager;
    if (isCoroutine(manager) && !(manager instanceof Future)) manager = yield* manager;
    let enter = this._lookup(manager);
    if (enter === undefined) {
      if (manager instanceof Future || isThenable(manager)) {
        manager = yield* waitIfNeeded(manager);
        enter = this._lookup(manager);
      }
      if (enter === undefined) throw new TypeError(`${this._sourceText} is not a yielding context manager`);
    }
    this._manager = manager;
    this.value = (enter === null ? manager : yield* waitIfNeeded(enter.call(manager))) as T;
    this.open = true;
  }

  /**
   * The body threw `error`: exits, telling the manager (enter/exit protocol), and rethrows
   * `error` unless exit returned a truthy value. An error exit throws replaces `error`, with
   * `error` as its `cause` when that slot is free; a failing dispose throws
   * `SuppressedError(disposeError, error)`.
   */
  *fail(error: unknown): Generator<unknown, void, unknown> {
    this.open = false;
    if (this._protocol === Protocol.EnterExit) {
      let suppress: unknown;
      try {
        suppress = yield* waitIfNeeded(this._exit!.call(this._manager, true, error));
      } catch (exitError) {
        if (exitError !== error) setCause(exitError, error);
        throw exitError;
      }
      if (suppress) return;
      throw error;
    }
    try {
      yield* this._dispose();
    } catch (disposeError) {
      throw new SuppressedError(disposeError, error);
    }
    throw error;
  }

  /** The body completed (normally, `break`, `continue`, `return`): exits; exit's errors propagate. */
  *exit(): Generator<unknown, void, unknown> {
    this.open = false;
    if (this._protocol === Protocol.EnterExit) {
      yield* waitIfNeeded(this._exit!.call(this._manager, false, undefined));
    } else {
      yield* this._dispose();
    }
  }

  private *_dispose(): Generator<unknown, void, unknown> {
    const result = this._exit!.call(this._manager);
    if (this._protocol === Protocol.AsyncDispose) yield* waitIfNeeded(result);
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
      this._exit = requireFunction(exit, `${this._sourceText}[Symbol.for("yielding.exit")]`);
      return requireFunction(enter, `${this._sourceText}[Symbol.for("yielding.enter")]`);
    }
    if (asyncDisposeSymbol !== undefined && isPresent(object[asyncDisposeSymbol])) {
      this._protocol = Protocol.AsyncDispose;
      this._exit = requireFunction(object[asyncDisposeSymbol], `${this._sourceText}[Symbol.asyncDispose]`);
      return null;
    }
    if (disposeSymbol !== undefined && isPresent(object[disposeSymbol])) {
      this._protocol = Protocol.Dispose;
      this._exit = requireFunction(object[disposeSymbol], `${this._sourceText}[Symbol.dispose]`);
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

function isPresent(x: unknown): boolean {
  return x !== undefined && x !== null;
}

function requireFunction(x: unknown, what: string): Method {
  if (typeof x !== "function") throw new TypeError(`${what} is not a function`);
  return x as Method;
}

/** Gives `error` a `cause` when it has none of its own (and can take one). */
function setCause(error: unknown, cause: unknown): void {
  if (error === null || typeof error !== "object" || Object.hasOwn(error, "cause") || !Object.isExtensible(error)) return;
  Object.defineProperty(error, "cause", { value: cause, writable: true, configurable: true, enumerable: false });
}
