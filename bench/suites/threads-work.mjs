/** What the threads suite runs in worker threads: trivial functions, so the bridge is all that is timed. */

/** Returns its argument (for `toThread` and `blockOn`). */
export function echo(value) {
  return value;
}

/** A coroutine that returns its argument (for `blockOn`, which runs it with `run()`). */
export function* identity(value) {
  return value;
}

/** The same for a bare piscina pool, which calls the default export. */
export default echo;
