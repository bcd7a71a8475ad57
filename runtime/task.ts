/**
 * `Task`: a Future that drives a coroutine, and the functions that make and schedule tasks
 * (`run`, `spawn`, `currentTask`, `checkpoint`).
 */

import { CancelledError } from "./errors.js";
import {
  FULFILLED,
  Future,
  PENDING,
  REJECTED,
  describe,
  fromThenable,
  isCoroutine,
  isFuture,
  isNativePromise,
  thenOf,
  type ThenMethod,
  type Waiter,
} from "./future.js";
import { cancelOnInterrupt } from "./interrupt.js";
import { callOnHostTurn, callSoon, callSoonFromHost, currentTaskSlot, reportUnhandled } from "./loop.js";
import { brandClass, taskBrand } from "./symbols.js";

/**
 * A coroutine: a generator object made by a generator function. It waits with `yield*` on
 * a Future, Task, coroutine or `wait(x)`, and gives other tasks a turn with a bare `yield`.
 * Its return value is the task's result.
 */
export type Coroutine<T = unknown> = Generator<unknown, T, unknown>;

/** The tasks a `run()` tracks: its main task and every task spawned under it. */
type Scope = Set<Task<unknown>>;

const NEXT = 0;
const THROW = 1;

/** The task running now, in the slot every copy of the runtime shares (see loop.ts). */
const running = currentTaskSlot as { task: Task<unknown> | undefined };

/** What a task's `_waitingOn` holds until its first step: a future that never settles. */
const NOT_STARTED: Future<unknown> = new Future();
/** What it holds while it waits for a native Promise (see `PromiseWait`). */
const ON_PROMISE: Future<unknown> = new Future();

/** @internal A task's cancellation requests; made by its first `cancel()`, as few tasks get one. */
interface Cancellation {
  /** A cancellation requested but not yet thrown into the coroutine. */
  pending: CancelledError | null;
  /** How many `cancel()` calls `pending` stands for: a call that finds one on its way joins it. */
  pendingRequests: number;
  /** The one most recently thrown into the coroutine. */
  delivered: CancelledError | undefined;
  /** How many requests `delivered` stood for, less those withdrawn since (`_uncancel`). */
  deliveredRequests: number;
}

/**
 * A Future that drives a coroutine to its end; the task's result is the coroutine's return
 * value (or its error). Make one with `spawn(coro)`: its first step runs on a later turn.
 *
 * The coroutine runs until it waits for something not yet settled, then the task parks
 * until that settles. It may yield a Future or Task (wait for it), a thenable (wait for
 * it), or nothing (a bare `yield`: go to the back of the ready queue). Anything else throws a
 * `TypeError` into the coroutine at that point.
 *
 * `cancel()` throws a `CancelledError` into the coroutine where it is suspended, so its
 * `finally` blocks run; a task cancelled before its first step runs none of its code.
 *
 * ```js
 * const t = spawn(fetchAll(urls));
 * const pages = yield* t;       // or: await t
 * ```
 */
export class Task<T = unknown> extends Future<T> implements Waiter {
  // A sleeping task should cost a few hundred bytes: rarely used state is kept out of the
  // task's own fields (cancellations in a record of their own, "not started" as a marker).
  /** @internal */
  declare _coro: Coroutine<T>;
  /** @internal */
  declare _scope: Scope | null;
  /** @internal The future the coroutine is parked on; `NOT_STARTED` before its first step. */
  declare _waitingOn: Future<unknown> | null;
  /** @internal */
  declare _cancellation: Cancellation | null;
  /** @internal How it waits for native Promises; made on its first such wait. */
  declare _promiseWait: PromiseWait | null;

  /**
   * Makes a task for `coro` and schedules its first step. Prefer `spawn(coro)`. The task
   * belongs to the current task's `run()`, which cancels it if it is still pending when the
   * main task ends.
   */
  constructor(coro: Coroutine<T>) {
    super();
    if (!isCoroutine(coro) || isFuture(coro)) {
      throw new TypeError(
        `${describe(coro)} is not a coroutine: pass a generator object, e.g. spawn(main()) rather than spawn(main)`,
      );
    }
    this._coro = coro;
    const current = running.task;
    this._scope = current === undefined ? null : current._scope;
    this._waitingOn = NOT_STARTED;
    this._cancellation = null;
    this._promiseWait = null;
    this._scope?.add(this);
    callSoon(resume, this);
  }

