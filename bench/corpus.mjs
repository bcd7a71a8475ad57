/**
 * `npm run corpus` or `node bench/corpus.mjs [folder] [--show N]`: the corpus check of
 * issue 10 (bench/corpus-check.mjs) over every JavaScript and TypeScript file of `folder`
 * (default: this repository's node_modules), with the compiler built in dist/. Prints the
 * counts, the failures by kind and the first N failures (default 20), and exits 1 when
 * any transplant failed.
 */

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CompileError, compile } from "../dist/compiler/index.js";
import { TRANSPLANTS, checkCorpus, listCorpus } from "./corpus-check.mjs";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const { values, positionals } = parseArgs({ options: { show: { type: "string", default: "20" } }, allowPositionals: true });
const folder = resolve(positionals[0] ?? `${ROOT}/node_modules`);
const show = Number(values.show);

const started = performance.now();
const report = checkCorpus(listCorpus(folder), process.cwd(), { compile, CompileError });
const seconds = ((performance.now() - started) / 1000).toFixed(1);

const byKind = new Map();
for (const failure of report.failures) {
  const key = `${failure.kind} (${failure.transplant})`;
  byKind.set(key, (byKind.get(key) ?? 0) + 1);
}
const failedFiles = new Set(report.failures.map((failure) => failure.file)).size;

console.log(`corpus: ${folder}`);
console.log(`transplants: ${TRANSPLANTS.map((t) => t.name).join("; ")}`);
console.log(`files scanned: ${report.scanned}`);
console.log(`skipped: ${report.skipped["too large"]} too large (over 1 MB), ${report.skipped.unparsable} that Babel cannot parse as they are`);
console.log(`checked: ${report.checked} files, ${report.checked * TRANSPLANTS.length} compiles, in ${seconds} s`);
console.log(`failed: ${report.failures.length} compiles in ${failedFiles} files`);
for (const [kind, count] of [...byKind].sort((a, b) => b[1] - a[1])) console.log(`  ${count}  ${kind}`);
for (const failure of report.failures.slice(0, show)) {
  console.log(`\n${failure.file} [${failure.transplant}] ${failure.kind}:\n  ${failure.message.split("\n").join("\n  ")}`);
}
if (report.failures.length > show) console.log(`\n… and ${report.failures.length - show} more (--show N to see more)`);
process.exitCode = report.failures.length > 0 ? 1 : 0;
