/**
 * Memory: bytes per sleeping task, each measured in a fresh `node --expose-gc` process
 * (memory-child.mjs), and whether a million of our sleeping tasks fit in the default heap.
 */

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { num, summary, target } from "../harness.mjs";

const CHILD = fileURLToPath(new URL("./memory-child.mjs", import.meta.url));

/** Runs one measurement; resolves to its JSON line, or `{ failed }` when the process died. */
function child(kind, count, sleepMs) {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--expose-gc", CHILD, kind, String(count), String(sleepMs)], { maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error) resolve({ kind, count, failed: /heap out of memory/i.test(stderr) ? "out of memory" : `${error.message}\n${stderr}` });
      else resolve(JSON.parse(stdout.trim().split("\n").at(-1)));
    });
  });
}

const KINDS = [
  ["async-promise", "async function in `await` on its own promise"],
  ["async-timer", "async function in `await setTimeout(ms)` (node:timers/promises)"],
  ["yielding", "yielding task in `yield* sleep(ms)`"],
  ["effection", "Effection task in `yield* sleep(ms)`"],
];

export default {
  name: "memory",
  async run(opts) {
    const count = opts.quick ? 5_000 : 100_000;
    const sleepMs = opts.quick ? 500 : 1000;
    const many = opts.quick ? 100_000 : 1_000_000;
    // One process at a time, so none slows another's timers; --quick runs them side by side.
    const jobs = [...KINDS.map(([kind]) => [kind, count]), ["yielding", many]];
    const done = [];
    if (opts.quick) done.push(...(await Promise.all(jobs.map(([kind, n]) => child(kind, n, sleepMs)))));
    else for (const [kind, n] of jobs) done.push(await child(kind, n, sleepMs));
    const big = done.pop();
    const results = done;
    for (const r of results) if (r.failed) throw new Error(`memory: ${r.kind} × ${count} failed: ${r.failed}`);
    // Running out of memory is the answer "does not fit"; any other failure is a bug.
    if (big.failed && big.failed !== "out of memory") throw new Error(`memory: yielding × ${many} failed: ${big.failed}`);
    const base = results[0].bytesPerTask;
    const yielding = results.find((r) => r.kind === "yielding");
    const fits = !big.failed && big.allWoke;
    const n = (x) => x.toLocaleString("en-US");
    const bytes = (kind) => num(results.find((r) => r.kind === kind).bytesPerTask);
    return {
      summary: [
        summary(
          "bytes per sleeping task",
          `${bytes("yielding")} B (${fits ? `${n(many)} fit` : `${n(many)} do not fit`} in the default heap)`,
          `async function ${bytes("async-promise")} B (${bytes("async-timer")} B asleep on its own timer) · Effection ${bytes("effection")} B`,
        ),
      ],
      tables: [
        {
          title: `Memory: ${n(count)} sleeping tasks at once`,
          note: "heapUsed after a full GC with every task asleep, minus the same before they started, per task; one fresh process per row. Host timers: Node `Timeout`s alive meanwhile.",
          headers: ["task", "bytes per task", "× baseline", "host timers", "all woke"],
          rows: results.map((r, i) => [
            `${KINDS.find(([k]) => k === r.kind)[1]}${i === 0 ? " **(baseline)**" : ""}`,
            num(r.bytesPerTask),
            `${(r.bytesPerTask / base).toFixed(2)}×`,
            n(r.hostTimers),
            r.allWoke ? "yes" : "**no**",
          ]),
        },
        {
          title: `Memory: ${n(many)} yielding tasks asleep at once, default heap`,
          headers: ["fits", "bytes per task", "heap held", "heap limit", "all woke", "wall time"],
          rows: [
            big.failed
              ? ["**no**", "—", "—", "—", big.failed, "—"]
              : ["yes", num(big.bytesPerTask), `${num(big.heapMiB)} MiB`, `${n(big.heapLimitMiB)} MiB`, big.allWoke ? "yes" : "**no**", `${num(big.seconds)} s`],
          ],
        },
      ],
      targets: [
        target("memory per sleeping task ≤ 400 bytes", `${num(yielding.bytesPerTask)} bytes (async function: ${num(base)})`, yielding.bytesPerTask <= 400),
        target(`${n(count)} concurrent sleeping tasks work`, yielding.allWoke ? `all woke, ${yielding.hostTimers} host timer` : "not all woke", yielding.allWoke),
        target(
          "1,000,000 sleeping tasks fit in the default heap",
          `${n(many)}: ${fits ? `yes, ${num(big.heapMiB)} MiB of ${n(big.heapLimitMiB)}` : `no (${big.failed ?? "not all woke"})`}`,
          many >= 1_000_000 ? fits : null,
        ),
      ],
    };
  },
};
