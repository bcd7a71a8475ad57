/**
 * `yielding/threads` (Node only): the essay's thread bridges.
 *
 * - `toThread(moduleUrl, exportName, ...args)` runs a blocking function on a shared pool of
 *   worker threads (piscina) and returns a `Future` of its result;
 * - `blockOn(moduleUrl, exportName, ...args)` runs a coroutine in a worker thread and blocks
 *   the calling thread until it ends, so synchronous code can use asynchronous I/O.
 *
 * Functions cross the thread boundary by name: a worker imports `moduleUrl` and calls its
 * export `exportName`. Arguments and results are structured-cloned; an error comes back with
 * its original name, message, stack and `cause`.
 */

import { availableParallelism } from "node:os";
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { Piscina } from "piscina";
import { Future } from "./future.js";
import { reportUnhandled } from "./loop.js";
import {
  CLAIMED,
  CRASHED,
  DONE,
  PENDING,
  ROLE,
  STATE_MASK,
  SUPERVISOR_BOOT,
  controlValue,
  decodeThrown,
  isThrown,
  workerExecArgv,
  type BlockingJob,
  type CrashReport,
  type Job,
  type Outcome,
  type SupervisorData,
} from "./threads-worker.js";

const WORKER_URL = new URL("./threads-worker.js", import.meta.url);

/**
 * A worker thread died while running a `toThread` or `blockOn` call: it called
 * `process.exit()`, threw an error nothing caught (in a callback, say), ran out of memory,
 * or was terminated. `exitCode` is the thread's exit code when it is known, and `cause` the
 * error that killed it, if any. The pool replaces the thread; later calls are unaffected.
 *
 * ```js
 * import { run } from "yielding/runtime";
 * import { WorkerCrashedError, toThread } from "yielding/threads";
 *
 * await run(function* () {
 *   try {
 *     yield* toThread("node:process", "exit", 3);
 *   } catch (e) {
 *     console.log(e instanceof WorkerCrashedError, e.exitCode);   // true 3
 *   }
 * }());
 * ```
 */
export class WorkerCrashedError extends Error {
  override name = "WorkerCrashedError";
  /** The worker thread's exit code, when known. */
  readonly exitCode: number | undefined;
  constructor(message: string, exitCode?: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.exitCode = exitCode;
  }
}

// ---------------------------------------------------------------------------------------
// The pool.

/** Options of the `toThread` pool (see `configureThreads`). */
export interface ThreadsOptions {
  /** Most threads the pool runs at once. Default: `os.availableParallelism()`. */
  maxThreads?: number;
  /** Threads kept even when idle (idle threads never keep the process alive). Default: half the cores, at least 1. */
  minThreads?: number;
  /** Milliseconds an idle thread above `minThreads` lives on. Default: 1000. */
  idleTimeout?: number;
}

let options: ThreadsOptions = {};
let pool: Piscina | undefined;

function getPool(): Piscina {
  if (pool !== undefined) return pool;
  const maxThreads = options.maxThreads ?? availableParallelism();
  const created = new Piscina({
    filename: WORKER_URL.href,
    workerData: { [ROLE]: "pool" },
    execArgv: workerExecArgv(),
    maxThreads,
    minThreads: Math.min(options.minThreads ?? Math.max(1, Math.floor(availableParallelism() / 2)), maxThreads),
    idleTimeout: options.idleTimeout ?? 1000,
  });
  // A thread that fails while running no task: nobody waits for that error, so report it.
  created.on("error", (error: unknown) => reportUnhandled(error, "Error in a toThread() worker thread:"));
  pool = created;
  return created;
}

/**
 * Sets the options of the `toThread` pool. The pool is created lazily, on the first
 * `toThread` call; if it already exists, later calls go to a new pool with these options
 * while the old one finishes its tasks and closes.
 *
 * ```js
 * import { configureThreads } from "yielding/threads";
 * configureThreads({ maxThreads: 2 });
 * ```
 */
