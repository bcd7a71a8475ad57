/**
 * Where a compile of the generated 5,000-line file (bench/.tmp/generated-yielding.js, made by
 * the compilation suite) spends its time: reader, Babel parse, desugar, print with a source
 * map, against Babel parse+generate of the plain twin. Medians of 40 rounds, in ms.
 * `npm run build && npm run bench -- --suite compilation --quick`, then
 *   node bench/profile/compile-phases.mjs
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import MagicString from "magic-string";
import { TMP, dist } from "../harness.mjs";

const { read } = await import(dist("compiler/reader.js"));
const { parse } = await import(dist("compiler/parse.js"));
const { desugar } = await import(dist("compiler/desugar/index.js"));
const { print } = await import(dist("compiler/print.js"));
const { compile } = await import(dist("compiler/index.js"));
const require = createRequire(import.meta.url);
const babelParser = require("@babel/parser");
const generatorModule = require("@babel/generator");
const generate = generatorModule.default ?? generatorModule;

const source = readFileSync(`${TMP}generated-yielding.js`, "utf8");
const plain = readFileSync(`${TMP}generated-plain.js`, "utf8");
const settings = { filename: "yielding.js", sourceMaps: true, runtime: "yielding/runtime", module: "esm", typescript: false, jsx: false, sourceType: "module" };
const times = { read: [], parse: [], desugar: [], print: [], compile: [], babelParseGenerate: [] };
const lap = (name, started) => times[name].push(performance.now() - started);

for (let round = 0; round < 40; round++) {
  let started = performance.now();
  const marked = read(source, settings);
  lap("read", started);
  started = performance.now();
  const ast = parse(marked, settings);
  lap("parse", started);
  started = performance.now();
  const edits = new MagicString(source);
  desugar(ast, edits, { ...settings, source, ...marked });
  lap("desugar", started);
  started = performance.now();
  print(edits, settings);
  lap("print", started);
  started = performance.now();
  compile(source, { filename: "yielding.js", sourceMaps: true });
  lap("compile", started);
  started = performance.now();
  generate(babelParser.parse(plain, { sourceType: "module" }), { sourceMaps: true, sourceFileName: "plain.js" }, plain);
  lap("babelParseGenerate", started);
}
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1].toFixed(1);
console.table(Object.fromEntries(Object.entries(times).map(([name, xs]) => [name, median(xs)])));
