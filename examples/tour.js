// A tour of yielding loops, with-statements and comprehensions: run it with
// `npx yielding run examples/tour.js`.
//
// A second task, the "bystander", counts its turns. Each line the tour prints says whether
// the bystander got a turn since the previous line: if it did, the task suspended there; if
// not, the step was ready and the code went on at once, with no trip through the event loop.
import { Readable } from "node:stream";
import { checkpoint, contextManager, Future, Lock, run, sleep, spawn } from "yielding/runtime";

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

/** A context manager whose exit suspends: a connection that takes a moment to close. */
const connection = (name) =>
  contextManager(function* (provide) {
    try {
      yield* provide(name);
    } finally {
      yield* sleep(5); // closing takes a while: the with-statement waits for it
    }
  });

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

  console.log("with-statements (a free Lock is ready; an exit that sleeps suspends):");
  const lock = new Lock();
  since();
  with (yielding lock) console.log(`  holding the lock  ${since()}`);
  with (const conn = yielding connection("conn#1")) console.log(`  using ${conn}  ${since()}`);
  console.log(`  after the exit  ${since()}`);

  console.log("comprehensions:");
  since();
  const doubled = [for (n of yielding slowNumbers()) n * 2];
  console.log(`  ${JSON.stringify(doubled)} from an async generator  ${since()}`);
  const upper = [for (v of yielding readyFutures()) if (v !== "b") v.toUpperCase()];
  console.log(`  ${JSON.stringify(upper)} from settled Futures  ${since()}`);

  console.log("done");
}

run(main());