export function configureThreads(newOptions: ThreadsOptions): void {
  for (const key of ["maxThreads", "minThreads", "idleTimeout"] as const) {
    const value = newOptions[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= (key === "maxThreads" ? 1 : 0))) {
      throw new RangeError(`configureThreads(): ${key} must be an integer of at least ${key === "maxThreads" ? 1 : 0}, not ${value}`);
    }
  }
  options = { ...newOptions };
  const old = pool;
  pool = undefined;
  if (old !== undefined) closePool(old);
}

/**
 * Closes the `toThread` pool, once the tasks it is running have finished (tasks still
 * queued are rejected), and stops the `blockOn` threads. A later `toThread` or `blockOn`
 * starts new ones. Idle threads never keep a process alive, so calling this is optional;
 * it is for tests and for programs that want every thread gone before they go on.
 *
 * ```js
 * import { closeThreads } from "yielding/threads";
 * await closeThreads();
 * ```
 */
export async function closeThreads(): Promise<void> {
  const closing: Promise<unknown>[] = [];
  if (pool !== undefined) closing.push(closePool(pool));
  pool = undefined;
  if (supervisor !== undefined) closing.push(supervisor.worker.terminate());
  supervisor = undefined;
  await Promise.all(closing);
}

function closePool(old: Piscina): Promise<void> {
  return old.close().catch((error: unknown) => reportUnhandled(error, "Error while closing the toThread() pool:"));
}

// ---------------------------------------------------------------------------------------
// toThread

/**
 * A future for a pool task: cancelling it aborts the task. It hands piscina an abort hook in
 * the event-emitter shape piscina accepts (`once`/`removeListener`), which costs less than
 * an `AbortController` per call.
 */
class ThreadFuture<T> extends Future<T> {
  /** @internal piscina's abort listener, while the task is queued or running. */
  declare _onAbort: (() => void) | undefined;

  constructor() {
    super();
    this._onAbort = undefined;
  }

  override cancel(reason?: unknown): boolean {
    if (!super.cancel(reason)) return false;
    const onAbort = this._onAbort;
    this._onAbort = undefined;
    onAbort?.();
    return true;
  }

  /** @internal The only task waiting was cancelled: abort the pool task. */
  override _abandon(): void {
    if (this._callbacks === null) this.cancel();
  }
}

/** The abort "signal" piscina gets for a `ThreadFuture`. */
class AbortHook {
  constructor(private readonly future: ThreadFuture<unknown>) {}
  once(_event: "abort", listener: () => void): void {
    this.future._onAbort = listener;
  }
  off(_event: "abort", _listener: () => void): void {
    this.future._onAbort = undefined;
  }
  removeListener(_event: "abort", _listener: () => void): void {
    this.future._onAbort = undefined;
  }
}

/**
 * Runs `exportName(...args)` from the module at `moduleUrl` on a pool of worker threads
 * and returns a `Future` of its result: the calling thread keeps running other tasks.
 * For blocking, CPU-bound or synchronous-only work (hashing, compression, parsing, sync
 * native calls). The function may also return a Promise (awaited in the worker) or a
 * coroutine (run there with `run()`).
 *
 * `moduleUrl` is a URL (`new URL("./work.js", import.meta.url)`), a URL string (`file:`,
 * `node:`, `data:`) or an absolute path. Arguments and the result are structured-cloned.
 * An error thrown in the worker rejects the future with an `Error` of the same name, message,
 * stack and `cause`; a worker that dies rejects it with `WorkerCrashedError`, and the pool
 * replaces the thread. Cancelling the future, or the only task waiting on it, aborts the
 * work: removed from the queue if it has not started, else its thread is terminated (and
 * replaced).
 *
 * The pool is shared, created on first use with `os.availableParallelism()` threads (see
 * `configureThreads`, `closeThreads`). Modules stay loaded in each thread between calls.
 *
 * ```js
 * import { run } from "yielding/runtime";
 * import { toThread } from "yielding/threads";
 *
 * function* main() {
 *   const key = yield* toThread("node:crypto", "pbkdf2Sync", "secret", "salt", 100_000, 32, "sha256");
 *   console.log(key.length);   // 32
 * }
 * await run(main());
 * ```
 */
