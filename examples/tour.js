// A tour of yielding loops: run it with `npx yielding run examples/tour.js`.
//
// A second task, the "bystander", counts its turns. Each line the loops print says whether
// the bystander got a turn since the previous line: if it did, the loop suspended there; if
// not, the step was ready and the loop went on at once, with no trip through the event loop.
import { Readable } from "node:stream";
import { checkpoint, Future, run, sleep, spawn } from "yielding/runtime";

let bystanderTurns = 0;

/** Takes a turn whenever the scheduler lets it, forever; `run` cancels it at the end. */
function* bystander() {
  for (;;) {
    bystanderTurns++;
    yield* checkpoint(); // back of the ready queue: runs again as soon as nothing else is ready
  }
}

/** What happened since the last call: did other tasks run? */
function since() {
  const note = bystanderTurns > 0 ? "suspended" : "no suspension";
  bystanderTurns = 0;
  return note;
}

/** An async generator: every step is a Promise, so every step suspends. */
async function* slowNumbers() {
  for (let i = 1; i <= 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    yield i;
  }
}

/**
 * A custom yielding iterator: a countdown whose steps are ready, except every third one,
 * which waits for a timer. `next()` may return a result or a Future of one.
 */
function countdown(from) {
  return {
    [Symbol.for("yielding.iterator")]() {
      let n = from;
      return {
        next() {
          if (n === 0) return { done: true, value: undefined };
          const value = n--;
          return value % 3 === 0 ? sleep(5, { done: false, value }) : { done: false, value };
        },
        return() {
          console.log("  countdown closed early");
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/** Futures that are already settled: the loop takes their results at once. */
function readyFutures() {
  return ["a", "b", "c"].map((value) => {
    const future = new Future();
    future.setResult(value);
    return future;
  });
}

function* main() {
  spawn(bystander());

  console.log("an async generator (each step is a Promise):");
  since();
  for (const n of yielding slowNumbers()) console.log(`  ${n}  ${since()}`);

  console.log("a Node readable stream:");
  since();
  for (const chunk of yielding Readable.from(["alpha", "beta"], { objectMode: true })) {
    console.log(`  ${chunk}  ${since()}`);
  }

  console.log("a custom yielding iterator (every third step waits):");
  since();
  for (const n of yielding countdown(7)) {
    console.log(`  ${n}  ${since()}`);
    if (n === 2) break; // leaving early closes the iterator
  }

  console.log("settled Futures and plain values (the fast path):");
  since();
  for (const value of yielding [...readyFutures(), 1, 2]) console.log(`  ${value}  ${since()}`);

  console.log("done");
}

run(main());
