/**
 * `Queue`: a FIFO channel between tasks, bounded or not, that can be closed.
 */

import { QueueClosedError } from "./errors.js";
import { FULFILLED, Future, REJECTED } from "./future.js";
import type { YieldingIterable, YieldingIterator } from "./iterate.js";
import { asyncIteratorOf } from "./stream.js";
import { DONE, Deque, Event, Handoff } from "./sync.js";
import { yieldingIterator } from "./symbols.js";

/** What `tryGet()` returns: the item, or `{ ok: false }` when none is available right now. */
export type TryGetResult<T> = { ok: true; value: T } | { ok: false };

const NOTHING: unique symbol = Symbol("nothing");
const STEP_DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** A pending `get()` (or a step of a loop over the queue): settles when an item is handed over. */
class Take<T> extends Handoff<T> {
  private declare readonly _queue: Queue<unknown>;
  /** Settle with an IteratorResult (a loop's step) rather than the bare item. */
  declare readonly _asStep: boolean;
  constructor(queue: Queue<unknown>, asStep: boolean) {
    super();
    this._queue = queue;
    this._asStep = asStep;
  }
  /** @internal Hands `item` over. */
  _deliver(item: unknown): void {
    this._settle(FULFILLED, this._asStep ? { done: false, value: item } : item);
  }
  override _withdraw(): void {
    this._queue._getters.remove(this as Take<unknown>);
  }
  override _giveBack(value: T): void {
    if (!this._asStep) return this._queue._return(value);
    const step = value as IteratorResult<unknown>;
    if (!step.done) this._queue._return(step.value);
  }
}

/**
 * A pending `put()` of a full queue. When room appears it is let in: settled, with the room
 * kept for it, but its item enters the queue only when the putter takes that (its `yield*`
 * returns), so a putter cancelled before then adds nothing and passes its turn on.
 */
class Put extends Handoff<void> {
  private declare readonly _queue: Queue<unknown>;
  declare readonly _item: unknown;
  constructor(queue: Queue<unknown>, item: unknown) {
    super();
    this._queue = queue;
    this._item = item;
  }
  override _withdraw(): void {
    this._queue._putters.remove(this);
  }
  /** The put completes: its item goes in, unless the queue closed since it was let in. */
  override _claim(): void {
    this._taken = true;
    const queue = this._queue;
    queue._letIn--;
    if (!queue._closed) return queue._add(this._item);
    this._state = REJECTED;
    this._value = closedError("the queue closed while put() waited");
  }
  /** Let in but never resumed: the room it was kept goes to the next putter. */
  override _giveBack(): void {
    const queue = this._queue;
    queue._letIn--;
    queue._letPuttersIn();
  }
}

/**
 * A first-in, first-out queue between tasks (asyncio's `Queue`, closable like a Go channel).
 *
 * - `new Queue()` is unbounded; `new Queue(n)` holds at most `n` items, and `put` waits for
 *   room; `new Queue(0)` is a rendezvous: each `put` waits for a `get`, and the queue itself
 *   holds no item (so `tryGet()` finds none).
 * - `put(v)` and `get()` return something to `yield*` (or `await`); when they need not wait
 *   they return a settled future and the `yield*` does not suspend. A put to a waiting getter
 *   hands the item straight over: it no longer counts in `size` or against the capacity.
 * - Waiting getters and putters are served first come, first served. An item enters the
 *   queue only when its put completes: a get that makes room keeps it for the longest
 *   waiting putter, whose item goes in when that putter resumes. A task cancelled while it
 *   waits leaves the line: a putter adds nothing and passes its turn on, and an item handed
 *   to a getter that was cancelled before it took it goes to the next getter or back to the
 *   front of the queue: nothing is lost and nothing is added twice.
 * - `tryPut(v)` → `false` when it would have to wait; `tryGet()` → `{ ok: false }` likewise.
 * - `close()`: items already in the queue are still delivered. Then `get`/`tryGet` on the
 *   closed, drained queue, `put`/`tryPut` on the closed queue, and every `put` or `get`
 *   still waiting when it closes (with nothing left to get) throw `QueueClosedError`.
 * - `for (const item of yielding queue)` takes items until the queue is closed and drained
 *   (several loops may share one queue; each item goes to one of them), and so does
 *   `for await (const item of queue)`.
 * - `join()` waits until every item put has been taken and `taskDone()` called for it
 *   (asyncio's unfinished-task count).
 *
 * ```js
 * const q = new Queue(10);
 * spawn(function* () {
 *   for (let i = 0; i < 3; i++) yield* q.put(i);
 *   q.close();
 * }());
 * for (const item of yielding q) console.log(item);   // 0, 1, 2
 * ```
 */