export function toThread<T = unknown>(moduleUrl: string | URL, exportName: string, ...args: unknown[]): Future<T> {
  const job: Job = { url: moduleHref(moduleUrl, "toThread"), exportName: checkName(exportName, "toThread"), args };
  const future = new ThreadFuture<T>();
  getPool()
    .run(job, { signal: new AbortHook(future as ThreadFuture<unknown>) })
    .then(
      (value: T) => {
        if (!future.done()) future.setResult(value);
      },
      (error: unknown) => {
        if (!future.done()) future.setError(poolError(error, job));
      },
    );
  return future;
}

function poolError(error: unknown, job: Job): unknown {
  if (isThrown(error)) return decodeThrown(error);
  const text = (error as { message?: unknown } | null)?.message;
  const message = typeof text === "string" ? text : String(error);
  const exited = /^worker exited with code: (-?\d+)/.exec(message);
  if (exited !== null) return crashed("toThread", job, Number(exited[1]), undefined);
  if (message === "Terminating worker thread") {
    return new Error(`toThread(): the thread pool was closed before ${call(job)} ran`, { cause: error });
  }
  if (error instanceof Error && error.name === "DataCloneError") return unsendable("toThread", job, error);
  if ((error as { name?: unknown } | null)?.name === "DataCloneError") {
    // Cloning the result failed in the worker (it arrives as a plain object, see threads-worker).
    return new TypeError(`toThread(): the result of ${call(job)} cannot be sent back to the calling thread: ${message}`);
  }
  return crashed("toThread", job, undefined, error);
}

// ---------------------------------------------------------------------------------------
// blockOn

interface Supervisor {
  worker: Worker;
  /** The control cell the supervisor, the runner and the caller share (see threads-worker). */
  control: Int32Array;
  /** Where the supervisor posts a `CrashReport` when a thread dies during a job. */
  crashes: MessagePort;
}

let supervisor: Supervisor | undefined;
let lastJobId = 0;

function getSupervisor(): Supervisor {
  if (supervisor !== undefined) return supervisor;
  const { port1, port2 } = new MessageChannel();
  const control = new Int32Array(new SharedArrayBuffer(4));
  Atomics.store(control, 0, controlValue(0, DONE));
  const data: SupervisorData & { [ROLE]: string; entry: string } = {
    [ROLE]: "supervisor",
    entry: WORKER_URL.href,
    control: control.buffer as SharedArrayBuffer,
    crashPort: port2,
  };
  const worker = new Worker(SUPERVISOR_BOOT, { eval: true, workerData: data, transferList: [port2], execArgv: workerExecArgv() });
  worker.unref();
  const created: Supervisor = { worker, control, crashes: port1 };
  worker.on("error", (error) => reportUnhandled(error, "Error in the blockOn() supervisor thread:"));
  worker.on("exit", () => {
    if (supervisor === created) supervisor = undefined;
    port1.close();
  });
  supervisor = created;
  return created;
}

/**
 * Runs the coroutine `exportName(...args)` from the module at `moduleUrl` with `run()` in a
 * worker thread, and blocks the calling thread until it ends: returns its result or throws
 * its error. Synchronous code can so use real asynchronous I/O. The export may also be a
 * function returning a Promise (awaited) or a plain value.
 *
 * Arguments and the result are structured-cloned, errors come back as with `toThread`. A
 * worker that dies (`process.exit()`, an uncaught error, out of memory) makes `blockOn`
 * throw `WorkerCrashedError` rather than hang: a supervising thread watches the worker and
 * wakes the caller when it exits. One worker per calling thread serves every `blockOn`
 * call in turn (modules stay loaded between calls); a crashed one is replaced.
 *
 * It blocks everything on the calling thread, its yielding tasks and its event loop
 * included: inside a coroutine, `yield* toThread(…)` or `yield* wait(promise)` instead.
 *
 * ```js
 * // pages.js
 * import { gather, wait } from "yielding/runtime";
 * export function* fetchAll(urls) {
 *   const responses = yield* gather(...urls.map((url) => wait(fetch(url))));
 *   return yield* gather(...responses.map((r) => wait(r.text())));
 * }
 *
 * // main.js: synchronous code
 * import { blockOn } from "yielding/threads";
 * const pages = blockOn(new URL("./pages.js", import.meta.url), "fetchAll", ["https://example.com"]);
 * const text = blockOn("node:fs/promises", "readFile", "package.json", "utf8");   // a Promise-returning export works too
 * ```
 */
