/**
 * The worker side of `yielding/threads` (Node only). Loaded in three roles:
 *
 * - as a `toThread` pool thread (piscina): its default export calls the requested function;
 * - as the `blockOn` *supervisor*: a thread whose event loop stays free while the caller is
 *   blocked, so it notices when the runner exits, however it dies, and wakes the caller;
 * - as the `blockOn` *runner*: runs each requested coroutine with `run()`, posts the outcome
 *   on the job's port and wakes the caller.
 *
 * Also the error codec both sides share: an error crosses the thread boundary as a plain
 * record and comes back as an `Error` with the original name, message, stack, `cause` and
 * cloneable own properties (the runtime's own error classes come back as themselves).
 */

import { MessagePort, Worker, parentPort, workerData } from "node:worker_threads";
import { CancelledError, QueueClosedError, TimeoutError, WouldBlockError } from "./errors.js";
import { isCoroutine } from "./future.js";
import { reportUnhandled } from "./loop.js";
import { run } from "./task.js";

/** @internal What a worker is asked to do: call `exportName` of the module at `url`. */
export interface Job {
  url: string;
  exportName: string;
  args: unknown[];
}

/**
 * @internal A `blockOn` job: a `Job`, its number, the port for the outcome and the calling
 * thread's control cell.
 */
export interface BlockingJob extends Job {
  id: number;
  port: MessagePort;
  control: SharedArrayBuffer;
}

/** @internal The outcome a runner posts on a blocking job's port. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: Thrown };

/** @internal What the supervisor posts when the runner, or the supervisor itself, died during job `id`. */
export interface CrashReport {
  id: number;
  exitCode: number;
  error: Thrown | undefined;
  supervisor: boolean;
}

/** @internal What the calling thread gives its supervisor (`workerData`). */
export interface SupervisorData {
  control: SharedArrayBuffer;
  crashPort: MessagePort;
}

/*
 * The control cell (an Int32Array of length 1 on shared memory) says where the calling
 * thread's current job is: `id * 8 + state`. Carrying the id makes late writes about an
 * earlier job fail their compare-and-exchange. The caller waits while the state is PENDING
 * or CLAIMED.
 */
/** @internal The job is running. */
export const PENDING = 0;
/** @internal The runner posted the outcome on the job's port. */
export const DONE = 1;
/** @internal The supervisor saw a thread die and is posting a `CrashReport`. */
export const CLAIMED = 2;
/** @internal The runner died: a `CrashReport` is on the crash port. */
export const CRASHED = 3;
/** @internal The supervisor itself died: a `CrashReport` is on the crash port. */
export const SUPERVISOR_DIED = 4;
/** @internal The state bits of the control cell. */
export const STATE_MASK = 7;

/** @internal The control cell value of job `id` in `state`. */
export function controlValue(id: number, state: number): number {
  return id * 8 + state;
}

/** @internal The `workerData` key that says which role a worker plays. */
export const ROLE = "yieldingThreadsRole";

/** @internal A thrown value on its way between threads. */
export type Thrown =
  | { yieldingThrown: 1; kind: "value"; value: unknown }
  | {
      yieldingThrown: 1;
      kind: "error";
      name: string;
      message: string;
      stack: string | undefined;
      props: Record<string, unknown>;
      cause?: Thrown;
      errors?: Thrown[];
    };

const MAX_DEPTH = 8;
const SPECIAL_KEYS = new Set(["name", "message", "stack", "cause", "errors"]);

/** @internal Turns anything thrown into a record that survives structured cloning. */
export function encodeThrown(thrown: unknown, depth = 0): Thrown {
  if (!(thrown instanceof Error)) {
    return { yieldingThrown: 1, kind: "value", value: cloneable(thrown) ? thrown : String(thrown) };
  }
  const record: Thrown = {
    yieldingThrown: 1,
    kind: "error",
    name: String(thrown.name),
    message: String(thrown.message),
    stack: typeof thrown.stack === "string" ? thrown.stack : undefined,
    props: {},
  };
  for (const key of Object.keys(thrown)) {
    const value = (thrown as unknown as Record<string, unknown>)[key];
    if (!SPECIAL_KEYS.has(key) && cloneable(value)) record.props[key] = value;
  }
  if (depth < MAX_DEPTH) {
    if ("cause" in thrown) record.cause = encodeThrown(thrown.cause, depth + 1);
    const errors = (thrown as { errors?: unknown }).errors;
    if (Array.isArray(errors)) record.errors = errors.map((e) => encodeThrown(e, depth + 1));
  }
  return record;
}

