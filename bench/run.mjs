/**
 * `npm run bench [-- --quick] [-- --suite NAME]`: runs the suites in bench/suites/, prints a
 * markdown table per measurement and a table of the targets, and writes them all,
 * with the machine they ran on, to bench/RESULTS.md (a full run of every suite) or to
 * bench/.tmp/RESULTS-partial.md (`--quick` or `--suite`, so a partial run never replaces
 * the full results). Expects a build in dist/.
 */

import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { TMP, markdown, settings, sink } from "./harness.mjs";

const SUITES = ["iteration", "switching", "context", "comprehension", "memory", "compilation", "runtime", "threads"];

const { values: args } = parseArgs({
  options: { quick: { type: "boolean", default: false }, suite: { type: "string", multiple: true } },
});
const chosen = args.suite ?? SUITES;
for (const name of chosen) if (!SUITES.includes(name)) throw new Error(`unknown suite ${name}; the suites are: ${SUITES.join(", ")}`);

const opts = settings(args.quick);
const cpus = os.cpus();
const machine = `${cpus[0]?.model.trim() ?? "unknown CPU"}, ${cpus.length} cores, Node ${process.version}, ${os.platform()} ${os.arch()}, ${new Date().toISOString().slice(0, 10)}`;
const version = (name) => JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), "utf8")).version;
const versions = ["effection", "co", "@babel/core", "@babel/parser", "esbuild", "piscina"].map((name) => `${name} ${version(name)}`).join(", ");
console.log(`# yielding benchmarks${args.quick ? " (--quick)" : ""}\n\n${machine}\nPeers: ${versions}\n`);

const sections = [];
const targets = [];
const summaries = [];
const started = performance.now();
// Every suite is loaded (with the build it imports) before any runs.
const suites = await Promise.all(chosen.map((name) => import(`./suites/${name}.mjs`).then((m) => m.default)));
for (const suite of suites) {
  const { name } = suite;
  const t0 = performance.now();
  const result = await suite.run(opts);
  const text = result.tables.map(markdown).join("\n");
  console.log(text);
  console.log(`(${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  sections.push(text);
  targets.push(...(result.targets ?? []));
  summaries.push(...(result.summary ?? []));
}

const yesNo = (met) => (met === true ? "yes" : met === false ? "**no**" : "n/a");
const targetTable = targets.length === 0 ? "" : markdown({
  title: "Targets of issue 4",
  note: args.quick ? "A `--quick` run: smaller sizes and fewer runs, so these are rough." : undefined,
  headers: ["target", "measured", "met?"],
  textColumns: true,
  rows: targets.map((t) => [t.target, t.measured, yesNo(t.met)]),
});
const summaryTable = summaries.length === 0 ? "" : markdown({
  title: "Summary",
  note: "Key rows of the tables below (the README shows this table and the targets).",
  headers: ["measurement", "yielding", "peers, same run"],
  rows: summaries.map((s) => [s.measurement, s.ours, s.peers]),
  textColumns: true,
});
for (const table of [summaryTable, targetTable]) if (table) console.log(table);
console.log(`sink ${sink.value} · ${((performance.now() - started) / 1000).toFixed(1)} s in all`);

const full = !args.quick && chosen.length === SUITES.length;
const out = full ? new URL("./RESULTS.md", import.meta.url) : `${TMP}RESULTS-partial.md`;
const how = `Median of ${opts.runs} runs after ${opts.warmup} warm-up runs, the cases of a table interleaved; ` +
  "each figure is also given as a ratio to its table's baseline, measured in the same process run. " +
  "Produced by `npm run bench`" + (args.quick ? " -- --quick" : "") + "; see bench/run.mjs.";
writeFileSync(out, [`# Benchmark results${args.quick ? " (--quick)" : ""}`, "", `Machine: ${machine}.`, "", `Peers: ${versions}.`, "", how, "", summaryTable, targetTable, "## All tables", "", ...sections].join("\n"));
console.log(`written to ${full ? "bench/RESULTS.md" : out}`);
