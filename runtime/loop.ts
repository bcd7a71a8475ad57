/**
 * The loop: the one place that decides what runs next. It owns a FIFO ready queue of
 * callbacks and a min-heap of timers backed by a single host timer. There is one loop per
 * copy of the runtime; nothing else in the runtime calls the host's scheduling functions.
 *
 * The queue drains on a microtask as soon as work arrives, in bounded batches: when a batch
 * is used up and work remains, the rest runs on a macrotask, so a busy pair of tasks can
 * never starve the host's timers or I/O.
 */

/** A callback the loop runs with one argument (no closure needed per call). */
export type LoopCallback<A> = (arg: A) => void;

// The host functions are looked up on globalThis so the runtime type-checks, and runs,
// without Node's types or globals.
const host = globalThis as unknown as {
  queueMicrotask?: (fn: () => void) => void;
  setImmediate?: (fn: () => void) => unknown;
  MessageChannel?: new () => { port1: { onmessage: unknown }; port2: { postMessage(data: unknown): void } };
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  performance?: { now(): number };
  console?: { error(...data: unknown[]): void };
  process?: { exitCode?: number | string };
};

/**
 * The loop's clock, in milliseconds: `performance.now()` where the host has it, else
 * `Date.now()`. Timer deadlines are on this clock.
 */
export const now: () => number =
  host.performance !== undefined && typeof host.performance.now === "function"
    ? () => host.performance!.now()
    : () => Date.now();

/**
 * Reports an error nobody else will see: prints it with its stack via `console.error` and,
 * in Node, sets `process.exitCode = 1`. Errors are never swallowed.
 */
export function reportUnhandled(error: unknown, context: string): void {
  host.console?.error(context, error);
  const proc = host.process;
  if (proc !== undefined && proc !== null && typeof proc === "object") proc.exitCode = 1;
}

// ---------------------------------------------------------------------------------------
// Ready queue: a ring buffer of (callback, argument) pairs, two slots per entry.

/** At most this many callbacks per drain before yielding to the host. */
const BATCH = 1000;
/** ...or this many milliseconds, whichever comes first. */
const SLICE_MS = 5;
const MIN_SLOTS = 2048;
const MAX_IDLE_SLOTS = 1 << 16;

let slots: unknown[] = new Array(MIN_SLOTS).fill(undefined);
let mask = MIN_SLOTS - 1;
let head = 0;
let used = 0;
let drainScheduled = false;

/**
 * Runs `fn(arg)` on a later turn, after every callback already queued (asyncio's
 * `call_soon`). This is how futures run their done callbacks and how tasks take steps, so a
 * million futures resolved one from another's callback never grow the stack.
 *
 * ```js
 * callSoon((name) => console.log("hello", name), "world");
 * ```
 */
export function callSoon<A>(fn: LoopCallback<A>, arg: A): void {
  if (used === slots.length) grow();
  const i = (head + used) & mask;
  slots[i] = fn;
  slots[i + 1] = arg;
  used += 2;
  if (!drainScheduled) {
    drainScheduled = true;
    microtask(drain);
  }
}

function grow(): void {
  const size = slots.length;
  const bigger: unknown[] = new Array(size * 2).fill(undefined);
  for (let k = 0; k < used; k++) bigger[k] = slots[(head + k) & mask];
  slots = bigger;
  mask = size * 2 - 1;
  head = 0;
}

function drain(): void {
  const start = now();
  let n = 0;
  while (used > 0) {
    runNext();
    if (++n >= BATCH || ((n & 15) === 0 && now() - start >= SLICE_MS)) break;
  }
  if (used > 0) {
    macrotask(drain);
  } else {
    drainScheduled = false;
    if (slots.length > MAX_IDLE_SLOTS) {
      slots = new Array(MIN_SLOTS).fill(undefined);
      mask = MIN_SLOTS - 1;
      head = 0;
    }
  }
}

