/**
 * The runtime's error classes. Each has its own `name`, so a stack trace says what happened,
 * and none subclasses another: `catch (e) { if (e instanceof TimeoutError) … }` never
 * catches a cancellation by accident. Each is branded (see `brandClass`), so `instanceof`
 * also recognises the errors of another copy of the runtime loaded in the same process.
 */

import { brandClass, errorBrand } from "./symbols.js";

/**
 * Thrown into a task at its suspension point when the task is cancelled, and the error a
 * cancelled `Future` settles with. `reason` is whatever was passed to `cancel(reason)`.
 *
 * Catch it only to clean up, then rethrow: a task that swallows it keeps running.
 *
 * ```js
 * try { yield* sleep(1000); } catch (e) { if (e instanceof CancelledError) log(e.reason); throw e; }
 * ```
 */
export class CancelledError extends Error {
  override name = "CancelledError";
  /** The reason given to `cancel(reason)`, if any. */
  readonly reason: unknown;
  constructor(reason?: unknown) {
    super(reason === undefined ? "The task was cancelled" : `The task was cancelled: ${reasonText(reason)}`);
    this.reason = reason;
  }
}

/** Thrown when a time limit runs out (`waitFor`, `timeout`). Not a `CancelledError`. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  constructor(message = "The operation timed out") {
    super(message);
  }
}

/**
 * Thrown by synchronous drivers (`runSync`) when a coroutine waits for something only the
 * host event loop can deliver, such as a Promise (settled or not: its result arrives on the
 * host's microtask queue).
 */
export class WouldBlockError extends Error {
  override name = "WouldBlockError";
  constructor(message = "The operation would block") {
    super(message);
  }
}

/** Thrown by a `Queue` that was closed: `put` after `close`, `get` on a closed, drained queue. */
export class QueueClosedError extends Error {
  override name = "QueueClosedError";
  constructor(message = "The queue is closed") {
    super(message);
  }
}

brandClass(CancelledError, errorBrand, "CancelledError");
brandClass(TimeoutError, errorBrand, "TimeoutError");
brandClass(WouldBlockError, errorBrand, "WouldBlockError");
brandClass(QueueClosedError, errorBrand, "QueueClosedError");

/** An error thrown while another one was being handled: `error` replaced `suppressed`. */
export interface SuppressedError extends Error {
  error: unknown;
  suppressed: unknown;
}

/** The constructor of `SuppressedError`: `new SuppressedError(error, suppressed, message?)`. */
export interface SuppressedErrorConstructor {
  new (error: unknown, suppressed: unknown, message?: string): SuppressedError;
  readonly prototype: SuppressedError;
}

class SuppressedErrorPolyfill extends Error implements SuppressedError {
  override name = "SuppressedError";
  error: unknown;
  suppressed: unknown;
  constructor(error: unknown, suppressed: unknown, message = "An error was suppressed during disposal.") {
    super(message);
    this.error = error;
    this.suppressed = suppressed;
  }
}

/**
 * The platform's `SuppressedError` (explicit resource management) where it exists, else an
 * equivalent class with the same `error` and `suppressed` fields. A `with` body's error that
 * a failing `dispose()` replaced is kept as `suppressed`.
 *
 * ```js
 * const e = new SuppressedError(disposeError, bodyError);
 * e.error === disposeError; e.suppressed === bodyError;
 * ```
 */
export const SuppressedError: SuppressedErrorConstructor =
  typeof (globalThis as { SuppressedError?: unknown }).SuppressedError === "function"
    ? (globalThis as unknown as { SuppressedError: SuppressedErrorConstructor }).SuppressedError
    : SuppressedErrorPolyfill;

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  try {
    return String(reason);
  } catch {
    return Object.prototype.toString.call(reason);
  }
}
