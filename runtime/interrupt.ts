/**
 * Ctrl-C for `run()`, as `asyncio.run` handles it since Python 3.11. While a `run()` is
 * active in Node, the first SIGINT cancels its main task, so `finally` blocks and `with`
 * exits run; a second SIGINT ends the process at once (Node's default). When the
 * cancellation reaches the top (the rejection of `run()` goes unhandled), the process dies
 * of SIGINT, as it would have without the listener, rather than exiting 1 with a stack.
 *
 * The listener is installed only while a `run()` is active and only when the program has
 * no SIGINT listener of its own; nested and parallel runs share it, and so do two copies of
 * the runtime in one process (the state lives under a registered symbol). Outside Node
 * (no `process.on`) nothing here does anything.
 */

import type { Task } from "./task.js";

/** The `reason` of the `CancelledError` the first SIGINT cancels a main task with. */
const REASON = "SIGINT";

/** The parts of Node's `process` used here, looked up on globalThis (no Node types). */
interface NodeProcess {
  readonly pid: number;
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  listenerCount(event: string): number;
  kill(pid: number, signal: string): unknown;
  exit(code: number): never;
}

/** What every copy of the runtime in the process shares. */
interface Interrupts {
  /** Main tasks of the active runs the listener covers. */
  readonly runs: Set<Task<unknown>>;
  /** Main tasks a SIGINT cancelled, until their run ends. */
  readonly interrupted: Set<Task<unknown>>;
  /** The SIGINT listener, while installed. */
  listener: (() => void) | null;
  /** The errors that end the process as SIGINT would if they reach the top uncaught. */
  readonly fatal: WeakSet<object>;
  /** The `uncaughtExceptionMonitor` listener that watches for them, once installed. */
  monitor: ((error: unknown) => void) | null;
}

const SHARED = Symbol.for("yielding.interrupts");

function nodeProcess(): NodeProcess | undefined {
  const proc = (globalThis as { process?: Partial<NodeProcess> }).process;
  if (proc === null || typeof proc !== "object") return undefined;
  const usable =
    typeof proc.on === "function" &&
    typeof proc.removeListener === "function" &&
    typeof proc.listenerCount === "function" &&
    typeof proc.kill === "function" &&
    typeof proc.exit === "function" &&
    typeof proc.pid === "number";
  return usable ? (proc as NodeProcess) : undefined;
}

function shared(): Interrupts {
  const host = globalThis as { [SHARED]?: Interrupts };
  return (host[SHARED] ??= { runs: new Set(), interrupted: new Set(), listener: null, fatal: new WeakSet(), monitor: null });
}

function ignore(): void {}

/**
 * @internal Called by `run()` with its main task: in Node, the first SIGINT from now on
 * cancels it. Installs the SIGINT listener unless one is installed already, the program has
 * its own, or an interruption is still unwinding. Returns what `run()` calls when it ends,
 * just before its Promise settles.
 */
export function cancelOnInterrupt(main: Task<unknown>): () => void {
  const proc = nodeProcess();
  if (proc === undefined) return ignore;
  const state = shared();
  if (state.listener === null) {
    if (state.interrupted.size > 0 || proc.listenerCount("SIGINT") > 0) return ignore;
    state.listener = () => onSigint(proc, state);
    proc.on("SIGINT", state.listener);
  }
  state.runs.add(main);
  return () => endRun(proc, state, main);
}

/** The first SIGINT: stop listening (the next one is Node's), cancel the pending main tasks. */
function onSigint(proc: NodeProcess, state: Interrupts): void {
  stopListening(proc, state);
  const mains = [...state.runs].filter((main) => !main.done());
  state.runs.clear();
  if (mains.length === 0) {
    // Every run is past its main task (cleaning up): nothing to cancel, so do what Node does.
    if (proc.listenerCount("SIGINT") === 0) dieOfSigint(proc);
    return;
  }
  for (const main of mains) {
    state.interrupted.add(main);
    main.cancel(REASON);
  }
}

function stopListening(proc: NodeProcess, state: Interrupts): void {
  if (state.listener === null) return;
  proc.removeListener("SIGINT", state.listener);
  state.listener = null;
}

/** A run ended: uncover its main task; if a SIGINT cancelled it, watch for its error at the top. */
function endRun(proc: NodeProcess, state: Interrupts, main: Task<unknown>): void {
  state.runs.delete(main);
  if (state.runs.size === 0) stopListening(proc, state);
  if (!state.interrupted.delete(main) || !main.cancelled()) return;
  state.fatal.add(main._value as object);
  if (state.monitor !== null) return;
  state.monitor = (error) => {
    if (error !== null && typeof error === "object" && state.fatal.has(error)) dieOfSigint(proc);
  };
  proc.on("uncaughtExceptionMonitor", state.monitor);
}

/**
 * Ends the process as SIGINT does by default: the signal again, with no listener left, so
 * a shell sees a death by SIGINT (status 130); `exit(130)` if something still listens.
 */
function dieOfSigint(proc: NodeProcess): void {
  if (proc.listenerCount("SIGINT") === 0) proc.kill(proc.pid, "SIGINT");
  proc.exit(130);
}