export function blockOn<T = unknown>(moduleUrl: string | URL, exportName: string, ...args: unknown[]): T {
  const job: Job = { url: moduleHref(moduleUrl, "blockOn"), exportName: checkName(exportName, "blockOn"), args };
  const current = getSupervisor();
  const { worker, control, crashes } = current;
  const id = (lastJobId = (lastJobId + 1) & 0x0fffffff);
  const { port1, port2 } = new MessageChannel();
  try {
    Atomics.store(control, 0, controlValue(id, PENDING));
    const blocking: BlockingJob = { ...job, id, port: port2, control: control.buffer as SharedArrayBuffer };
    try {
      worker.postMessage(blocking, [port2]);
    } catch (error) {
      Atomics.store(control, 0, controlValue(id, DONE));
      throw error instanceof Error && error.name === "DataCloneError" ? unsendable("blockOn", job, error) : error;
    }
    let value: number;
    let state: number;
    while ((state = (value = Atomics.load(control, 0)) & STATE_MASK) === PENDING || state === CLAIMED) {
      Atomics.wait(control, 0, value);
    }
    if (state === DONE) {
      const outcome = receiveMessageOnPort(port1)?.message as Outcome | undefined;
      if (outcome === undefined) throw new Error(`blockOn(): the worker thread running ${call(job)} sent no result`);
      if (outcome.ok) return outcome.value as T;
      throw decodeThrown(outcome.error);
    }
    let report: CrashReport | undefined;
    for (let entry; (entry = receiveMessageOnPort(crashes)) !== undefined; ) {
      if ((entry.message as CrashReport).id === id) report = entry.message as CrashReport;
    }
    if (state !== CRASHED) {
      // The supervisor itself is gone: start a new one next time.
      if (supervisor === current) supervisor = undefined;
      void worker.terminate();
      throw crashed("blockOn", job, report?.exitCode, new Error("the supervising thread of blockOn() exited"));
    }
    throw crashed("blockOn", job, report?.exitCode, report?.error === undefined ? undefined : decodeThrown(report.error));
  } finally {
    port1.close();
  }
}

// ---------------------------------------------------------------------------------------
// Shared helpers.

function moduleHref(moduleUrl: string | URL, fn: string): string {
  if (moduleUrl instanceof URL) return moduleUrl.href;
  if (typeof moduleUrl !== "string") {
    throw new TypeError(`${fn}() takes a module URL or an absolute path as its first argument, not ${typeof moduleUrl}`);
  }
  if (isAbsolute(moduleUrl)) return pathToFileURL(moduleUrl).href;
  if (URL.canParse(moduleUrl)) return moduleUrl;
  const fix = moduleUrl.startsWith(".")
    ? `new URL(${JSON.stringify(moduleUrl)}, import.meta.url)`
    : `import.meta.resolve(${JSON.stringify(moduleUrl)})`;
  throw new TypeError(
    `${fn}() needs a module URL or an absolute path, not ${JSON.stringify(moduleUrl)}: ` +
      `the worker thread cannot tell what it is relative to. Pass ${fix}`,
  );
}

function checkName(exportName: string, fn: string): string {
  if (typeof exportName !== "string") {
    throw new TypeError(`${fn}() takes the name of an exported function as its second argument, not ${typeof exportName}`);
  }
  return exportName;
}

function call(job: Job): string {
  return `${job.exportName}() from ${job.url}`;
}

function crashed(fn: string, job: Job, exitCode: number | undefined, cause: unknown): WorkerCrashedError {
  const what =
    cause !== undefined
      ? `crashed: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`
      : `exited with code ${exitCode} before ${fn === "toThread" ? "it returned" : "the coroutine ended"}`;
  return new WorkerCrashedError(`${fn}(): the worker thread running ${call(job)} ${what}`, exitCode, cause);
}

function unsendable(fn: string, job: Job, error: Error): TypeError {
  return new TypeError(`${fn}(): the arguments of ${call(job)} cannot be sent to a worker thread: ${error.message}`, {
    cause: error,
  });
}
