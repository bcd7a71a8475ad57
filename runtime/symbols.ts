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

/**
 * @internal The brand of the runtime's Futures (Tasks and every other Future included): a
 * property of `Future.prototype`. Registered, so that two copies of the runtime loaded in
 * one process recognise each other's Futures, where `instanceof` would not.
 */
export const futureBrand: unique symbol = Symbol.for("yielding.future") as never;

/** @internal The brand of the runtime's Tasks, on `Task.prototype` (see `futureBrand`). */
export const taskBrand: unique symbol = Symbol.for("yielding.task") as never;

/**
 * @internal The brand of the Tasks that `gather`, `race` and `waitFor` make, which cancel the
 * combinators they own (see `futureBrand`).
 */
export const combinatorBrand: unique symbol = Symbol.for("yielding.combinator") as never;

/**
 * @internal The brand of the runtime's error classes, on each class's prototype: its value
 * is the class's name (see `futureBrand`).
 */
export const errorBrand: unique symbol = Symbol.for("yielding.error") as never;

/**
 * @internal Makes `x instanceof cls` true for every object that carries `brand` with the
 * value `value` (on its prototype chain), so instances made by another copy of the runtime
 * count; `instanceof` a subclass of `cls` stays the ordinary prototype-chain check.
 */
export function brandClass(cls: abstract new (...args: never[]) => object, brand: symbol, value: unknown): void {
  Object.defineProperty(cls.prototype, brand, { value });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, x: unknown): boolean {
      if (this !== cls) return ordinaryHasInstance.call(this, x);
      return x !== null && (typeof x === "object" || typeof x === "function") && (x as Record<symbol, unknown>)[brand] === value;
    },
  });
}

const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];
