// `yielding compile` on a tree of 1,000 files: the built CLI run as users run it, once
// on the main thread (--workers 1) and once on every core, median of N runs each.
//
//   npm run build && node bench/cli-tree.mjs [--runs N] [--files N]
//
// The tree is generated in a temporary folder (removed at the end) from a fixed seed, so
// every run measures the same files: most use the syntax (yielding loops, with, array
// comprehensions inside function*), some do not, a tenth are TypeScript, a few are data.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, files: { type: "string", default: "1000" } } });
const runs = positive(values.runs, "--runs");
const files = positive(values.files, "--files");

function positive(text, name) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} takes a positive integer, not '${text}'`);
  return n;
}

/** A small deterministic PRNG (mulberry32), so the tree is the same on every run. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One function* using the three constructs, the `i`-th of its file. */
function yieldingFunction(i, typed) {
  const t = (type) => (typed ? `: ${type}` : "");
  return `
export function* handle${i}(requests${t("Iterable<Request>")}, pool${t("Pool")}) {
  let served${t("number")} = 0;
  for (const request of yielding requests) {
    if (request.cancelled) continue;
    with (const connection = yielding pool.connect()) {
      const rows = [for (row of yielding connection.query(request.sql)) if (row.visible) row.id * 2];
      served += rows.length;
      for (const id of yielding connection.fetch(rows)) {
        log("served", request.url, id);
      }
    }
  }
  return served;
}
`;
}

/** A plain helper without the syntax. */
function plainFunction(i, typed) {
  const t = (type) => (typed ? `: ${type}` : "");
  return `
export function format${i}(value${t("unknown")}, width${t("number")} = 12)${t("string")} {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (text.length >= width) return text.slice(0, width);
  return text + " ".repeat(width - text.length);
}
`;
}

/** The tree: `count` files under a few levels of folders. */
function generate(root, count) {
  const next = random(11);
  for (let n = 0; n < count; n++) {
    const roll = next();
    const folder = `pkg${n % 10}/${["src", "lib", "util"][n % 3]}/m${Math.floor(n / 30)}`;
    let name;
    let text;
    if (roll < 0.03) {
      name = `data${n}.json`;
      text = `${JSON.stringify({ id: n, tags: ["a", "b"], nested: { ok: true } }, null, 2)}\n`;
    } else {
      const typed = roll < 0.13;
      const withSyntax = roll >= 0.13 && roll < 0.85 ? true : next() < 0.5;
      const parts = [`import { log } from "../log.js";\n`];
      const functions = 2 + Math.floor(next() * 4);
      for (let i = 0; i < functions; i++) parts.push(withSyntax && i % 2 === 0 ? yieldingFunction(i, typed) : plainFunction(i, typed));
      name = `file${n}.${typed ? "ts" : "js"}`;
      text = parts.join("");
    }
    const path = join(root, folder, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

/** Wall time in ms of one `yielding compile` of the tree with `workers`. */
function time(cwd, workers) {
  rmSync(join(cwd, "out"), { recursive: true, force: true });
  const start = process.hrtime.bigint();
  execFileSync(process.execPath, [CLI, "compile", "tree", "-o", "out", "--source-maps", "--workers", String(workers)], { cwd, stdio: ["ignore", "ignore", "pipe"] });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const cwd = mkdtempSync(join(tmpdir(), "yielding-cli-tree-"));
try {
  generate(join(cwd, "tree"), files);
  const cores = availableParallelism();
  const single = [];
  const all = [];
  for (let run = 0; run < runs; run++) {
    single.push(time(cwd, 1));
    all.push(time(cwd, cores));
  }
  const [one, many] = [median(single), median(all)];
  console.log(`yielding compile, ${files} files, --source-maps, median of ${runs} run${runs === 1 ? "" : "s"}:`);
  console.log(`  --workers 1       ${one.toFixed(0)} ms`);
  console.log(`  --workers ${String(cores).padEnd(7)} ${many.toFixed(0)} ms`);
  console.log(`  speed-up          ${(one / many).toFixed(2)}×`);
} finally {
  rmSync(cwd, { recursive: true, force: true });
}