  /**
   * The `CancelledError` most recently thrown into this task's coroutine, if any. Code in
   * the task compares a caught error with it to tell "this task was cancelled here" from
   * "something I waited for failed with some CancelledError". A cancellation that a
   * `timeout()` or a task group caused, and took back when its block exited, is cleared.
   */
  get deliveredCancellation(): CancelledError | undefined {
    return this._cancellation === null ? undefined : this._cancellation.delivered;
  }

  /** @internal A cancellation requested but not yet thrown into the coroutine. */
  get _cancelPending(): CancelledError | null {
    return this._cancellation === null ? null : this._cancellation.pending;
  }

  /** @internal Whether the coroutine has taken its first step (or was closed before it). */
  get _started(): boolean {
    return this._waitingOn !== NOT_STARTED;
  }

  /** Tasks settle when their coroutine ends: this throws a `TypeError`. */
  override setResult(_value: T): never {
    throw new TypeError("A task's result is set by its coroutine, not by setResult()");
  }

  /** Tasks settle when their coroutine ends: this throws a `TypeError`. */
  override setError(_error: unknown): never {
    throw new TypeError("A task's error is set by its coroutine, not by setError()");
  }

  /**
   * Requests cancellation; returns whether a new request was made (`false` when the task
   * has settled or a request is already on its way).
   *
   * - Not started yet: the coroutine is closed without running any of its code and the task
   *   settles with a `CancelledError`.
   * - Waiting for a child Task: the child is cancelled too, and this task gets its
   *   `CancelledError` once the child has finished, so the child cleans up first.
   * - Waiting for anything else: it stops waiting and gets its `CancelledError` on the next turn.
   * - Running (it cancelled itself): delivered at its next suspension point.
   *
   * A cancellation is thrown once; cleanup code may then wait normally. If the coroutine
   * catches it and returns, the task settles with that value.
   */
  override cancel(reason?: unknown): boolean {
    if (this._state !== PENDING) return false;
    if (this._waitingOn === NOT_STARTED) {
      this._waitingOn = null;
      const coro = this._coro;
      let outcome: unknown = new CancelledError(reason);
      try {
        // On a generator that has not started, return() runs none of its code.
        if (typeof coro.return === "function") coro.return(undefined as T);
      } catch (error) {
        outcome = error;
      }
      this._finish(REJECTED, outcome);
      return true;
    }
    if (this._cancellation === null) {
      this._cancellation = { pending: null, pendingRequests: 0, delivered: undefined, deliveredRequests: 0 };
    }
    const cancellation = this._cancellation;
    if (cancellation.pending !== null) {
      cancellation.pendingRequests++;
      return false;
    }
    cancellation.pending = new CancelledError(reason);
    cancellation.pendingRequests = 1;
    const waitingOn = this._waitingOn;
    if (waitingOn !== null && waitingOn._state === PENDING) {
      if (isTask(waitingOn)) {
        waitingOn.cancel(reason);
      } else {
        if (waitingOn === ON_PROMISE) {
          // Cut the reactions loose: the Promise settling later must not resume this task.
          this._promiseWait!._task = null;
          this._promiseWait = null;
        }
        waitingOn._removeWaiter(this);
        this._waitingOn = null;
        waitingOn._abandon();
        callSoon(resume, this);
      }
    }
    return true;
  }

  /**
   * @internal A cancellation request its maker can take back with `_uncancel` (what a
   * `timeout()` or a task group makes on the task that entered it), as asyncio's
   * `Task.cancel()` paired with `Task.uncancel()`. It is delivered like any other; a request
   * already on its way is joined rather than replaced. Returns the `CancelledError` that
   * stands for it, to recognise when it arrives and to pass to `_uncancel`; `null` when the
   * task has settled (or it was cancelled before its first step, which settles it).
   */
  _requestCancel(reason: unknown): CancelledError | null {
    if (this._state !== PENDING) return null;
    this.cancel(reason);
    return this._cancelPending;
  }

