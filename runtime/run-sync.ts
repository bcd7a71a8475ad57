/**
 * `runSync`: the blocking bridge. Runs a coroutine to its end on the calling thread and
 * returns its result, so synchronous code can call coroutine code. Browser-safe.
 */

import { WouldBlockError } from "./errors.js";
import { PENDING } from "./future.js";
import { runUntil } from "./loop.js";
import { Task, currentTask, type Coroutine } from "./task.js";

/** Why runSync() cannot wait for a Promise, whether or not it has settled. */
const NO_PROMISES =
  "a Promise delivers its result only through the host's microtask queue, which cannot run while runSync() blocks the thread. " +
  'Use run() from async code, or blockOn() from "yielding/threads" to run the coroutine in a worker thread.';

const WOULD_BLOCK =
  "runSync() cannot wait for a Promise, settled or not (nor for a thenable, or a Future that nothing on the yielding loop will settle): " +
  NO_PROMISES;

const CLEANUP_WOULD_BLOCK =
  "runSync(): the coroutine ended, but a task it spawned waits for a Promise (settled or not) while being cancelled: " +
  NO_PROMISES;

const NESTED =
  "runSync() was called inside a running task: it would have to drive the loop that task is running on. " +
  "Inside a coroutine write `yield* coro` instead; runSync() is for synchronous code outside coroutines.";

/**
 * Runs `coro` as a main task on the calling thread, driving the yielding loop synchronously
 * until it ends, and returns its result (or throws its error). Timers work: a
 * `yield* sleep(50)` blocks the thread for about 50 ms. Tasks the coroutine spawns run too;
 * those still pending when it ends are cancelled and their cleanup runs before `runSync`
 * returns, as with `run()`.
 *
 * It cannot wait for a Promise, even one already settled (its result arrives only on the
 * host's microtask queue, which does not run while the thread is blocked), nor for a Future
 * only code outside the loop would settle: when the loop has no ready task and no timer left
 * while the coroutine still waits, the coroutine is cancelled (its `finally` blocks run) and
 * `runSync` throws `WouldBlockError`. Calling it inside a running task throws
 * `WouldBlockError` at once.
 *
 * It drives the one loop of the process (shared by every copy of the runtime loaded in it),
 * so tasks started elsewhere (by a `run()` still in progress) also take their steps and
 * their due timers fire meanwhile; and while any timer is pending it waits for it before
 * deciding that it would block, since the loop cannot know what a timer's task will settle.
 * A `toThread()` future, settled by the host's event loop, is one more thing it cannot wait
 * for.
 *
 * ```js
 * import { runSync, sleep, spawn } from "yielding/runtime";
 *
 * function* main() {
 *   const child = spawn(function* () { yield* sleep(20); return 1; }());
 *   yield* sleep(30);
 *   return (yield* child) + 1;
 * }
 * console.log(runSync(main()));   // 2, after about 30 ms
 * ```
 */
export function runSync<T>(coro: Coroutine<T>): T {
  if (currentTask() !== undefined) throw new WouldBlockError(NESTED);
  const scope = new Set<Task<unknown>>();
  const main = new Task(coro);
  main._scope = scope;
  scope.add(main);
  if (!runUntil(() => main._state !== PENDING)) {
    runUntil(allDone(cancelAll(scope, "runSync() would block")));
    throw new WouldBlockError(WOULD_BLOCK);
  }
  // As run() does: cancel what is left, wait for its cleanup, repeat for tasks it spawned.
  while (scope.size > 0) {
    if (!runUntil(allDone(cancelAll(scope, "runSync() ended")))) throw new WouldBlockError(CLEANUP_WOULD_BLOCK);
  }
  return main.result();
}

/** Cancels every task in `scope` not already on its way out; returns them all. */
function cancelAll(scope: Set<Task<unknown>>, reason: string): Task<unknown>[] {
  const tasks = [...scope];
  for (const task of tasks) {
    if (task._cancelPending === null && task.deliveredCancellation === undefined) task.cancel(reason);
  }
  return tasks;
}

/** A `runUntil` predicate: every task in `tasks` has settled (amortized O(1) per call). */
function allDone(tasks: Task<unknown>[]): () => boolean {
  let i = 0;
  return () => {
    while (i < tasks.length && tasks[i]!._state !== PENDING) i++;
    return i === tasks.length;
  };
}