/** Runs the first ready callback; the caller checks that there is one. */
function runNext(): void {
  const fn = slots[head] as LoopCallback<unknown>;
  const arg = slots[head + 1];
  slots[head] = undefined;
  slots[head + 1] = undefined;
  head = (head + 2) & mask;
  used -= 2;
  try {
    fn(arg);
  } catch (error) {
    reportUnhandled(error, "Error in a callback run by the yielding loop:");
  }
}

const microtask: (fn: () => void) => void =
  typeof host.queueMicrotask === "function"
    ? (fn) => host.queueMicrotask!(fn)
    : (fn) => void Promise.resolve().then(fn);

/**
 * Runs `fn` on a later host turn (a macrotask: `setImmediate`, else a `MessageChannel`
 * message, else `setTimeout(fn, 0)`), after every pending microtask, so after any `await`
 * already under way has attached its handlers.
 */
export function callOnHostTurn(fn: () => void): void {
  macrotask(fn);
}

const macrotask: (fn: () => void) => void =
  typeof host.setImmediate === "function"
    ? (fn) => void host.setImmediate!(fn)
    : typeof host.MessageChannel === "function"
      ? messageChannelTask()
      : (fn) => void host.setTimeout(fn, 0);

function messageChannelTask(): (fn: () => void) => void {
  let channel: InstanceType<NonNullable<typeof host.MessageChannel>> | undefined;
  let queued: (() => void)[] = [];
  return (fn) => {
    if (channel === undefined) {
      channel = new host.MessageChannel!();
      channel.port1.onmessage = () => {
        const run = queued;
        queued = [];
        for (const f of run) f();
      };
    }
    queued.push(fn);
    if (queued.length === 1) channel.port2.postMessage(null);
  };
}

// ---------------------------------------------------------------------------------------
// Timers: a binary min-heap ordered by (deadline, sequence), so timers with equal
// deadlines run in the order they were made. One host timer is armed for the earliest.

/** A timer made by `callAt`/`callLater`; pass it to `cancelTimer` to remove it. */
export interface Timer {
  /** When it is due, on the `now()` clock. */
  readonly deadline: number;
}

class TimerEntry<A = unknown> implements Timer {
  index = -1;
  constructor(
    readonly deadline: number,
    readonly seq: number,
    public fn: LoopCallback<A> | undefined,
    public arg: A | undefined,
  ) {}
}

/** The host's timer delay is a signed 32-bit number of milliseconds. */
const MAX_DELAY = 0x7fffffff;

const heap: TimerEntry[] = [];
let sequence = 0;
let hostTimer: unknown = undefined;
let hostDeadline = Infinity;

/**
 * Runs `fn(arg)` on the ready queue once the `now()` clock reaches `deadline`. Timers with
 * equal deadlines run in the order they were made.
 */
export function callAt<A>(deadline: number, fn: LoopCallback<A>, arg: A): Timer {
  const entry = new TimerEntry<A>(deadline, sequence++, fn, arg);
  entry.index = heap.length;
  heap.push(entry as TimerEntry);
  siftUp(entry as TimerEntry);
  if (entry.index === 0) arm();
  return entry;
}

/**
 * Runs `fn(arg)` on the ready queue after `ms` milliseconds.
 *
 * ```js
 * const timer = callLater(100, (msg) => console.log(msg), "later");
 * cancelTimer(timer);
 * ```
 */
export function callLater<A>(ms: number, fn: LoopCallback<A>, arg: A): Timer {
  return callAt(now() + ms, fn, arg);
}

/** Removes a timer that has not fired yet; does nothing otherwise. */
export function cancelTimer(timer: Timer): void {
  const entry = timer as TimerEntry;
  const i = entry.index;
  entry.fn = undefined;
  entry.arg = undefined;
  if (i < 0) return;
  entry.index = -1;
  const last = heap.pop()!;
  if (i < heap.length) {
    heap[i] = last;
    last.index = i;
    siftDown(last);
    siftUp(last);
  }
  if (heap.length === 0) disarm();
}

function before(a: TimerEntry, b: TimerEntry): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

