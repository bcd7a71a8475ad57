/**
 * Comprehensions: an array of N ready values doubled into a new array. Our comprehensions
 * (compiled at start) against `Array.prototype.map` (the floor), a plain `for…of` pushing,
 * and `for await` pushing in an async function (what async code writes without them).
 */

import { compileAndImport, dist, peers, ratio, summary, time, timeCases, timingTable } from "../harness.mjs";

const { run } = await import(dist("runtime/index.js"));

/** Our comprehensions, one function per case so each keeps its own type feedback. */
const YIELDING_SOURCE = `
export function plainComprehension(xs) {
  return [for (x of xs) x * 2];
}
export function* yieldingComprehension(xs) {
  return [for (x of yielding xs) x * 2];
}
export function* lazyStream(xs) {
  let sum = 0;
  for (const y of yielding (for (x of yielding xs) x * 2)) sum += y;
  return sum;
}
`;

function plainPush(xs) {
  const out = [];
  for (const x of xs) out.push(x * 2);
  return out;
}

async function forAwaitPush(xs) {
  const out = [];
  for await (const x of xs) out.push(x * 2);
  return out;
}

const sumOf = (array) => array.reduce((a, b) => a + b, 0);

export default {
  name: "comprehension",
  async run(opts) {
    const comps = await compileAndImport("comprehensions", YIELDING_SOURCE);
    const n = opts.quick ? 100_000 : 1_000_000;
    const xs = [];
    for (let i = 0; i < n; i++) xs.push(i % 100);
    const expect = 2 * xs.reduce((a, b) => a + b, 0);
    const results = await timeCases(
      [
        { name: "`xs.map((x) => x * 2)`", ops: n, expect, run: () => sumOf(xs.map((x) => x * 2)) },
        { name: "plain `for…of` pushing", ops: n, expect, run: () => sumOf(plainPush(xs)) },
        { name: "`[for (x of xs) x * 2]`", ops: n, expect, run: () => sumOf(comps.plainComprehension(xs)) },
        { name: "`[for (x of yielding xs) x * 2]` (`run()` task)", ops: n, expect, run: () => run(comps.yieldingComprehension(xs)).then(sumOf) },
        { name: "`(for (x of yielding xs) x * 2)` stream, consumed by a yielding loop", ops: n, expect, run: () => run(comps.lazyStream(xs)) },
        { name: "`for await` pushing (async function)", ops: n, expect, run: () => forAwaitPush(xs).then(sumOf) },
      ],
      opts,
    );
    const [map, push, plain, yieldingArray, stream, forAwait] = results.map((r) => r.ns);
    const count = n.toLocaleString("en-US");
    return {
      tables: [
        timingTable(`Comprehensions: ${count} ready values doubled`, results, {
          note: "The baseline is the floor: `Array.prototype.map`. Each case also sums the result, so every case does the same work after building it.",
        }),
      ],
      summary: [
        summary(
          `${count} ready values through \`[for (x of yielding xs) x * 2]\`, per item`,
          `${time(yieldingArray)} (${ratio(yieldingArray / map)} \`map\`, ${ratio(forAwait / yieldingArray)} faster than \`for await\`)`,
          peers([["`map`", map], ["plain `for…of` push", push], ["plain comprehension", plain], ["lazy stream", stream], ["`for await` push", forAwait]]),
        ),
      ],
    };
  },
};