  /**
   * @internal Takes back one request that `_requestCancel` made and that `error` stands
   * for. While `error` is still on its way and no other request joined it, it is dropped:
   * the task will not be cancelled by it. Returns how many requests `error` still stands
   * for: 0 when it was this one's alone (or is neither on its way nor the one last thrown).
   * A thrown one taken back by every request it stood for is no longer the task's
   * `deliveredCancellation`, so `run()` still cancels the task when it ends.
   */
  _uncancel(error: CancelledError): number {
    const cancellation = this._cancellation;
    if (cancellation === null) return 0;
    if (cancellation.pending === error) {
      if (--cancellation.pendingRequests === 0) cancellation.pending = null;
      return cancellation.pendingRequests;
    }
    if (cancellation.delivered === error && cancellation.deliveredRequests > 0) {
      // Taken back by all who asked: the task is no longer on its way out.
      if (--cancellation.deliveredRequests === 0) cancellation.delivered = undefined;
      return cancellation.deliveredRequests;
    }
    return 0;
  }

  /** @internal The future this task waits for has settled. */
  _wake(): void {
    const future = this._waitingOn!;
    this._waitingOn = null;
    if (this._cancelPending !== null && isTask(future)) future._reportOverriddenError();
    if (future._state === FULFILLED) this._step(NEXT, future._value);
    else this._step(THROW, future._value);
  }

  /**
   * @internal Runs the coroutine, without recursion, until it waits for something pending,
   * checkpoints or ends.
   */
  _step(mode: typeof NEXT | typeof THROW, input: unknown): void {
    if (this._state !== PENDING) return;
    if (this._waitingOn === NOT_STARTED) this._waitingOn = null;
    const coro = this._coro;
    const previous = running.task;
    running.task = this;
    try {
      for (;;) {
        const cancellation = this._cancellation;
        if (cancellation !== null && cancellation.pending !== null) {
          input = cancellation.delivered = cancellation.pending;
          cancellation.deliveredRequests = cancellation.pendingRequests;
          cancellation.pending = null;
          cancellation.pendingRequests = 0;
          mode = THROW;
        }
        let step: IteratorResult<unknown, T>;
        try {
          step = mode === NEXT ? coro.next(input) : coro.throw(input);
        } catch (error) {
          this._finish(REJECTED, error);
          return;
        }
        if (step.done) {
          this._finish(FULFILLED, step.value);
          return;
        }
        const yielded = step.value;
        let future: Future<unknown>;
        if (isFuture(yielded)) {
          future = yielded;
        } else if (yielded === undefined) {
          if (this._cancelPending !== null) continue;
          callSoon(resume, this);
          return;
        } else {
          // A thenable: its `then` is read once, here, as `await` reads it.
          let then: ThenMethod | undefined;
          try {
            then = thenOf(yielded);
          } catch (error) {
            mode = THROW;
            input = error;
            continue;
          }
          if (then === undefined || isCoroutine(yielded)) {
            mode = THROW;
            input = new TypeError(notWaitable(yielded));
            continue;
          }
          if (isNativePromise(yielded, then)) {
            if (this._cancelPending !== null) continue;
            this._waitingOn = ON_PROMISE;
            (this._promiseWait ??= new PromiseWait(this))._wait(yielded);
            return;
          }
          future = fromThenable(yielded, then);
        }
        if (future._state !== PENDING) {
          future._observed = true;
          mode = future._state === FULFILLED ? NEXT : THROW;
          input = future._value;
          continue;
        }
        if (future === this) {
          mode = THROW;
          input = new TypeError("A task cannot wait for itself");
          continue;
        }
        if (this._cancelPending !== null && !isTask(future)) {
          future._abandon();
          continue;
        }
        this._waitingOn = future;
        future._addWaiter(this);
        if (this._cancelPending !== null) future.cancel(this._cancelPending.reason);
        return;
      }
    } finally {
      running.task = previous;
    }
  }