export class Queue<T> implements YieldingIterable<T>, AsyncIterable<T> {
  /** The most items it holds (`Infinity` when unbounded, `0` for a rendezvous). */
  readonly capacity: number;
  /** @internal */
  readonly _items = new Deque<T>();
  /** @internal Getters waiting; only while `_items` is empty and no putter waits. */
  readonly _getters = new Deque<Take<unknown>>();
  /** @internal Putters waiting; only while the queue is full (counting the room kept for `_letIn`). */
  readonly _putters = new Deque<Put>();
  /** @internal Putters let in (room kept for each) that have not yet resumed to add their items. */
  _letIn = 0;
  /** @internal */
  _closed = false;
  /** @internal Items put and not yet marked done with `taskDone()`. */
  _unfinished = 0;
  /** @internal What `join()` waits for, made by the first `join()` that has to wait. */
  _joined: Event | null = null;

  constructor(capacity: number = Infinity) {
    if (capacity !== Infinity && !(Number.isInteger(capacity) && capacity >= 0)) {
      throw new RangeError(
        `new Queue(${String(capacity)}): the capacity must be a non-negative integer (omit it for an unbounded queue)`,
      );
    }
    this.capacity = capacity;
  }

  /** How many items are in the queue now (not counting putters still waiting, or let in but not yet resumed). */
  get size(): number {
    return this._items.length;
  }

  /** How many items were put and not yet marked done with `taskDone()`. */
  get unfinished(): number {
    return this._unfinished;
  }

  /** Whether `close()` was called (items may still be left to get). */
  get closed(): boolean {
    return this._closed;
  }

  /**
   * Adds `item` at the back, waiting for room while the queue is full. Returns something to
   * `yield*`; it throws `QueueClosedError` if the queue is closed, or closes while waiting.
   *
   * ```js
   * const q = new Queue(1);
   * yield* q.put("first");                              // room: no wait
   * spawn(function* () { yield* sleep(10); q.tryGet(); }());
   * yield* q.put("second");                             // waits about 10 ms for room
   * ```
   */
  put(item: T): Future<void> {
    if (this._closed) return rejected(closedError("put() on a closed queue"));
    if (this._offer(item)) return DONE;
    const putter = new Put(this, item);
    this._putters.push(putter);
    return putter;
  }

  /**
   * Adds `item` if that needs no wait: returns `true` if it did, `false` if the queue is
   * full (room kept for a waiting putter counts as full). Throws `QueueClosedError` if the
   * queue is closed.
   *
   * ```js
   * const q = new Queue(1);
   * q.tryPut("a");                                      // true
   * q.tryPut("b");                                      // false: full
   * ```
   */
  tryPut(item: T): boolean {
    if (this._closed) throw closedError("tryPut() on a closed queue");
    return this._offer(item);
  }

  /**
   * Takes the item at the front, waiting for one while the queue is empty. Returns something
   * to `yield*`: a settled future when an item is there (no suspension). It throws
   * `QueueClosedError` when the queue is closed and drained, or closes while it waits.
   *
   * ```js
   * const q = new Queue();
   * spawn(function* () { yield* sleep(10); yield* q.put("job"); }());
   * const job = yield* q.get();                         // "job", after about 10 ms
   * ```
   */
  get(): Future<T> {
    const item = this._take();
    if (item !== NOTHING) {
      const take = new Take<T>(this, false);
      take._state = FULFILLED;
      take._value = item;
      return take;
    }
    if (this._closed) return rejected(closedError("get() on a closed, empty queue"));
    const take = new Take<T>(this, false);
    this._wait(take as Take<unknown>);
    return take;
  }

  /**
   * Takes the item at the front if there is one: `{ ok: true, value }`, else `{ ok: false }`.
   * Throws `QueueClosedError` when the queue is closed and drained.
   *
   * ```js
   * const q = new Queue();
   * q.tryPut(1);
   * q.tryGet();                                         // { ok: true, value: 1 }
   * q.tryGet();                                         // { ok: false }
   * ```
   */
  tryGet(): TryGetResult<T> {
    const item = this._take();
    if (item !== NOTHING) return { ok: true, value: item };
    if (this._closed) throw closedError("tryGet() on a closed, empty queue");
    return { ok: false };
  }

