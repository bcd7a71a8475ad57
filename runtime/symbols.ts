/**
 * The protocol symbols. They are registered (`Symbol.for`), so a library can implement the
 * protocols without importing this package.
 */

/**
 * Makes an object *yielding-iterable* (SPEC §3.1 a): `obj[yieldingIterator]()` returns an
 * iterator whose `next()` returns an IteratorResult, or a waitable of one (a Future, a
 * Promise, or a coroutine, so a generator method `*next()` works).
 *
 * ```js
 * class Ticker {
 *   [yieldingIterator]() {
 *     let n = 0;
 *     return { *next() { yield* sleep(100); return { done: false, value: n++ }; } };
 *   }
 * }
 * for (const tick of yielding new Ticker()) …
 * ```
 */
export const yieldingIterator: unique symbol = Symbol.for("yielding.iterator") as never;

/**
 * The enter half of a yielding context manager (SPEC §4.2 a): `obj[yieldingEnter]()` returns
 * the bound value or a waitable of it. Always paired with `yieldingExit`.
 */
export const yieldingEnter: unique symbol = Symbol.for("yielding.enter") as never;

/**
 * The exit half of a yielding context manager (SPEC §4.2 a): `obj[yieldingExit](threw, error)`
 * may return a waitable; a truthy result suppresses the body's error.
 */
export const yieldingExit: unique symbol = Symbol.for("yielding.exit") as never;
