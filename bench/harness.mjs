/**
 * The benchmark harness: options, timing (warm-up, interleaved runs, medians), a sink that
 * keeps results alive, and markdown tables. Suites (bench/suites/*.mjs) use only this.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

/** bench/.tmp: compiled loops and scratch files (git-ignored). */
export const TMP = fileURLToPath(new URL("./.tmp/", import.meta.url));
mkdirSync(TMP, { recursive: true });

/** `import(...)` target for a built file, e.g. `dist("runtime/index.js")`. */
export const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;

/**
 * How much to measure. `--quick` keeps every code path but uses smaller sizes and fewer runs;
 * it only checks that the suite still works, its numbers are noisy.
 */
export function settings(quick) {
  return quick
    ? { quick, warmup: 1, warmupMs: 50, runs: 3, minSampleMs: 5 }
    : { quick, warmup: 3, warmupMs: 500, runs: 9, minSampleMs: 50 };
}

/**
 * Everything a benchmark returns is added here and checked, so no engine can drop the work
 * as dead code (`sink.value` is printed at the end of a run).
 */
export const sink = {
  value: 0,
  add(x) {
    this.value = (this.value + (typeof x === "number" ? x : String(x).length)) % 1e15;
  },
};

/** Calls `fn` once and returns its checksum, awaiting it only when it is a promise. */
async function once(fn) {
  const r = fn();
  return r !== null && typeof r === "object" && typeof r.then === "function" ? await r : r;
}

/**
 * Times `cases` and returns `{ name, ns, samples }` per case, `ns` being the median
 * nanoseconds per operation. A case is `{ name, ops, run, expect?, warmup?, runs? }`:
 * `run()` does `ops` operations and returns a checksum (or a promise of one); `warmup` and
 * `runs` lower the counts for a case too slow for the usual ones.
 *
 * - Warm-up: each case runs `warmup` times and for at least `warmupMs`, so the engine has
 *   optimized it.
 * - Then `runs` rounds run every case once in turn, so a slow phase of a noisy machine hits
 *   all cases alike. A sample repeats `run()` until it lasts about `minSampleMs`, so tiny
 *   operations are timed over many calls. No GC is forced between samples: a forced full GC
 *   shrinks V8's young generation, and the next sample then ran allocating code up to 3×
 *   slower (Queue ping-pong: 290 → 750 ns a message).
 * - A checksum that differs from `expect` (or from the case's first one) is an error: every
 *   case must do the same work every time.
 */
export async function timeCases(cases, { warmup, warmupMs, runs, minSampleMs }) {
  const state = cases.map((c) => ({ c, reps: 1, samples: [], checksum: c.expect }));
  for (const s of state) {
    let ms = 0; // of the last warm-up run: sets how many runs make one sample
    const start = performance.now();
    const count = s.c.warmup ?? warmup;
    for (let w = 0; w < count || (performance.now() - start < warmupMs && w < 200 && s.c.warmup === undefined); w++) {
      const t0 = performance.now();
      check(s, await once(s.c.run));
      ms = performance.now() - t0;
    }
    s.reps = ms > 0 ? Math.max(1, Math.ceil(minSampleMs / ms)) : 1;
  }
  for (let round = 0; round < runs; round++) {
    for (const s of state) {
      if (round >= (s.c.runs ?? runs)) continue;
      const t0 = process.hrtime.bigint();
      for (let r = 0; r < s.reps; r++) check(s, await once(s.c.run));
      const ns = Number(process.hrtime.bigint() - t0);
      s.samples.push(ns / (s.reps * s.c.ops));
    }
  }
  return state.map((s) => ({ name: s.c.name, ns: median(s.samples), samples: s.samples, reps: s.reps }));
}

function check(s, checksum) {
  sink.add(checksum);
  if (s.checksum === undefined) s.checksum = checksum;
  else if (checksum !== s.checksum) {
    throw new Error(`${s.c.name}: checksum ${checksum}, expected ${s.checksum} — the case did not do the same work`);
  }
}

/** The median of `xs`. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Spread of the samples, in percent of the median: ± half of (max − min). */
export const spread = (samples) => `±${((50 * (Math.max(...samples) - Math.min(...samples))) / median(samples)).toFixed(0)}%`;

/** `1234.5` → `"1,235"`; small numbers keep `digits` significant decimals. */
export function num(x, digits = 1) {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString("en-US");
  return x.toFixed(Math.abs(x) >= 10 ? Math.min(digits, 1) : digits);
}

/** Nanoseconds per operation, in a readable unit. */
export function time(ns) {
  if (ns >= 1e6) return `${num(ns / 1e6, 2)} ms`;
  if (ns >= 1e3) return `${num(ns / 1e3, 2)} µs`;
  return `${num(ns, ns < 10 ? 2 : 1)} ns`;
}

/** A ratio like `12.3×`, or `0.0036×` for a tiny one. */
export const ratio = (x) => `${x < 0.1 ? x.toPrecision(2) : num(x, x < 10 ? 2 : 1)}×`;

/**
 * The usual table of a group of timed cases: the figure per operation, its ratio to the
 * baseline (the first case), the spread of the samples.
 */
export function timingTable(title, results, { unit = "per item", note } = {}) {
  const base = results[0];
  return {
    title,
    note,
    headers: ["case", unit, "× baseline", "spread"],
    rows: results.map((r) => [r === base ? `${r.name} **(baseline)**` : r.name, time(r.ns), ratio(r.ns / base.ns), spread(r.samples)]),
  };
}

/**
 * A markdown table: `{ title, note?, headers, rows, textColumns? }` → text. The first column
 * is left-aligned, the others right-aligned (figures) unless `textColumns` is set.
 */
export function markdown({ title, note, headers, rows, textColumns = false }) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const left = (i) => i === 0 || textColumns;
  const line = (cells) => `| ${cells.map((c, i) => (left(i) ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (left(i) ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [`### ${title}`, "", ...(note ? [note, ""] : []), line(headers), rule, ...rows.map(line), ""].join("\n");
}

/**
 * A row of the summary table (the README's copy of the results): what was measured, our
 * figure, the peers' figures from the same run.
 */
export const summary = (measurement, ours, peers) => ({ measurement, ours, peers });

/** `[["for await", ns], …]` → "for await 250 ns · …". */
export const peers = (pairs) => pairs.map(([name, ns]) => `${name} ${time(ns)}`).join(" · ");

/** A target of the issue and what this run measured: `{ target, measured, met }`. */
export const target = (text, measured, met) => ({ target: text, measured, met });

/**
 * Compiles yielding `source` with our compiler (dist/compiler), writes it to
 * bench/.tmp/NAME.mjs with the runtime import pointing at dist/runtime, and imports it.
 */
export async function compileAndImport(name, source) {
  const { compile } = await import(dist("compiler/index.js"));
  const { code } = compile(source, { filename: `${name}.mjs`, runtime: dist("runtime/index.js") });
  const file = `${TMP}${name}.mjs`;
  writeFileSync(file, code);
  return import(`${pathToFileURL(file).href}?${Date.now()}`);
}