  /**
   * Closes the queue: no more puts. Items already in it are still delivered; putters still
   * waiting get `QueueClosedError` (their items are not added), and so do putters let in
   * that have not resumed yet; getters still waiting (there
   * is nothing left for them) get `QueueClosedError`, and loops over the queue end. Closing
   * twice does nothing.
   *
   * ```js
   * const q = new Queue();
   * q.tryPut(1);
   * q.close();
   * yield* q.get();                                     // 1: put before close
   * yield* q.get();                                     // throws QueueClosedError
   * ```
   */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const putter of this._putters.drain()) putter._settle(REJECTED, closedError("the queue closed while put() waited"));
    for (const getter of this._getters.drain()) {
      if (getter._asStep) getter._settle(FULFILLED, STEP_DONE);
      else getter._settle(REJECTED, closedError("the queue closed while get() waited"));
    }
  }

  /**
   * Marks one item taken from the queue as processed (asyncio's `task_done()`): each put
   * adds one unfinished task, and each call takes one away; when none is left, `join()`
   * returns. Calling it more often than items were put throws a `RangeError`.
   *
   * ```js
   * const job = yield* q.get();
   * try { yield* handle(job); } finally { q.taskDone(); }
   * ```
   */
  taskDone(): void {
    if (this._unfinished === 0) throw new RangeError("Queue.taskDone(): called more often than items were put");
    if (--this._unfinished > 0 || this._joined === null) return;
    this._joined.set();
    this._joined = null;
  }

  /**
   * Waits until every item put so far has been marked done with `taskDone()` (asyncio's
   * `join()`). Returns something to `yield*`: a settled future when nothing is unfinished,
   * so the `yield*` does not suspend. A task cancelled while it waits leaves no trace.
   *
   * ```js
   * for (const url of urls) yield* q.put(url);
   * yield* q.join();                                    // every url processed
   * ```
   */
  join(): Future<void> {
    if (this._unfinished === 0) return DONE;
    return (this._joined ??= new Event()).wait();
  }

  /** `for (const item of yielding queue)`: takes items until the queue is closed and drained. */
  [yieldingIterator](): YieldingIterator<T> {
    return new QueueIterator(this);
  }

  /** `for await (const item of queue)`: takes items until the queue is closed and drained. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return asyncIteratorOf(new QueueIterator(this));
  }

  /**
   * @internal Whether a put may complete now: the items, and the room kept for putters let
   * in, leave a place in the buffer or a waiting getter with no let-in putter bound for it.
   */
  _hasRoom(): boolean {
    return this._items.length + this._letIn < this.capacity + this._getters.length;
  }

  /** @internal Puts without waiting if there is room. */
  _offer(item: T): boolean {
    if (!this._hasRoom()) return false;
    this._add(item);
    return true;
  }

  /** @internal A put completes: its item goes to the longest waiting getter, else into the buffer. */
  _add(item: unknown): void {
    this._unfinished++;
    const getter = this._getters.shift();
    if (getter !== undefined) getter._deliver(item);
    else this._items.push(item as T);
  }

  /**
   * @internal Lets waiting putters in while there is room, first come, first served. One
   * awaited from async code (`then`) completes at once; the others complete when they resume.
   */
  _letPuttersIn(): void {
    while (this._putters.length > 0 && this._hasRoom()) {
      const putter = this._putters.shift()!;
      if (putter._taken) this._add(putter._item);
      else this._letIn++;
      putter._settle(FULFILLED, undefined);
    }
  }

  /** @internal A getter starts waiting; on a rendezvous queue that lets a putter in. */
  _wait(getter: Take<unknown>): void {
    this._getters.push(getter);
    if (this._putters.length > 0) this._letPuttersIn();
  }

  /** @internal Takes an item without waiting, or returns NOTHING. Makes room for a putter. */
  _take(): T | typeof NOTHING {
    if (this._items.length === 0) return NOTHING;
    const item = this._items.shift()!;
    if (this._putters.length > 0) this._letPuttersIn();
    return item;
  }

  /** @internal An item handed to a getter that left before taking it: the next getter, or the front. */
  _return(item: unknown): void {
    const getter = this._getters.shift();
    if (getter !== undefined) getter._deliver(item);
    else this._items.unshift(item as T);
  }
}

/** A loop over a queue: each step takes one item, or ends once the queue is closed and drained. */
class QueueIterator<T> implements YieldingIterator<T> {
  constructor(private readonly _queue: Queue<T>) {}

  next(): IteratorResult<T> | Future<IteratorResult<T>> {
    const queue = this._queue;
    const item = queue._take();
    if (item !== NOTHING) return { done: false, value: item };
    if (queue._closed) return STEP_DONE;
    const take = new Take<IteratorResult<T>>(queue as Queue<unknown>, true);
    queue._wait(take as Take<unknown>);
    return take;
  }
}

function rejected<T>(error: unknown): Future<T> {
  const future = new Future<T>();
  future._state = REJECTED;
  future._value = error;
  return future;
}

function closedError(what: string): QueueClosedError {
  return new QueueClosedError(`The queue is closed: ${what}`);
}