  /**
   * @internal This task, a child, failed while its parent was being cancelled: the parent
   * gets its own CancelledError, so the child's error is reported rather than lost (unless
   * its owner reports it: `markFailureHandled`). A method, so that the copy of the runtime
   * that made the task, whose owner marked it, decides.
   */
  _reportOverriddenError(): void {
    if (this._state === REJECTED && !(this._value instanceof CancelledError) && !failureHandled.has(this)) {
      reportUnhandled(this._value, "Error in a child task while its parent was being cancelled:");
    }
  }

  /** @internal */
  _finish(state: typeof FULFILLED | typeof REJECTED, value: unknown): void {
    if (state === FULFILLED && this._cancelPending !== null) {
      // Cancelled while running and ended without suspending again: cancelled, as in asyncio.
      state = REJECTED;
      value = this._cancelPending;
    }
    if (this._cancellation !== null) {
      this._cancellation.pending = null;
      this._cancellation.pendingRequests = 0;
    }
    this._scope?.delete(this);
    this._settle(state, value);
    if (state === REJECTED && !this._observed && !(value instanceof CancelledError)) watchUnhandled(this);
  }
}

brandClass(Task, taskBrand, true);

/**
 * @internal Whether `x` is a Task made by any copy of the runtime: a brand check, where a
 * plain `instanceof` would miss the Tasks of another copy (`x instanceof Task` is this same
 * check, see `brandClass`).
 */
export function isTask(x: unknown): x is Task<unknown> {
  // Only objects: reading a symbol off a primitive boxes it first, slow on the paths that ask.
  return typeof x === "object" && x !== null && (x as { [taskBrand]?: unknown })[taskBrand] === true;
}

function resume(task: Task<unknown>): void {
  task._step(NEXT, undefined);
}

/**
 * @internal How a task waits for a native Promise with no Future and no closures per wait:
 * one pair of reactions per task, reused for every Promise it waits for. A Promise's
 * reaction runs on a microtask of its own, so the task's step runs right there when the
 * ready queue is idle, else it is queued in order (see `callSoonFromHost`). A task that stops
 * waiting (cancelled) cuts its pair loose, so a Promise settling later does nothing.
 */
class PromiseWait {
  /** @internal The task waiting; null once cut loose. */
  declare _task: Task<unknown> | null;
  /** @internal How to resume it, and with what, between the settlement and its step. */
  declare _mode: typeof NEXT | typeof THROW;
  declare _outcome: unknown;
  declare readonly _onFulfilled: (value: unknown) => void;
  declare readonly _onRejected: (error: unknown) => void;

  constructor(task: Task<unknown>) {
    this._task = task;
    this._mode = NEXT;
    this._outcome = undefined;
    this._onFulfilled = (value) => this._settled(NEXT, value);
    this._onRejected = (error) => this._settled(THROW, error);
  }

  /** Waits for `promise` with the built-in `then` (its `then` was read once already). */
  _wait(promise: Promise<unknown>): void {
    void promiseThen.call(promise, this._onFulfilled, this._onRejected);
  }

  private _settled(mode: typeof NEXT | typeof THROW, outcome: unknown): void {
    const task = this._task;
    if (task === null || task._waitingOn !== ON_PROMISE) return;
    task._waitingOn = null;
    this._mode = mode;
    this._outcome = outcome;
    callSoonFromHost(resumeFromPromise, this);
  }
}

const promiseThen = Promise.prototype.then;

function resumeFromPromise(wait: PromiseWait): void {
  const outcome = wait._outcome;
  wait._outcome = undefined;
  wait._task!._step(wait._mode, outcome);
}

let unobserved: Task<unknown>[] = [];

/**
 * A task failed and nobody has asked for its outcome yet. Give them until a later host turn
 * (after pending microtasks, so `await spawn(…)` counts), then report it: like Node's
 * unhandled rejections, an error nobody waits for is never silently lost.
 */
function watchUnhandled(task: Task<unknown>): void {
  if (unobserved.length === 0) callOnHostTurn(reportUnobserved);
  unobserved.push(task);
}

