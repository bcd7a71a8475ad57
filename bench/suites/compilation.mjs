/**
 * Compilation speed.
 *
 * 1. Real files from well-known packages in node_modules: they have no yielding syntax, so
 *    `compile()` takes its no-syntax fast path; against a Babel parse of the same file.
 * 2. A generated 5,000-line file full of yielding loops, compiled with source maps; against
 *    Babel parse+generate of its plain `for…of` twin (the floor of any Babel pipeline),
 *    `@babel/core` lowering its `for await` twin, and esbuild lowering that twin.
 * 3. The same file with labeled loops, where Babel's `for await` lowering goes quadratic.
 */

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import babelCore from "@babel/core";
import generatorModule from "@babel/generator";
import { parse } from "@babel/parser";
import forAwaitPlugin from "@babel/plugin-transform-async-generator-functions";
import esbuild from "esbuild";
import { TMP, dist, num, peers, ratio, spread, summary, target, time, timeCases } from "../harness.mjs";

const { compile } = await import(dist("compiler/index.js"));
const generate = generatorModule.default ?? generatorModule;

/** Real code: 200 KB–2 MB files of packages the project already installs. */
const REAL_FILES = ["@babel/parser/lib/index.js", "fast-check/lib/fast-check.js", "vite/dist/node/chunks/node.js"];

/** Babel's parser on a file that may be a module or a script (CommonJS). */
function babelParse(code) {
  try {
    return parse(code, { sourceType: "module" });
  } catch {
    return parse(code, { sourceType: "script" });
  }
}

/**
 * The generated file: `functions` functions of 25 lines, each with five loops — nested
 * loops, `break`/`continue`, destructuring heads and a bare assignment target — written
 * three ways over the same code (`kind`): `yielding` loops in generator functions, plain
 * `for…of` in generator functions, and `for await` in async functions. With `labels`, the
 * outer loop of each function is labeled and the inner ones break and continue to it.
 */
export function generateSource(kind, functions, { labels = false } = {}) {
  const fn = kind === "async" ? "async function" : "function*";
  const loop = (head, source) => (kind === "async" ? `for await (${head} of ${source})` : `for (${head} of ${kind === "yielding" ? "yielding " : ""}${source})`);
  let out = "";
  for (let k = 0; k < functions; k++) {
    const label = labels ? `outer${k}: ` : "";
    const outer = labels ? ` outer${k}` : "";
    out += `export ${fn} scan${k}(orders, stock, out) {
  let total = 0;
  ${label}${loop("const { id, lines, customer: { region = \"eu\" } }", "orders")} {
    if (!lines) continue;
    ${loop("const [sku, qty]", "lines")} {
      if (qty <= 0) continue;
      if (qty > ${1000 + k}) break${outer};
      ${loop("const level", "stock.levels(sku)")} {
        if (level.count < qty) continue${outer};
        total += qty * level.price;
        break;
      }
    }
    out.push({ id, region, total });
  }
  let last;
  ${loop("last", "out")} {
    if (last.total > ${k}) break;
  }
  ${loop("const [key, { value, ...rest }]", "Object.entries(stock.meta)")} {
    if (!value || key === "skip") continue;
    total += rest.size ?? 0;
  }
  return total;
}
`;
  }
  return out;
}

const babelParseGenerate = (code) => generate(parse(code, { sourceType: "module" }), { sourceMaps: true, sourceFileName: "plain.js" }, code).code.length;
const yieldingCompile = (code) => compile(code, { filename: "yielding.js", sourceMaps: true }).code.length;
const babelLowering = (code) =>
  babelCore.transformSync(code, { filename: "async.js", configFile: false, babelrc: false, sourceMaps: true, plugins: [forAwaitPlugin] }).code.length;
const esbuildLowering = (code) => esbuild.transformSync(code, { target: "es2017", sourcemap: true, format: "esm" }).code.length;

const mbps = (bytes, ns) => num(bytes / 1e6 / (ns / 1e9));

/** A table of compile-speed cases: time per file, MB/s of its input, ratio to the first case. */
function speedTable(title, note, results, sizes) {
  const base = results[0];
  return {
    title,
    note,
    headers: ["case", "per file", "MB/s", "× baseline time", "spread"],
    rows: results.map((r, i) => [i === 0 ? `${r.name} **(baseline)**` : r.name, time(r.ns), mbps(sizes[i], r.ns), ratio(r.ns / base.ns), spread(r.samples)]),
  };
}

