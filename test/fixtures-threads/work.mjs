// Functions the threads tests run in worker threads (plain JavaScript: workers load no TypeScript).
import { threadId } from "node:worker_threads";
import { readFile } from "node:fs/promises";
import { sleep, spawn, wait, TimeoutError } from "yielding/runtime";

/** Returns its arguments and the worker's thread id. */
export function echo(...args) {
  return { args, threadId };
}

/** Blocks its thread for `ms` milliseconds of CPU work, then returns its thread id. */
export function spin(ms) {
  const until = performance.now() + ms;
  let n = 0;
  while (performance.now() < until) n++;
  return threadId;
}

/** Returns a Promise. */
export async function later(value, ms) {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value;
}

export class ParseError extends Error {
  name = "ParseError";
  constructor(message, line) {
    super(message);
    this.line = line;
  }
}

/** Throws an error with a custom name and an own property. */
export function fail(message) {
  throw new ParseError(message, 7);
}

/** Throws an error whose `cause` is a RangeError. */
export function failWithCause(message) {
  throw new TypeError(message, { cause: new RangeError("inner") });
}

/** Throws something that is not an Error. */
export function throwValue(value) {
  throw value;
}

/** Kills its worker thread. */
export function exit(code) {
  process.exit(code);
}

/** Throws from a callback nothing waits for: an uncaught error kills the worker thread. */
export function crashLater(message) {
  setTimeout(() => {
    throw new Error(message);
  }, 5);
  return new Promise(() => {});
}

/** Returns something structured cloning cannot copy. */
export function unclonable() {
  return { fn() {} };
}

/** A coroutine: sleeps, waits for a Promise and a spawned task, reads a file. */
export function* readAfter(path, ms) {
  const child = spawn(
    (function* () {
      yield* sleep(ms);
      return "child";
    })(),
  );
  const text = yield* wait(readFile(path, "utf8"));
  return { text, child: yield* child };
}

/** A coroutine that fails with a runtime error class. */
export function* timesOut(ms) {
  yield* sleep(ms);
  throw new TimeoutError(`gave up after ${ms} ms`);
}

/** A coroutine that kills its worker thread. */
export function* exitWhileWaiting(code) {
  yield* sleep(5);
  process.exit(code);
}

/** A coroutine whose worker dies of an uncaught error in a callback. */
export function* crashWhileWaiting(message) {
  setTimeout(() => {
    throw new Error(message);
  }, 5);
  yield* sleep(1000);
}

/** Blocks its thread for `ms` milliseconds; returns when it ran, on the shared wall clock. */
export function spinSpan(ms) {
  const start = performance.timeOrigin + performance.now();
  spin(ms);
  return { threadId, start, end: performance.timeOrigin + performance.now() };
}

/** A coroutine that returns at once (for measuring the cost of a blockOn/toThread call). */
export function* identity(value) {
  return value;
}