function reportUnobserved(): void {
  const failed = unobserved;
  unobserved = [];
  for (const task of failed) {
    if (task._observed) continue;
    task._observed = true;
    reportUnhandled(task._value, "Unhandled error in a task whose result nobody retrieved:");
  }
}

/** Tasks whose failure their owner reports (a task group's children): see `markFailureHandled`. */
const failureHandled = new WeakSet<Task<unknown>>();

/**
 * @internal `task`'s failure is taken care of by its owner (a task group collects it in its
 * `AggregateError`), so a parent cancelled while waiting for `task` does not report it too.
 */
export function markFailureHandled(task: Task<unknown>): void {
  failureHandled.add(task);
}


function notWaitable(value: unknown): string {
  if (isCoroutine(value)) {
    return "A coroutine yielded a coroutine (generator object) to its task: use yield* to run it";
  }
  return (
    `A coroutine yielded ${describe(value)} to its task, which is not waitable: ` +
    "yield a Future, Task or Promise, use yield* for a coroutine, or a bare yield to give other tasks a turn"
  );
}

/**
 * The task running right now, or `undefined` outside any task.
 *
 * ```js
 * function* worker() { const me = currentTask(); … }
 * ```
 */
export function currentTask(): Task<unknown> | undefined {
  return running.task;
}

/**
 * Starts `coro` as a new task; its first step runs on a later turn (asyncio's
 * `create_task`). The task belongs to the current task's `run()`: if still pending when
 * that run's main task ends, it is cancelled and its cleanup awaited.
 *
 * ```js
 * const t = spawn(download(url));
 * …
 * const body = yield* t;
 * ```
 */
export function spawn<T>(coro: Coroutine<T>): Task<T> {
  return new Task(coro);
}

/**
 * Gives other tasks a turn: `yield* checkpoint()` sends the task to the back of the ready
 * queue, exactly as a bare `yield` does, and is where a pending cancellation is delivered.
 *
 * ```js
 * for (const row of rows) { process(row); yield* checkpoint(); }
 * ```
 */
export function* checkpoint(): Generator<undefined, void, unknown> {
  yield;
}

/**
 * Runs `coro` as the main task and returns a Promise of its outcome: the usual entry point.
 * When the main task ends, every task spawned under it (directly or transitively) that is
 * still pending is cancelled, and the Promise settles only after their cleanup has finished,
 * as `asyncio.run` does. Errors from that cleanup are reported, not lost. In Node, the first
 * Ctrl-C (SIGINT) while it runs cancels the main task, and a second one ends the process
 * (see interrupt.ts).
 *
 * ```js
 * function* main() { yield* sleep(10); return "done"; }
 * run(main()).then(console.log);   // "done"
 * ```
 */
export function run<T>(coro: Coroutine<T>): Promise<T> {
  const scope: Scope = new Set();
  const saved = running.task;
  running.task = undefined;
  let main: Task<T>;
  try {
    main = new Task(coro);
  } finally {
    running.task = saved;
  }
  main._scope = scope;
  scope.add(main);
  const uncover = cancelOnInterrupt(main);
  return new Promise<T>((resolve, reject) => {
    main.addDoneCallback(() =>
      shutdown(scope, () => {
        uncover();
        if (main._state === FULFILLED) resolve(main._value as T);
        else reject(main._value);
      }),
    );
  });
}

/** Cancels what is left in `scope`, waits for it, repeats until empty, then calls `done`. */
function shutdown(scope: Scope, done: () => void): void {
  if (scope.size === 0) return done();
  const left = [...scope];
  let pending = left.length;
  for (const task of left) {
    const watched = task._observed;
    // Tasks already on their way out (cancelled, cleaning up) are left to finish.
    if (task._cancelPending === null && task.deliveredCancellation === undefined) task.cancel("run() ended");
    task.addDoneCallback(() => {
      if (!watched && task._state === REJECTED && !(task._value instanceof CancelledError)) {
        reportUnhandled(task._value, "Error in a task cancelled when run() ended:");
      }
      if (--pending === 0) shutdown(scope, done);
    });
  }
}