export default {
  name: "compilation",
  async run(opts) {
    const tables = [];
    const targets = [];
    const summaries = [];

    // (1) No syntax: the fast path on real files.
    let worstFastPath = Infinity;
    const files = opts.quick ? REAL_FILES.slice(0, 1) : REAL_FILES;
    for (const file of files) {
      const path = new URL(`../../node_modules/${file}`, import.meta.url);
      if (!existsSync(path)) {
        console.warn(`compilation: node_modules/${file} is not installed; skipped`);
        continue;
      }
      const code = readFileSync(path, "utf8");
      // The same file with the word in a comment: no syntax, but the reader must tokenize it.
      const withWord = `${code}\n// yielding\n`;
      const results = await timeCases(
        [
          { name: "Babel parse", ops: 1, run: () => babelParse(code).program.body.length },
          { name: "yielding `compile()` (fast path: no `yielding`, no `[for (`)", ops: 1, expect: code.length, run: () => compile(code, { filename: "file.js", sourceMaps: true }).code.length },
          { name: "yielding `compile()`, `// yielding` comment appended (tokenized)", ops: 1, expect: withWord.length, run: () => compile(withWord, { filename: "file.js", sourceMaps: true }).code.length },
        ],
        opts,
      );
      const size = Buffer.byteLength(code);
      tables.push(speedTable(`Compilation without syntax: ${file} (${num(size / 1024)} KB)`, undefined, results, [size, size, size + 13]));
      worstFastPath = Math.min(worstFastPath, results[0].ns / results[1].ns);
      if (summaries.length === 0) {
        summaries.push(summary(`compile ${file} (${num(size / 1024)} KB, no syntax)`, `${time(results[1].ns)} (${num(results[0].ns / results[1].ns)}× faster than a Babel parse)`, peers([["Babel parse", results[0].ns]])));
      }
    }
    targets.push(target("without syntax: ≥ 100× faster than a Babel parse of the same file", `${num(worstFastPath)}× faster (${files.length === 1 ? "1 file" : `slowest of ${files.length} files`})`, worstFastPath >= 100));

    // (2) A file full of the syntax, and its twins.
    const functions = opts.quick ? 20 : 200; // 25 lines each
    const sources = Object.fromEntries(["yielding", "plain", "async"].map((k) => [k, generateSource(k, functions)]));
    for (const [k, code] of Object.entries(sources)) writeFileSync(`${TMP}generated-${k}.js`, code);
    const lines = sources.yielding.split("\n").length - 1;
    const slow = { warmup: 1, runs: 5 }; // @babel/core takes seconds a run here
    const results = await timeCases(
      [
        { name: "Babel parse + generate with source maps, no plugins (plain `for…of` twin)", ops: 1, run: () => babelParseGenerate(sources.plain) },
        { name: "Babel parse only (plain `for…of` twin)", ops: 1, run: () => parse(sources.plain, { sourceType: "module" }).program.body.length },
        { name: "yielding `compile()` with source maps", ops: 1, run: () => yieldingCompile(sources.yielding) },
        { name: "`@babel/core` + `transform-async-generator-functions` (`for await` twin)", ops: 1, ...slow, run: () => babelLowering(sources.async) },
        { name: "esbuild `transformSync`, target es2017 (`for await` twin)", ops: 1, run: () => esbuildLowering(sources.async) },
      ],
      opts,
    );
    const sizes = [sources.plain, sources.plain, sources.yielding, sources.async, sources.async].map((s) => Buffer.byteLength(s));
    tables.push(
      speedTable(
        `Compilation with syntax: a generated ${lines.toLocaleString("en-US")}-line file, ${(functions * 5).toLocaleString("en-US")} loops`,
        "Each case compiles the same program: yielding loops for us, its plain `for…of` twin for Babel without plugins, its `async function` + `for await` twin for Babel's lowering and esbuild (es2017 has no `for await`, so esbuild must lower it; esbuild does the work in its own Go process). MB/s of each case's own input; source maps on in every case but the bare parse. Sources in bench/.tmp/generated-*.js.",
        results,
        sizes,
      ),
    );
    const [floor, , ours, babel, esbuildNs] = results.map((r) => r.ns);
    summaries.push(
      summary(
        `compile a ${lines.toLocaleString("en-US")}-line file full of loops, source maps`,
        `${time(ours)} (${ratio(ours / floor)} Babel parse+generate)`,
        peers([["Babel parse+generate", floor], ["`@babel/core` `for await` lowering", babel], ["esbuild", esbuildNs]]),
      ),
    );
    targets.push(
      target("with syntax: ≤ 1.5× Babel parse+generate", `${(ours / floor).toFixed(2)}×`, ours <= 1.5 * floor),
      target("with syntax: ≥ 10× faster than `@babel/core` lowering `for await`", `${(babel / ours).toFixed(1)}× faster`, babel >= 10 * ours),
    );

    // (3) The same file with a labeled outer loop per function: Babel's lowering re-crawls
    // the scope above a replaced labeled statement — the whole program — after every one.
    const labeled = Object.fromEntries(["yielding", "plain", "async"].map((k) => [k, generateSource(k, functions, { labels: true })]));
    const labeledResults = await timeCases(
      [
        { name: "Babel parse + generate with source maps, no plugins (plain `for…of` twin)", ops: 1, run: () => babelParseGenerate(labeled.plain) },
        { name: "yielding `compile()` with source maps", ops: 1, run: () => yieldingCompile(labeled.yielding) },
        { name: "`@babel/core` + `transform-async-generator-functions` (`for await` twin), one run", ops: 1, warmup: 0, runs: 1, run: () => babelLowering(labeled.async) },
      ],
      opts,
    );
    tables.push(
      speedTable(
        `Compilation with labels: the same file, each function's outer loop labeled`,
        "The inner loops `break`/`continue` to the label. `@babel/core` is timed once, cold: it takes a minute on the full file.",
        labeledResults,
        [labeled.plain, labeled.yielding, labeled.async].map((s) => Buffer.byteLength(s)),
      ),
    );
    return { tables, targets, summary: summaries };
  },
};
