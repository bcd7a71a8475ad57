/**
 * `taskGroup()`: structured concurrency (asyncio's `TaskGroup`, a trio nursery). Tasks
 * spawned in a group live no longer than its `with` statement, and a failure anywhere in it
 * cancels the rest.
 */

import type { ContextManager } from "./context.js";
import { CancelledError } from "./errors.js";
import { FULFILLED, Future, REJECTED } from "./future.js";
import { reportUnhandled } from "./loop.js";
import { yieldingEnter, yieldingExit } from "./symbols.js";
import { Task, currentTask, markFailureHandled, type Coroutine } from "./task.js";

const NEW = 0;
const ENTERED = 1;
const EXITING = 2;
const CLOSED = 3;
type State = typeof NEW | typeof ENTERED | typeof EXITING | typeof CLOSED;

/** Why the group cancels the body's task when a child fails. */
const CHILD_FAILED = "a task of the group failed";

/**
 * A group of tasks tied to a `with` statement; make one with `taskGroup()`, once per
 * `with`. The bound value is the group: `g.spawn(coro)` starts a task in it.
 *
 * - **Exit waits** for every task of the group, cancelled ones included, so none outlives
 *   the block.
 * - **A failure cancels the rest.** When a task of the group ends with an error, or the
 *   body throws, the body (if still running) and every other task of the group are
 *   cancelled, and once they have all finished exit throws an `AggregateError` of the
 *   failures, in the order they happened. Cancellations are not failures: neither those
 *   the group caused nor a task of the group that someone else cancelled.
 * - **Cancellation wins.** If the task running the `with` is cancelled (in the body, or
 *   while exit waits), the group's tasks are cancelled too, and once they have finished
 *   that `CancelledError` goes on unchanged. Failures the group collected meanwhile are
 *   then reported as unhandled errors (stderr, `process.exitCode = 1`) rather than lost.
 * - **Failures are the group's to report**: a failed task of the group is never also
 *   reported as an error nobody waited for.
 *
 * ```js
 * with (const g = yielding taskGroup()) {
 *   const users = g.spawn(fetchUsers());
 *   const posts = g.spawn(fetchPosts());
 * }
 * // both have finished here: users.result(), posts.result()
 * ```
 */
export class TaskGroup implements ContextManager<TaskGroup> {
  /** @internal */
  _state: State = NEW;
  /** @internal The task that entered the group and runs its body. */
  _parent: Task<unknown> | null = null;
  /** @internal Tasks of the group still running. */
  readonly _children = new Set<Task<unknown>>();
  /** @internal Errors of the body and of the group's tasks, in the order they happened. */
  readonly _failures: unknown[] = [];
  /** @internal How many of `_failures` are the body's (0 or 1). */
  _bodyFailures = 0;
  /** @internal Set once the group cancels its tasks; later spawns are cancelled at once. */
  _abortReason: unknown = undefined;
  /** @internal */
  _aborting = false;
  /** @internal The cancellation the group requested on the body's task, if any. */
  _bodyCancel: CancelledError | null = null;
  /** @internal The cancellation of the body's task from elsewhere, which exit passes on. */
  _cancelled: CancelledError | null = null;
  /** @internal What exit waits on: settled when the last task of the group finishes. */
  _idle: Future<void> | null = null;
  /** @internal One done callback for every task of the group. */
  readonly _onDone = (task: Future<unknown>): void => this._childDone(task as Task<unknown>);

  /**
   * Starts `coro` as a task of the group, like `spawn()` (its first step runs on a later
   * turn), and returns the Task. It may be called from the body or from a task of the
   * group, until the group has finished exiting; after that it throws a `TypeError`. A task
   * spawned while the group is cancelling its tasks is cancelled at once, before it runs
   * any of its code.
   *
   * ```js
   * with (const g = yielding taskGroup()) {
   *   for (const url of urls) g.spawn(download(url));
   * }
   * ```
   */
  spawn<T>(coro: Coroutine<T>): Task<T> {
    if (this._state === NEW) {
      throw new TypeError(
        "TaskGroup.spawn(): the group has not been entered: spawn inside with (const g = yielding taskGroup()) { … }",
      );
    }
    if (this._state === CLOSED) {
      throw new TypeError(
        "TaskGroup.spawn(): the group has finished, its with-statement has exited: spawn while the group is open, or use spawn() for a task of its own",
      );
    }
    const task = new Task(coro);
    this._children.add(task);
    markFailureHandled(task);
    task.addDoneCallback(this._onDone);
    if (this._aborting) task.cancel(this._abortReason);
    return task;
  }

  /**
   * The context-manager protocol (SPEC §4): records the task running the body and binds
   * the group. Throws a `TypeError` outside a task, or when this group was entered before.
   */
  [yieldingEnter](): TaskGroup {
    if (this._state !== NEW) {
      throw new TypeError(
        "This task group was already entered: make one per with-statement, e.g. with (const g = yielding taskGroup()) { … }",
      );
    }
    const task = currentTask();
    if (task === undefined) {
      throw new TypeError("taskGroup() must be entered inside a task (a coroutine run by run() or spawn())");
    }
    this._parent = task;
    this._state = ENTERED;
    return this;
  }

