/**
 * `yielding/runtime`: what compiled code imports, and the API for writing coroutines by
 * hand. Dependency-free; runs in Node and browsers.
 */

export { Future, sleep, wait, type DoneCallback, type Thenable } from "./future.js";
export { Task, checkpoint, currentTask, run, spawn, type Coroutine } from "./task.js";
export {
  CancelledError,
  QueueClosedError,
  SuppressedError,
  TimeoutError,
  WouldBlockError,
  type SuppressedErrorConstructor,
} from "./errors.js";
export { yieldingEnter, yieldingExit, yieldingIterator } from "./symbols.js";
export { Iteration, iterate, type YieldingIterable, type YieldingIterator } from "./iterate.js";
export { WithContext, withContext, type Entered } from "./with.js";
export { firstIterable, lazy, lazyStream } from "./comprehension.js";
export { runSync } from "./run-sync.js";
export { asCompleted, gather, race, waitFor, type Waitable, type WaitResult } from "./combinators.js";
export { shield } from "./shield.js";
export { Event, Lock, Semaphore } from "./sync.js";
export { Condition, type Truthy } from "./condition.js";
export { Barrier, BrokenBarrierError } from "./barrier.js";
export { Queue, type TryGetResult } from "./queue.js";
export { Stream, stream, toAsyncIterable, type Emit } from "./stream.js";
export { contextManager, type ContextManager, type Provide } from "./context.js";
export { Timeout, timeout } from "./timeout.js";
export { TaskGroup, taskGroup } from "./task-group.js";
