/**
 * `stream()`: write a yielding iterable as one generator, with backpressure; and
 * `toAsyncIterable()`: hand any yielding iterable to `for await` code.
 *
 * Also the plumbing `contextManager()` shares: running a generator *inside the calling
 * task*, step by step, up to its next marker (an `emit(v)` or a `provide(v)`).
 */

import { FULFILLED, Future, PENDING, describe, isCoroutine, isThenable } from "./future.js";
import type { YieldingIterable, YieldingIterator } from "./iterate.js";
import { spawn, type Coroutine } from "./task.js";
import { yieldingIterator } from "./symbols.js";

/** @internal How to resume an inline generator. */
export const NEXT = 0;
/** @internal */
export const THROW = 1;
/** @internal */
export const RETURN = 2;
type Mode = typeof NEXT | typeof THROW | typeof RETURN;

/** @internal Where a step of an inline generator stopped. */
export const MARKER = 0;
/** @internal */
export const FINISHED = 1;
/** @internal */
export const WAIT = 2;
type Stop = typeof MARKER | typeof FINISHED | typeof WAIT;

const STEP_DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * @internal What `yield* emit(v)` and `yield* provide(v)` delegate to: an iterator that
 * yields itself once, so the inline driver sees it. Errors thrown into the generator at that
 * point surface there.
 */
export class Marker<V> implements Iterator<unknown, void, unknown> {
  private _sent = false;
  constructor(
    readonly _value: V,
    readonly _owner: InlineRun,
  ) {}
  [Symbol.iterator](): Iterator<unknown, void, unknown> {
    return this;
  }
  next(): IteratorResult<unknown, void> {
    if (this._sent) return { done: true, value: undefined };
    this._sent = true;
    return { done: false, value: this };
  }
  throw(error?: unknown): never {
    throw error;
  }
}

/**
 * @internal A generator run inside whichever task steps it, not in a task of its own. A step
 * resumes it and runs it synchronously while what it waits for is already settled; it stops
 * at one of its own markers (`MARKER`), at its end (`FINISHED`, errors propagate), or at
 * something really pending (`WAIT`: then `yield* _wait()` waits for it in the calling task,
 * forwarding errors thrown into the task — a cancellation, say — into the generator).
 */
export abstract class InlineRun {
  /** @internal */
  _gen!: Generator<unknown, unknown, unknown>;
  /** @internal The marker (MARKER), the return value (FINISHED), or what to wait for (WAIT). */
  _out: unknown = undefined;
  /** @internal Whether a task is waiting inside `_wait()`. */
  _waiting = false;
  /** @internal Whether the generator has ended. */
  _finished = false;

  /**
   * @internal Sorts a yielded value that is not a Future: `true` for this run's own marker, an
   * Error to throw into the generator (a marker used wrongly), `false` for something the task
   * handles (a thenable, a bare `yield`, or a value the task rejects with a TypeError).
   */
  abstract _classify(yielded: unknown): boolean | Error;

  /** @internal */
  _step(mode: Mode, input: unknown): Stop {
    const gen = this._gen;
    for (;;) {
      let step: IteratorResult<unknown, unknown>;
      try {
        step = mode === NEXT ? gen.next(input) : mode === THROW ? gen.throw(input) : gen.return(input);
      } catch (error) {
        this._finished = true;
        throw error;
      }
      if (step.done) {
        this._finished = true;
        this._out = step.value;
        return FINISHED;
      }
      const yielded = step.value;
      if (yielded instanceof Future) {
        if (yielded._state === PENDING) {
          this._out = yielded;
          return WAIT;
        }
        yielded._observed = true;
        mode = yielded._state === FULFILLED ? NEXT : THROW;
        input = yielded._value;
        continue;
      }
      const kind = this._classify(yielded);
      if (kind === true) {
        this._out = yielded;
        return MARKER;
      }
      if (kind !== false) {
        mode = THROW;
        input = kind;
        continue;
      }
      this._out = yielded;
      return WAIT;
    }
  }

