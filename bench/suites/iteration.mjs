/**
 * Iteration: summing N numbers that are already there (an array), and N numbers from an
 * async generator, with a yielding loop (compiled by our compiler at start) and with the
 * peers' ways of iterating something that might be asynchronous.
 */

import co from "co";
import { each, run as effectionRun, stream as effectionStream } from "effection";
import { compileAndImport, dist, peers, ratio, summary, target, time, timeCases, timingTable } from "../harness.mjs";

const { run } = await import(dist("runtime/index.js"));

/** Our loops, one function per case so each keeps its own type feedback. */
const YIELDING_SOURCE = `
export function* sumArray(xs) {
  let sum = 0;
  for (const x of yielding xs) sum += x;
  return sum;
}
export function* sumAsyncGenerator(source) {
  let sum = 0;
  for (const x of yielding source) sum += x;
  return sum;
}
`;

function plainForOf(xs) {
  let sum = 0;
  for (const x of xs) sum += x;
  return sum;
}

function* plainForOfInGenerator(xs) {
  let sum = 0;
  for (const x of xs) sum += x;
  return sum;
}

// Two copies of the same `for await` loop, so neither sees the other's kind of source.
async function forAwaitArray(xs) {
  let sum = 0;
  for await (const x of xs) sum += x;
  return sum;
}

async function forAwaitGenerator(source) {
  let sum = 0;
  for await (const x of source) sum += x;
  return sum;
}

/** Effection's own best case for ready values: a stream whose `next()` returns at once. */
function readyStream(xs) {
  return {
    *[Symbol.iterator]() {
      let i = 0;
      return {
        *next() {
          return i < xs.length ? { done: false, value: xs[i++] } : { done: true, value: undefined };
        },
      };
    },
  };
}

function effectionEach(stream) {
  return effectionRun(function* () {
    let sum = 0;
    for (const x of yield* each(stream)) {
      sum += x;
      yield* each.next();
    }
    return sum;
  });
}

/** co waits only for promises (and thunks, generators…): a ready value is wrapped. */
const coArray = (xs) =>
  co(function* () {
    let sum = 0;
    for (const x of xs) sum += yield Promise.resolve(x);
    return sum;
  });

/** co's way through an async iterator: yield each `next()` promise. */
const coAsyncIterator = (source) =>
  co(function* () {
    const it = source[Symbol.asyncIterator]();
    let sum = 0;
    for (;;) {
      const step = yield it.next();
      if (step.done) return sum;
      sum += step.value;
    }
  });

async function* numbers(n) {
  for (let i = 0; i < n; i++) yield i % 100;
}

export default {
  name: "iteration",
  async run(opts) {
    const loops = await compileAndImport("iteration-loops", YIELDING_SOURCE);
    const n = opts.quick ? 100_000 : 1_000_000;
    // Small integers in a packed array, so every sum stays a small integer: a sum that
    // overflows into doubles measures V8's deoptimizations, not iteration.
    const xs = [];
    for (let i = 0; i < n; i++) xs.push(i % 100);
    const expect = xs.reduce((a, b) => a + b, 0);
    // Effection takes ~10 µs an item here: it iterates the first tenth (its cost per item does
    // not grow with n), or a full run would spend minutes on it.
    const few = { n: n / 10, xs: xs.slice(0, n / 10), label: ` (first ${(n / 10).toLocaleString("en-US")})` };
    few.expect = few.xs.reduce((a, b) => a + b, 0);

    const ready = await timeCases(
      [
        { name: "plain `for…of`", ops: n, expect, run: () => plainForOf(xs) },
        { name: "plain `for…of` inside a generator", ops: n, expect, run: () => plainForOfInGenerator(xs).next().value },
        { name: "yielding loop (`run()` task)", ops: n, expect, run: () => run(loops.sumArray(xs)) },
        { name: "`for await` (async function)", ops: n, expect, run: () => forAwaitArray(xs) },
        { name: `Effection \`each()\` over a ready stream${few.label}`, ops: few.n, expect: few.expect, run: () => effectionEach(readyStream(few.xs)) },
        { name: "co, `yield Promise.resolve(x)`", ops: n, expect, run: () => coArray(xs) },
      ],
      opts,
    );
    const generated = await timeCases(
      [
        { name: "`for await`", ops: n, expect, run: () => forAwaitGenerator(numbers(n)) },
        { name: "yielding loop (`run()` task)", ops: n, expect, run: () => run(loops.sumAsyncGenerator(numbers(n))) },
        { name: `Effection \`each(stream(gen))\`${few.label}`, ops: few.n, expect: few.expect, run: () => effectionEach(effectionStream(numbers(few.n))) },
        { name: "co, `yield it.next()`", ops: n, expect, run: () => coAsyncIterator(numbers(n)) },
      ],
      opts,
    );

    const [plain, inGenerator, yieldingArray, forAwaitArrayNs, effectionArray, coArrayNs] = ready.map((r) => r.ns);
    const [forAwaitGen, yieldingGen, effectionGen, coGen] = generated.map((r) => r.ns);
    const count = n.toLocaleString("en-US");
    return {
      tables: [
        timingTable(`Iteration: ${count} ready values (an array of numbers), summed`, ready, {
          note: "The baseline is the floor: a plain `for…of` in a plain function.",
        }),
        timingTable(`Iteration: ${count} values from an async generator, summed`, generated, {
          note: "The same `async function*` source for every case; the baseline is `for await` on it.",
        }),
      ],
      summary: [
        summary(
          `${count} ready values (an array), per item`,
          `${time(yieldingArray)} (${ratio(yieldingArray / plain)} plain \`for…of\`)`,
          peers([["plain `for…of`", plain], ["`for await`", forAwaitArrayNs], ["co", coArrayNs], ["Effection `each`", effectionArray]]),
        ),
        summary(
          `${count} values of an async generator, per item`,
          `${time(yieldingGen)} (${ratio(yieldingGen / forAwaitGen)} \`for await\`)`,
          peers([["`for await`", forAwaitGen], ["co", coGen], ["Effection `each`", effectionGen]]),
        ),
      ],
      targets: [
        target("ready values: yielding loop ≤ 2× plain `for…of`", `${(yieldingArray / plain).toFixed(2)}× (${(yieldingArray / inGenerator).toFixed(2)}× the for…of inside a generator)`, yieldingArray <= 2 * plain),
        target("ready values: yielding loop ≥ 10× faster than `for await`", `${(forAwaitArrayNs / yieldingArray).toFixed(1)}× faster`, forAwaitArrayNs >= 10 * yieldingArray),
        target("async generator: yielding loop ≤ 1.1× `for await` on it", `${(yieldingGen / forAwaitGen).toFixed(2)}×`, yieldingGen <= 1.1 * forAwaitGen),
      ],
    };
  },
};
