/**
 * The runtime half of lazy comprehensions (SPEC §5): `(for (x of xs) if (c) e)` and
 * `(for (x of yielding xs) e)`. Only the first clause's source is evaluated, and its
 * iterator obtained, when the comprehension is created (as Python does); the compiler
 * passes that iterator in, and the rest of the comprehension is a generator body that runs
 * as the consumer pulls:
 *
 * ```js
 * _lazy(_firstIterable(xs, "xs"), function* (_first) { for (const x of _first) if (c) yield e; }, this)
 * _lazyStream(_iterate(xs, "xs"), function* (_it, _emit) { …a yielding loop over _it… yield* _emit(e); }, this)
 * ```
 */

import { stream, type Emit, type Stream } from "./stream.js";

/**
 * Obtains the iterator of a sync iterable now, for the first clause of a plain lazy
 * comprehension, and returns an iterable that hands out that very iterator: a `for…of`
 * over it later steps the iterator obtained at creation, and closes it if left early.
 *
 * ```js
 * const first = firstIterable(xs, "xs"); // xs[Symbol.iterator]() was called here
 * ```
 */
export function firstIterable<T>(source: Iterable<T>, sourceText = "the value"): Iterable<T> {
  const method = source === null || source === undefined ? undefined : (source as Iterable<T>)[Symbol.iterator];
  if (typeof method !== "function") throw new TypeError(`${sourceText} is not iterable`);
  const iterator = method.call(source);
  if (iterator === null || (typeof iterator !== "object" && typeof iterator !== "function")) {
    throw new TypeError("Result of the Symbol.iterator method is not an object");
  }
  let handedOut = false;
  return {
    [Symbol.iterator]() {
      // One comprehension, one pass, as a generator expression in Python: a second pass finds the iterator spent.
      if (handedOut) return { next: () => ({ done: true, value: undefined }) } as Iterator<T>;
      handedOut = true;
      return iterator;
    },
  };
}

/**
 * A plain lazy comprehension: the Generator that `body`, called with `thisArg`, the first
 * clause's iterable and `extra` (the enclosing function's `arguments`, `new.target`, …, as
 * the compiler needs them), returns. Nothing of the body runs until the first `next()`.
 */
export function lazy<T>(
  first: unknown,
  body: (this: unknown, first: unknown, ...extra: unknown[]) => Generator<T, void, unknown>,
  thisArg?: unknown,
  ...extra: unknown[]
): Generator<T, void, unknown> {
  return body.call(thisArg, first, ...extra);
}

/**
 * A lazy comprehension with a `yielding` clause: a `Stream` (yielding-iterable and
 * async-iterable) whose body runs inline in the consumer's task as it pulls, with
 * backpressure, exactly as `stream()`'s. `first` is the first clause's iteration (made by
 * `iterate()`, or `firstIterable()` for a plain first clause), obtained at creation.
 */
export function lazyStream<T>(
  first: unknown,
  body: (this: unknown, first: unknown, emit: Emit<T>, ...extra: unknown[]) => Generator<unknown, unknown, unknown>,
  thisArg?: unknown,
  ...extra: unknown[]
): Stream<T> {
  let started = false;
  return stream<T>((emit) => {
    // A second loop over the same comprehension finds its first source spent.
    if (started) return (function* () {})();
    started = true;
    return body.call(thisArg, first, emit, ...extra);
  });
}