  /** @internal Waits, in the calling task, for what the last step stopped at; steps on until a marker or the end. */
  *_wait(): Generator<unknown, typeof MARKER | typeof FINISHED, unknown> {
    this._waiting = true;
    try {
      for (;;) {
        let mode: Mode = NEXT;
        let input: unknown;
        try {
          input = yield this._out;
        } catch (error) {
          mode = THROW;
          input = error;
        }
        const stop = this._step(mode, input);
        if (stop !== WAIT) return stop;
      }
    } finally {
      this._waiting = false;
    }
  }
}

/** What `stream()`'s body gets: `yield* emit(value)` hands `value` to the consumer. */
export type Emit<T> = (value: T) => { [Symbol.iterator](): Iterator<unknown, void, unknown> };

/** One run of a stream's body, for one loop. */
class StreamRun<T> extends InlineRun implements YieldingIterator<T> {
  private _closing = false;

  constructor(body: (emit: Emit<T>) => Generator<unknown, unknown, unknown>) {
    super();
    const gen = body((value: T) => new Marker(value, this));
    if (!isCoroutine(gen) || gen instanceof Future) {
      throw new TypeError(`stream() takes a generator function: its body returned ${describe(gen)}`);
    }
    this._gen = gen;
  }

  override _classify(yielded: unknown): boolean | Error {
    if (!(yielded instanceof Marker)) return false;
    if (yielded._owner !== this) return new TypeError("emit() was called outside the body of the stream it belongs to");
    if (this._closing) return new TypeError("A stream cannot emit while it is being closed (in a finally block after the consumer stopped)");
    return true;
  }

  /** Runs the body until its next `emit` (the value) or its end (done). */
  next(): IteratorResult<T> | Coroutine<IteratorResult<T>> {
    if (this._finished) return STEP_DONE;
    this._assertIdle();
    const stop = this._step(NEXT, undefined);
    return stop === WAIT ? this._later() : this._result(stop);
  }

  /** The consumer stopped early: closes the body, running its `finally` blocks. */
  return(): IteratorResult<T> | Coroutine<IteratorResult<T>> {
    if (this._finished) return STEP_DONE;
    this._assertIdle();
    this._closing = true;
    const stop = this._step(RETURN, undefined);
    return stop === WAIT ? this._later() : STEP_DONE;
  }

  private *_later(): Coroutine<IteratorResult<T>> {
    return this._result(yield* this._wait());
  }

  private _result(stop: typeof MARKER | typeof FINISHED): IteratorResult<T> {
    return stop === MARKER ? { done: false, value: (this._out as Marker<T>)._value } : STEP_DONE;
  }

  private _assertIdle(): void {
    if (this._waiting) {
      throw new TypeError("This stream is already being stepped by another task: give each consumer its own loop over it");
    }
  }
}

/**
 * A yielding iterable written as one generator; make one with `stream()`. Each loop over it
 * runs the body afresh. It is async-iterable too, for `for await` code.
 *
 * ```js
 * const s = stream(function* (emit) { yield* emit(1); yield* emit(2); });
 * s instanceof Stream;                                  // true
 * for await (const x of s) console.log(x);              // 1, 2
 * ```
 */
export class Stream<T> implements YieldingIterable<T>, AsyncIterable<T> {
  /** @internal */
  constructor(private readonly _body: (emit: Emit<T>) => Generator<unknown, unknown, unknown>) {}

  /** Starts a run of the body, for one yielding loop. */
  [yieldingIterator](): YieldingIterator<T> {
    return new StreamRun(this._body);
  }