/** @internal Whether `x` is a record made by `encodeThrown`. */
export function isThrown(x: unknown): x is Thrown {
  return typeof x === "object" && x !== null && (x as { yieldingThrown?: unknown }).yieldingThrown === 1;
}

/** @internal Rebuilds what `encodeThrown` recorded. */
export function decodeThrown(record: Thrown): unknown {
  if (record.kind === "value") return record.value;
  const error = makeError(record.name, record.message, record.errors?.map(decodeThrown) ?? []);
  if (error.name !== record.name) define(error, "name", record.name);
  if (error.message !== record.message) define(error, "message", record.message);
  define(error, "stack", record.stack);
  for (const [key, value] of Object.entries(record.props)) {
    Object.defineProperty(error, key, { value, writable: true, enumerable: true, configurable: true });
  }
  if (record.cause !== undefined) define(error, "cause", decodeThrown(record.cause));
  return error;
}

const BUILTIN_ERRORS: Record<string, new (message: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  TimeoutError,
  WouldBlockError,
  QueueClosedError,
};

function makeError(name: string, message: string, errors: unknown[]): Error {
  if (name === "AggregateError") return new AggregateError(errors, message);
  if (name === "CancelledError") return new CancelledError();
  const Constructor = Object.hasOwn(BUILTIN_ERRORS, name) ? BUILTIN_ERRORS[name]! : Error;
  return new Constructor(message);
}

function define(error: Error, key: string, value: unknown): void {
  Object.defineProperty(error, key, { value, writable: true, enumerable: false, configurable: true });
}

function cloneable(value: unknown): boolean {
  if (value === null || (typeof value !== "object" && typeof value !== "function" && typeof value !== "symbol")) {
    return true;
  }
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** Modules already loaded in this thread: a dynamic `import()` costs a trip through the loader. */
const modules = new Map<string, Record<string, unknown>>();

async function load(url: string): Promise<Record<string, unknown>> {
  const module = (await import(url)) as Record<string, unknown>;
  modules.set(url, module);
  return module;
}

/**
 * @internal Calls `exportName(...args)` from the module at `url`: a coroutine it returns is
 * run with `run()`, a Promise is awaited.
 */
export async function callExport({ url, exportName, args }: Job): Promise<unknown> {
  const module = modules.get(url) ?? (await load(url));
  const fn = module[exportName];
  if (typeof fn !== "function") {
    const names = Object.keys(module).filter((k) => typeof module[k] === "function");
    throw new TypeError(
      `${url} has no exported function named "${exportName}"` +
        (names.length > 0 ? ` (its exported functions: ${names.join(", ")})` : ""),
    );
  }
  const result: unknown = fn(...args);
  return isCoroutine(result) ? run(result) : result;
}

/**
 * The `toThread` pool's task handler. Errors are thrown as `encodeThrown` records, so the
 * calling thread gets back the original name, stack and properties.
 */
export default async function poolTask(job: Job): Promise<unknown> {
  try {
    return await callExport(job);
  } catch (error) {
    throw encodeThrown(error);
  }
}

// ---------------------------------------------------------------------------------------
// blockOn's supervisor and runner.

/**
 * @internal The supervisor's first lines, run as a CommonJS script so they run before
 * anything can fail to load: when the supervisor itself exits (an error in its own code),
 * the caller's pending job is failed instead of left waiting forever.
 */
export const SUPERVISOR_BOOT = `"use strict";
const { workerData } = require("node:worker_threads");
const control = new Int32Array(workerData.control);
process.on("exit", (exitCode) => {
  for (;;) {
    const value = Atomics.load(control, 0);
    const state = value & ${STATE_MASK};
    if (state !== ${PENDING} && state !== ${CLAIMED}) return;
    if (Atomics.compareExchange(control, 0, value, value - state + ${CLAIMED}) !== value) continue;
    workerData.crashPort.postMessage({ id: (value - state) / 8, exitCode, error: undefined, supervisor: true });
    Atomics.store(control, 0, value - state + ${SUPERVISOR_DIED});
    Atomics.notify(control, 0);
    return;
  }
});
import(workerData.entry);
`;

function supervise({ control, crashPort }: SupervisorData): void {
  const cell = new Int32Array(control);
  let runner: Worker | undefined;
  let jobId = -1;
  let failure: unknown;

  function startRunner(): Worker {
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { [ROLE]: "runner" },
      execArgv: workerExecArgv(),
    });
    failure = undefined;
    worker.on("error", (error) => {
      failure = error;
    });
    worker.on("exit", (exitCode) => {
      if (runner === worker) runner = undefined;
      const pending = controlValue(jobId, PENDING);
      if (Atomics.compareExchange(cell, 0, pending, controlValue(jobId, CLAIMED)) === pending) {
        const error = failure === undefined ? undefined : encodeThrown(failure);
        crashPort.postMessage({ id: jobId, exitCode, error, supervisor: false } satisfies CrashReport);
        Atomics.store(cell, 0, controlValue(jobId, CRASHED));
        Atomics.notify(cell, 0);
      } else if (failure !== undefined) {
        reportUnhandled(failure, "Error in the blockOn() worker thread after its coroutine ended:");
      }
    });
    return worker;
  }

  parentPort!.on("message", (job: BlockingJob) => {
    runner ??= startRunner();
    jobId = job.id;
    runner.postMessage(job, [job.port]);
  });
}

