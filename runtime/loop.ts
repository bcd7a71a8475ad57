/**
 * The loop: the one place that decides what runs next. It owns a FIFO ready queue of
 * callbacks and a min-heap of timers backed by a single host timer. There is one loop per
 * process (per JavaScript realm): every copy of the runtime loaded in it (a bundler's SSR
 * graph, a test runner, a package installed twice) runs on the loop the first copy made,
 * which it keeps on `globalThis` (see `shareLoop`). Nothing else in the runtime calls the
 * host's scheduling functions.
 *
 * The queue drains on a microtask as soon as work arrives (or at once, when the work comes
 * from a Promise reaction: see `runFromHost` and `callSoonFromHost`), in bounded batches:
 * when a batch is used up and work remains, the rest runs on a macrotask, so a busy pair of
 * tasks can never starve the host's timers or I/O.
 */

/** A callback the loop runs with one argument (no closure needed per call). */
export type LoopCallback<A> = (arg: A) => void;

// The host functions are looked up on globalThis so the runtime type-checks, and runs,
// without Node's types or globals.
const host = globalThis as unknown as {
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

/**
 * Runs `fn` on a microtask. A reaction to an already resolved Promise, not
 * `queueMicrotask`: Node's `queueMicrotask` wraps every callback for async hooks and costs
 * about three times as much.
 */
const resolved = Promise.resolve();
const microtask = (fn: () => void): void => void resolved.then(fn);

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

/** A timer made by `callAt`/`callLater`; pass it to `cancelTimer` to remove it. */
export interface Timer {
  /** When it is due, on the `now()` clock. */
  readonly deadline: number;
}

/** @internal What the timer heap holds. A node starts with `_index = -1`. */
export interface TimerNode {
  /** Its place in the heap; -1 when it is not in the heap. */
  _index: number;
  /** Called on the ready queue once it is due (unless removed first). */
  _expire(): void;
}

/**
 * What every copy of the runtime in a process shares, kept on `globalThis` under
 * `Symbol.for("yielding.loop")` by the first copy loaded: the loop's functions (over its one
 * ready queue and one timer heap) and the slot of the task running now. Later copies use
 * them instead of making their own, so tasks, futures and timers of all copies are scheduled
 * together, in one order.
 */
interface SharedLoop {
  /** Copies whose `LOOP_PROTOCOL` differs cannot share the loop (see `shareLoop`). */
  readonly protocol: number;
  /** The package version of the copy that made the loop, for messages. */
  readonly version: string;
  /** The task running now (a `Task` of any copy), or undefined. */
  readonly current: { task: unknown };
  callSoon<A>(fn: LoopCallback<A>, arg: A): void;
  runFromHost<A, B>(fn: (a: A, b: B) => void, a: A, b: B): void;
  callSoonFromHost<A>(fn: LoopCallback<A>, arg: A): void;
  callAt<A>(deadline: number, fn: LoopCallback<A>, arg: A): Timer;
  cancelTimer(timer: Timer): void;
  addTimer(node: TimerNode, deadline: number): void;
  removeTimer(node: TimerNode): void;
  runUntil(done: () => boolean): boolean;
}

/**
 * The version of what copies of the runtime share (the `SharedLoop` and the internal fields
 * and methods of Futures and Tasks that the copies call on each other's objects). Change it
 * whenever any of that changes: copies with different numbers cannot work together.
 */
const LOOP_PROTOCOL = 1;
/** This copy's package version (package.json's; a test keeps the two equal). */
const VERSION = "0.1.0";
const LOOP_KEY = Symbol.for("yielding.loop");

/** Makes the loop of this process: its ready queue, its timer heap and their functions. */
function createLoop(): SharedLoop {
  // ---------------------------------------------------------------------------------------
  // Ready queue: a ring buffer of (callback, argument) pairs, two slots per entry.

  /** At most this many callbacks per drain before yielding to the host... */
  const BATCH = 10_000;
  /** ...or this many milliseconds, whichever comes first. */
  const SLICE_MS = 5;
  /**
   * The clock is read every this many callbacks, from the first such read on: on some hosts
   * a read costs as much as a task switch, and most drains run only a few callbacks.
   */
  const CLOCK_EVERY = 64;
  const MIN_SLOTS = 2048;
  const MAX_IDLE_SLOTS = 1 << 16;

  let slots: unknown[] = new Array(MIN_SLOTS).fill(undefined);
  let mask = MIN_SLOTS - 1;
  let head = 0;
  let used = 0;
  let drainScheduled = false;

  /** See the export `callSoon`. */
  function callSoon<A>(fn: LoopCallback<A>, arg: A): void {
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

  /** See the export `runFromHost`. */
  function runFromHost<A, B>(fn: (a: A, b: B) => void, a: A, b: B): void {
    if (drainScheduled) return fn(a, b);
    drainScheduled = true; // what fn queues waits for the drain below, not for a microtask
    try {
      fn(a, b);
    } finally {
      drain();
    }
  }

  /** See the export `callSoonFromHost`. */
  function callSoonFromHost<A>(fn: LoopCallback<A>, arg: A): void {
    if (drainScheduled) return callSoon(fn, arg);
    drainScheduled = true;
    try {
      fn(arg);
    } catch (error) {
      reportUnhandled(error, "Error in a callback run by the yielding loop:");
    }
    drain();
  }

  function grow(): void {
    resize(slots.length * 2);
  }

  /** Moves the queued callbacks to a ring of `size` slots (a power of two, at least `used`). */
  function resize(size: number): void {
    const ring: unknown[] = new Array(size).fill(undefined);
    for (let k = 0; k < used; k++) ring[k] = slots[(head + k) & mask];
    slots = ring;
    mask = size - 1;
    head = 0;
  }

  function drain(): void {
    // A burst (a hundred thousand tasks spawned at once) grows the ring; once most of it has
    // run, give the memory back rather than wait for the queue to be empty.
    if (slots.length > MAX_IDLE_SLOTS && used <= slots.length >> 3) resize(Math.max(MIN_SLOTS, slots.length >> 2));
    let start = -1;
    let n = 0;
    while (used > 0) {
      runNext();
      if (++n >= BATCH) break;
      if (n % CLOCK_EVERY === 0) {
        const t = now();
        if (start < 0) start = t;
        else if (t - start >= SLICE_MS) break;
      }
    }
    if (used > 0) {
      macrotask(drain);
    } else {
      drainScheduled = false;
      if (slots.length > MAX_IDLE_SLOTS) resize(MIN_SLOTS);
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

  // ---------------------------------------------------------------------------------------
  // Timers: a binary min-heap ordered by (deadline, sequence), so timers with equal
  // deadlines run in the order they were made. One host timer is armed for the earliest.
  // The heap holds its nodes directly — a `callAt` timer, or an object that is its own timer
  // (a `sleep()` future), so a sleeping task costs no timer object of its own — and keeps
  // their keys beside them in typed arrays, so a node holds only its place in the heap.

  class TimerEntry<A = unknown> implements Timer, TimerNode {
    declare readonly deadline: number;
    declare _index: number;
    declare _fn: LoopCallback<A> | undefined;
    declare _arg: A | undefined;

    constructor(deadline: number, fn: LoopCallback<A>, arg: A) {
      this.deadline = deadline;
      this._index = -1;
      this._fn = fn;
      this._arg = arg;
    }

    _expire(): void {
      const fn = this._fn;
      if (fn === undefined) return;
      const arg = this._arg as A;
      this._fn = undefined;
      this._arg = undefined;
      fn(arg);
    }
  }

  /** The host's timer delay is a signed 32-bit number of milliseconds. */
  const MAX_DELAY = 0x7fffffff;
  const MIN_TIMERS = 64;

  /** The heap: `nodes[i]` is due at `deadlines[i]` and was made `seqs[i]`-th. */
  const nodes: TimerNode[] = [];
  let deadlines = new Float64Array(MIN_TIMERS);
  let seqs = new Float64Array(MIN_TIMERS);
  let sequence = 0;
  let hostTimer: unknown = undefined;
  let hostDeadline = Infinity;

  /** See the export `callAt`. */
  function callAt<A>(deadline: number, fn: LoopCallback<A>, arg: A): Timer {
    const entry = new TimerEntry<A>(deadline, fn, arg);
    addTimer(entry, deadline);
    return entry;
  }

  /** See the export `cancelTimer`. */
  function cancelTimer(timer: Timer): void {
    const entry = timer as TimerEntry;
    entry._fn = undefined;
    entry._arg = undefined;
    removeTimer(entry);
  }

  /** See the export `addTimer`. */
  function addTimer(node: TimerNode, deadline: number): void {
    const i = nodes.length;
    if (i === deadlines.length) resizeKeys(i * 2);
    nodes.push(node);
    siftUp(i, node, deadline, sequence++);
    if (node._index === 0) arm();
  }

  /** See the export `removeTimer`. */
  function removeTimer(node: TimerNode): void {
    const i = node._index;
    if (i < 0) return;
    node._index = -1;
    const last = nodes.length - 1;
    const moved = nodes.pop()!;
    if (i < last) {
      const deadline = deadlines[last]!;
      const seq = seqs[last]!;
      siftDown(i, moved, deadline, seq);
      if (moved._index === i) siftUp(i, moved, deadline, seq);
    }
    afterRemove();
  }

  function resizeKeys(size: number): void {
    const d = new Float64Array(size);
    const s = new Float64Array(size);
    d.set(deadlines.subarray(0, nodes.length));
    s.set(seqs.subarray(0, nodes.length));
    deadlines = d;
    seqs = s;
  }

  function afterRemove(): void {
    if (nodes.length === 0) disarm();
    if (deadlines.length > MIN_TIMERS && nodes.length <= deadlines.length >> 2) resizeKeys(deadlines.length >> 1);
  }

  function place(i: number, node: TimerNode, deadline: number, seq: number): void {
    nodes[i] = node;
    deadlines[i] = deadline;
    seqs[i] = seq;
    node._index = i;
  }

  /** Moves the node that goes at `i` up to its place. */
  function siftUp(i: number, node: TimerNode, deadline: number, seq: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const d = deadlines[parent]!;
      if (d < deadline || (d === deadline && seqs[parent]! < seq)) break;
      place(i, nodes[parent]!, d, seqs[parent]!);
      i = parent;
    }
    place(i, node, deadline, seq);
  }

  /** Moves the node that goes at `i` down to its place. */
  function siftDown(i: number, node: TimerNode, deadline: number, seq: number): void {
    const size = nodes.length;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && (deadlines[right]! < deadlines[child]! || (deadlines[right] === deadlines[child] && seqs[right]! < seqs[child]!))) {
        child = right;
      }
      const d = deadlines[child]!;
      if (deadline < d || (deadline === d && seq < seqs[child]!)) break;
      place(i, nodes[child]!, d, seqs[child]!);
      i = child;
    }
    place(i, node, deadline, seq);
  }

  function popTop(): TimerNode {
    const top = nodes[0]!;
    const last = nodes.length - 1;
    const moved = nodes.pop()!;
    if (last > 0) siftDown(0, moved, deadlines[last]!, seqs[last]!);
    top._index = -1;
    afterRemove();
    return top;
  }

  function expire(node: TimerNode): void {
    node._expire();
  }

  function arm(): void {
    if (nodes.length === 0) return disarm();
    const deadline = deadlines[0]!;
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
    while (nodes.length > 0 && deadlines[0]! <= t) callSoon(expire, popTop());
    arm();
  }

  // ---------------------------------------------------------------------------------------
  // Driving the loop synchronously (for runSync).

  /** See the export `runUntil`. */
  function runUntil(done: () => boolean): boolean {
    for (;;) {
      if (done()) return true;
      if (used > 0) {
        runNext();
        continue;
      }
      if (nodes.length === 0) return false;
      const delay = deadlines[0]! - now();
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

  return {
    protocol: LOOP_PROTOCOL,
    version: VERSION,
    current: { task: undefined },
    callSoon,
    runFromHost,
    callSoonFromHost,
    callAt,
    cancelTimer,
    addTimer,
    removeTimer,
    runUntil,
  };
}

/**
 * The loop of this process: the one an earlier copy of the runtime put on `globalThis`, or a
 * new one, put there for the copies loaded later. A copy whose loop protocol differs from
 * the one already there cannot share it, and throws at load time, naming both versions:
 * running two loops side by side would let their tasks wait for each other in silence.
 */
function shareLoop(): SharedLoop {
  const global = globalThis as unknown as { [LOOP_KEY]?: SharedLoop };
  const existing = global[LOOP_KEY];
  if (existing === undefined) {
    const loop = createLoop();
    Object.defineProperty(globalThis, LOOP_KEY, { value: loop, configurable: true });
    return loop;
  }
  if (existing.protocol !== LOOP_PROTOCOL) {
    throw new Error(
      `Cannot load this copy of yielding/runtime: two copies of yielding/runtime with versions ${String(existing.version)} and ${VERSION} ` +
        `are loaded in one process, and they cannot share one loop (loop protocols ${String(existing.protocol)} and ${LOOP_PROTOCOL}). ` +
        "Make the process load one copy: install one version (npm ls yielding, npm dedupe), or have the bundler resolve yielding/runtime to one file.",
    );
  }
  return existing;
}

const loop = shareLoop();

/** @internal The slot of the task running now, shared by every copy of the runtime. */
export const currentTaskSlot: { task: unknown } = loop.current;

/**
 * Runs `fn(arg)` on a later turn, after every callback already queued (asyncio's
 * `call_soon`). This is how futures run their done callbacks and how tasks take steps, so a
 * million futures resolved one from another's callback never grow the stack.
 *
 * ```js
 * callSoon((name) => console.log("hello", name), "world");
 * ```
 */
export const callSoon: <A>(fn: LoopCallback<A>, arg: A) => void = loop.callSoon;

/**
 * For code the host calls on a turn of its own (a Promise reaction): runs `fn(a, b)`, then
 * at once the callbacks it queued, rather than on one more microtask. When a drain is under
 * way or on its way, what `fn(a, b)` queued waits its turn there instead, so the order of the
 * ready queue is the same either way.
 */
export const runFromHost: <A, B>(fn: (a: A, b: B) => void, a: A, b: B) => void = loop.runFromHost;

/**
 * `callSoon(fn, arg)` for code the host calls on a turn of its own (a Promise reaction):
 * when the ready queue is empty and no drain is under way, `fn(arg)` runs at once, then
 * what it queued; otherwise it is queued as `callSoon` queues it.
 */
export const callSoonFromHost: <A>(fn: LoopCallback<A>, arg: A) => void = loop.callSoonFromHost;

/**
 * Runs `fn(arg)` on the ready queue once the `now()` clock reaches `deadline`. Timers with
 * equal deadlines run in the order they were made.
 */
export const callAt: <A>(deadline: number, fn: LoopCallback<A>, arg: A) => Timer = loop.callAt;

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

/** Removes a timer whose callback has not run yet; does nothing otherwise. */
export const cancelTimer: (timer: Timer) => void = loop.cancelTimer;

/** @internal Puts `node` (not in the heap) in the heap, due at `deadline`. */
export const addTimer: (node: TimerNode, deadline: number) => void = loop.addTimer;

/** @internal Takes `node` out of the heap; does nothing when it is not there. */
export const removeTimer: (node: TimerNode) => void = loop.removeTimer;

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
export const runUntil: (done: () => boolean) => boolean = loop.runUntil;