  /** Starts a run of the body, for one `for await` loop. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return asyncIteratorOf(new StreamRun(this._body));
  }
}

/**
 * Writes a yielding iterable as one generator: `yield* emit(v)` hands `v` to the consumer
 * and suspends the body until the consumer pulls again, so the body never runs ahead of its
 * consumer (backpressure). The body may wait for anything in between (`yield* sleep(…)`,
 * `yield* wait(promise)`), and it runs in the consumer's task as the consumer pulls: no task
 * of its own. A consumer that stops early (`break`, `return`, an error, a cancellation)
 * closes the body, so its `finally` blocks run; an error in the body propagates to the
 * consumer. Each loop over the stream runs the body afresh, from the start.
 *
 * ```js
 * const ticks = stream(function* (emit) {
 *   try {
 *     for (let i = 0; ; i++) { yield* sleep(100); yield* emit(i); }
 *   } finally { console.log("ticker stopped"); }
 * });
 * for (const t of yielding ticks) { console.log(t); if (t === 3) break; }
 * // 0 1 2 3, then "ticker stopped"; `for await (const t of ticks)` works in async code too
 * ```
 */
export function stream<T>(body: (emit: Emit<T>) => Generator<unknown, unknown, unknown>): Stream<T> {
  if (typeof body !== "function") {
    throw new TypeError(`stream() takes a generator function, not ${describe(body)}`);
  }
  return new Stream(body);
}

/** @internal Drives a yielding iterator from `for await` code: a coroutine step runs in a task of its own. */
export function asyncIteratorOf<T>(iterator: YieldingIterator<T>): AsyncIterator<T> & AsyncIterable<T> {
  return {
    next(): Promise<IteratorResult<T>> {
      try {
        return settleStep(iterator.next()) as Promise<IteratorResult<T>>;
      } catch (error) {
        return Promise.reject(error);
      }
    },
    return(value?: unknown): Promise<IteratorResult<T>> {
      const done = { done: true, value } as IteratorResult<T>;
      const method = iterator.return;
      if (typeof method !== "function") return Promise.resolve(done);
      try {
        return settleStep(method.call(iterator)).then(() => done);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function settleStep(step: unknown): Promise<unknown> {
  if (!(step instanceof Future) && isCoroutine(step)) return Promise.resolve(spawn(step));
  return Promise.resolve(step);
}

/**
 * Hands a yielding iterable to `for await` code, which knows nothing of tasks: each step of
 * the loop runs in a task of its own when it has to wait, so it works from any async
 * function. `return()` (a `for await` left early) closes the underlying iterator, waiting for
 * its cleanup. Async iterables are returned as they are; a sync iterable's values that are
 * Futures, Tasks or thenables are waited for, as a yielding loop does.
 *
 * ```js
 * const q = new Queue();
 * q.tryPut("a"); q.tryPut("b"); q.close();
 * async function print(rows) { for await (const row of rows) console.log(row); }
 * await print(toAsyncIterable(q));                      // a, b
 * ```
 */
export function toAsyncIterable<T>(source: YieldingIterable<T>): AsyncIterable<T>;
export function toAsyncIterable<T>(source: AsyncIterable<T>): AsyncIterable<T>;
export function toAsyncIterable<T>(source: Iterable<T>): AsyncIterable<Awaited<T>>;
export function toAsyncIterable(source: unknown): AsyncIterable<unknown> {
  if (source === null || source === undefined) throw notIterable(source);
  const object = source as Record<PropertyKey, unknown>;
  const yielding = object[yieldingIterator];
  if (typeof yielding === "function") {
    return {
      [Symbol.asyncIterator]: () => asyncIteratorOf((yielding as () => YieldingIterator<unknown>).call(source)),
    };
  }
  if (typeof object[Symbol.asyncIterator] === "function") return source as AsyncIterable<unknown>;
  if (source instanceof Future || isThenable(source)) {
    throw new TypeError(
      `toAsyncIterable() takes an iterable, not ${describe(source)}: wait for it first, ` +
        "e.g. `toAsyncIterable(yield* wait(p))`",
    );
  }
  if (typeof object[Symbol.iterator] === "function") {
    const iterable = source as Iterable<unknown>;
    return {
      // `yield*` in an async generator wraps a sync iterator as `for await` does: values,
      // the final done value and return()'s value are all awaited, and closing is forwarded.
      async *[Symbol.asyncIterator]() {
        return yield* iterable;
      },
    };
  }
  throw notIterable(source);
}

function notIterable(source: unknown): TypeError {
  return new TypeError(`toAsyncIterable() takes an iterable: ${describe(source)} is not yielding-iterable`);
}
