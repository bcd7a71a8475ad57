/**
 * `with (const v = yielding manager) body`, written out by hand as the compiler lowers it
 * (SPEC §4, protocol a), for runtime tests of context managers until they can use compiled
 * code:
 *
 *   { const _cm = _withContext(m); yield* _cm.enter();
 *     try { const v = _cm.value; BODY } catch (_err) { yield* _cm.fail(_err); }
 *     finally { if (_cm.open) yield* _cm.exit(); } }
 *
 * enter is called and its result waited if it is a waitable; exit is called exactly once,
 * waited: `exit(true, e)` after an error (a truthy result suppresses `e`, an error it throws
 * that is not `e` replaces it, with `e` as its `cause` when that slot is free), else
 * `exit(false, undefined)`. Returns what the body returns (`undefined` when an error was
 * suppressed).
 */
import { Future, wait, yieldingEnter, yieldingExit, type ContextManager } from "../../runtime/index.js";

export function* withManager<T, R>(
  manager: ContextManager<T>,
  body: (value: T) => Generator<unknown, R, unknown> | Future<R>,
): Generator<unknown, R | undefined, unknown> {
  const value = (yield* settle(manager[yieldingEnter]())) as T;
  let open = true;
  try {
    return yield* body(value);
  } catch (err) {
    open = false;
    let suppress: unknown;
    try {
      suppress = yield* settle(manager[yieldingExit](true, err));
    } catch (thrown) {
      if (thrown !== err && thrown !== null && typeof thrown === "object" && !Object.hasOwn(thrown, "cause")) {
        (thrown as Error).cause = err;
      }
      throw thrown;
    }
    if (!suppress) throw err;
    return undefined;
  } finally {
    if (open) {
      open = false;
      yield* settle(manager[yieldingExit](false, undefined));
    }
  }
}

/** Waits for `x` if it is a waitable (Future, coroutine, thenable); returns anything else as is. */
function* settle(x: unknown): Generator<unknown, unknown, unknown> {
  if (x instanceof Future) return yield* x;
  if (x !== null && typeof x === "object" && typeof (x as Generator).next === "function" && typeof (x as Generator).throw === "function") {
    return yield* x as Generator<unknown, unknown, unknown>;
  }
  if (x !== null && typeof x === "object" && typeof (x as PromiseLike<unknown>).then === "function") {
    return yield* wait(x as PromiseLike<unknown>);
  }
  return x;
}