function serveJobs(): void {
  parentPort!.on("message", (job: BlockingJob) => void runJob(job));
}

async function runJob(job: BlockingJob): Promise<void> {
  let outcome: Outcome;
  try {
    outcome = { ok: true, value: await callExport(job) };
  } catch (error) {
    outcome = { ok: false, error: encodeThrown(error) };
  }
  try {
    job.port.postMessage(outcome);
  } catch (error) {
    const unsendable = new TypeError(
      `blockOn(): the result of ${job.exportName}() from ${job.url} cannot be sent back to the calling thread: ${(error as Error).message}`,
      { cause: error },
    );
    job.port.postMessage({ ok: false, error: encodeThrown(unsendable) } satisfies Outcome);
  }
  const cell = new Int32Array(job.control);
  const pending = controlValue(job.id, PENDING);
  Atomics.compareExchange(cell, 0, pending, controlValue(job.id, DONE));
  Atomics.notify(cell, 0);
}

/**
 * @internal The `execArgv` for the threads this module starts. Normally `undefined`: a
 * thread then inherits the process's flags, and Node leaves out by itself those a thread
 * may not be given (process-wide V8 flags such as `--expose-gc`, which an explicit list
 * would be refused for). Only when the process has `--input-type`, which Node accepts only
 * for string input and which would make a thread started from a file fail before running
 * any code (`node --input-type=module -e …`), is an explicit list given, without it.
 */
export function workerExecArgv(): string[] | undefined {
  const argv = process.execArgv;
  if (!argv.some((arg) => arg === "--input-type" || arg.startsWith("--input-type="))) return undefined;
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--input-type") i++;
    else if (!arg.startsWith("--input-type=")) kept.push(arg);
  }
  return kept;
}

/**
 * In a pool thread, the one uncaught error piscina itself causes is a `DataCloneError` when a
 * result cannot be cloned. Node sends a thread's uncaught error to its parent by cloning it,
 * and a `DOMException` arrives as `{}`: give it own `name`, `message` and `stack` so the
 * calling thread can tell what happened.
 */
function keepCloneErrorsReadable(): void {
  process.on("uncaughtExceptionMonitor", (error: unknown) => {
    if (typeof DOMException === "function" && error instanceof DOMException) {
      for (const key of ["name", "message", "stack"] as const) {
        Object.defineProperty(error, key, { value: error[key], enumerable: true, configurable: true, writable: true });
      }
    }
  });
}

const role = (workerData as Record<string, unknown> | null | undefined)?.[ROLE];
if (role === "pool") keepCloneErrorsReadable();
else if (role === "supervisor") supervise(workerData as SupervisorData);
else if (role === "runner") serveJobs();