function siftUp(entry: TimerEntry): void {
  let i = entry.index;
  while (i > 0) {
    const parentIndex = (i - 1) >> 1;
    const parent = heap[parentIndex]!;
    if (!before(entry, parent)) break;
    heap[i] = parent;
    parent.index = i;
    i = parentIndex;
  }
  heap[i] = entry;
  entry.index = i;
}

function siftDown(entry: TimerEntry): void {
  const size = heap.length;
  let i = entry.index;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= size) break;
    const right = left + 1;
    const child = right < size && before(heap[right]!, heap[left]!) ? right : left;
    const smaller = heap[child]!;
    if (!before(smaller, entry)) break;
    heap[i] = smaller;
    smaller.index = i;
    i = child;
  }
  heap[i] = entry;
  entry.index = i;
}

function popTop(): TimerEntry {
  const top = heap[0]!;
  const last = heap.pop()!;
  if (heap.length > 0) {
    heap[0] = last;
    last.index = 0;
    siftDown(last);
  }
  top.index = -1;
  return top;
}

function arm(): void {
  if (heap.length === 0) return disarm();
  const deadline = heap[0]!.deadline;
  if (hostTimer !== undefined) {
    if (hostDeadline <= deadline) return;
    host.clearTimeout(hostTimer);
  }
  hostDeadline = deadline;
  const delay = Math.min(MAX_DELAY, Math.max(0, Math.ceil(deadline - now())));
  hostTimer = host.setTimeout(fire, delay);
}

function disarm(): void {
  if (hostTimer === undefined) return;
  host.clearTimeout(hostTimer);
  hostTimer = undefined;
  hostDeadline = Infinity;
}

function fire(): void {
  hostTimer = undefined;
  hostDeadline = Infinity;
  const t = now();
  while (heap.length > 0 && heap[0]!.deadline <= t) {
    const entry = popTop();
    const fn = entry.fn!;
    const arg = entry.arg;
    entry.fn = undefined;
    entry.arg = undefined;
    callSoon(fn, arg);
  }
  arm();
}

// ---------------------------------------------------------------------------------------
// Driving the loop synchronously (for runSync).

/**
 * Drives the loop on the calling thread until `done()` returns `true`: runs ready
 * callbacks in FIFO order, fires due timers, and while the next timer is not yet due blocks
 * the thread until it is (`Atomics.wait` where the host allows it, else a busy-wait). The
 * host's own event loop does not run meanwhile, so Promises do not settle.
 *
 * Returns `true` once `done()` is true, or `false` as soon as the loop has nothing left to
 * do — no ready callback and no timer — while `done()` is still false: only the host could
 * make progress then. `done()` is checked before every callback.
 *
 * ```js
 * const f = sleep(20, "late");
 * runUntil(() => f.done());   // blocks about 20 ms
 * f.result();                 // "late"
 * ```
 */
export function runUntil(done: () => boolean): boolean {
  for (;;) {
    if (done()) return true;
    if (used > 0) {
      runNext();
      continue;
    }
    if (heap.length === 0) return false;
    const delay = heap[0]!.deadline - now();
    if (delay > 0) {
      blockFor(delay);
      continue;
    }
    disarm();
    fire();
  }
}

/** An `Int32Array` on shared memory to `Atomics.wait` on, or `null` where the host forbids it. */
let sleeper: Int32Array | null | undefined;

/** Blocks the thread for `ms` milliseconds. */
function blockFor(ms: number): void {
  if (sleeper === undefined) sleeper = makeSleeper();
  if (sleeper !== null) {
    Atomics.wait(sleeper, 0, 0, ms);
    return;
  }
  const until = now() + ms;
  while (now() < until);
}

function makeSleeper(): Int32Array | null {
  if (typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object" || typeof Atomics.wait !== "function") {
    return null;
  }
  try {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    // A browser's main thread throws here; workers and Node allow it.
    Atomics.wait(cell, 0, 0, 0);
    return cell;
  } catch {
    return null;
  }
}