  /**
   * The context-manager protocol (SPEC §4): waits for every task of the group, then throws
   * the `AggregateError` of the failures, or passes a cancellation on; a cancellation the
   * group caused in the body is suppressed. Returns at once when nothing is left to wait for.
   */
  [yieldingExit](hasError: boolean, error: unknown): boolean | Coroutine<boolean> {
    if (this._state !== ENTERED) throw new TypeError("TaskGroup: exit without a matching enter");
    this._state = EXITING;
    let ours = false;
    if (this._bodyCancel !== null) {
      // Take our request back: if it was not delivered it must not cancel the task later.
      const others = this._parent!._uncancel(this._bodyCancel);
      ours = hasError && error === this._bodyCancel && others === 0;
      this._bodyCancel = null;
    }
    if (hasError && !ours) {
      if (error instanceof CancelledError) this._cancelledBy(error);
      else this._fail(error, true);
    }
    return this._children.size === 0 ? this._close(hasError, error) : this._exitLater(hasError, error);
  }

  /** @internal Waits for the group's tasks; a cancellation meanwhile cancels them, and exit goes on waiting. */
  private *_exitLater(hasError: boolean, error: unknown): Coroutine<boolean> {
    while (this._children.size > 0) {
      try {
        yield* (this._idle ??= new Future<void>());
      } catch (thrown) {
        if (thrown instanceof CancelledError) this._cancelledBy(thrown);
        else this._fail(thrown, true);
      }
    }
    return this._close(hasError, error);
  }

  /** @internal Every task of the group has finished: the outcome of the `with`. */
  private _close(hasError: boolean, error: unknown): boolean {
    this._state = CLOSED;
    this._parent = null;
    const failures = this._failures;
    const cancelled = this._cancelled;
    if (cancelled !== null) {
      for (const failure of failures) reportUnhandled(failure, "Error in a task group whose task was cancelled:");
      if (hasError && error === cancelled) return false;
      throw cancelled;
    }
    if (failures.length > 0) throw new AggregateError(failures, failureMessage(failures.length - this._bodyFailures, this._bodyFailures > 0));
    // Only the group's own cancellation of the body can be left here: suppress it.
    return hasError;
  }

  /** @internal A task of the group finished. */
  private _childDone(task: Task<unknown>): void {
    this._children.delete(task);
    if (task._state === REJECTED && !(task._value instanceof CancelledError)) this._fail(task._value, false);
    if (this._children.size === 0 && this._idle !== null) {
      const idle = this._idle;
      this._idle = null;
      idle._settle(FULFILLED, undefined);
    }
  }

  /** @internal A failure: record it, and cancel the rest (the body too while it runs). */
  private _fail(error: unknown, inBody: boolean): void {
    // A task's error the body rethrew (it waited for that task) is one failure, not two.
    if (error !== null && (typeof error === "object" || typeof error === "function") && this._failures.includes(error)) return;
    this._failures.push(error);
    if (inBody) this._bodyFailures++;
    this._cancelChildren(inBody ? "the body of the task group failed" : "another task of the group failed");
    const parent = this._parent;
    if (this._state === ENTERED && this._bodyCancel === null && parent !== null) {
      this._bodyCancel = parent._requestCancel(CHILD_FAILED);
    }
  }

  /** @internal The body's task was cancelled from elsewhere: pass that on to the group's tasks. */
  private _cancelledBy(error: CancelledError): void {
    this._cancelled = error;
    this._cancelChildren(error.reason);
  }

  /**
   * @internal Cancels every task of the group still running, and those spawned from now
   * on. Once: a task already cancelled is left to finish its cleanup, not interrupted again.
   */
  private _cancelChildren(reason: unknown): void {
    if (this._aborting) return;
    this._aborting = true;
    this._abortReason = reason;
    for (const child of this._children) child.cancel(reason);
  }
}

function failureMessage(tasks: number, body: boolean): string {
  const some = `${tasks} task${tasks === 1 ? "" : "s"}`;
  if (!body) return `${some} of the group failed`;
  return tasks === 0 ? "the body of the group failed" : `the body and ${some} of the group failed`;
}

/**
 * A task group (asyncio's `TaskGroup`, a trio nursery), for
 * `with (const g = yielding taskGroup()) { … }`: `g.spawn(coro)` starts a task in it, and
 * the `with` statement ends only when all of them have. If one fails (or the body throws),
 * the body and the other tasks are cancelled, and the statement throws an
 * `AggregateError` of the failures. If the task running it is cancelled, the group's tasks
 * are cancelled too and the `CancelledError` goes on. Make one per `with`.
 *
 * ```js
 * function* fetchAll(urls) {
 *   const tasks = [];
 *   with (const g = yielding taskGroup()) {
 *     for (const url of urls) tasks.push(g.spawn(download(url)));
 *   }
 *   return tasks.map((t) => t.result());   // all done; or an AggregateError was thrown
 * }
 * ```
 */
export function taskGroup(): TaskGroup {
  return new TaskGroup();
}
