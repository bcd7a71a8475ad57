// How deep each shape of nesting may go before compile() reports "nested too deeply", beside
// how deep Babel's parser follows the same shape in plain JavaScript: each probe runs in a
// fresh `node` process (a warm process has a JIT-compiled parser with smaller frames).
//
//   npm run build && node bench/depth.mjs
import { execFileSync } from "node:child_process";

const SHAPES = {
  "nested array comprehensions": ["const a = ${'[for (x of xs) '.repeat(N)}x${']'.repeat(N)};", "const a = ${'['.repeat(N)}x${']'.repeat(N)};"],
  "comprehension clauses": ["const a = [${'for (x of xs) '.repeat(N)}x];", "const a = ${'xs.flatMap((x) => '.repeat(N)}x${')'.repeat(N)};"],
  "nested yielding loops": ["function* f(xs) { ${'for (const x of yielding xs) { '.repeat(N)}${'}'.repeat(N)} }", "function* f(xs) { ${'for (const x of xs) { '.repeat(N)}${'}'.repeat(N)} }"],
  "parentheses in a loop head": ["function* f(xs) { for (const x of yielding ${'('.repeat(N)}xs${')'.repeat(N)}) {} }", "function* f(xs) { for (const x of ${'('.repeat(N)}xs${')'.repeat(N)}) {} }"],
  "nested with statements": ["function* f(m) { ${'with (yielding m) { '.repeat(N)}${'}'.repeat(N)} }", "function* f(m) { ${'try { '.repeat(N)}${'} finally {}'.repeat(N)} }"],
};

/** Whether the source `template` at depth `n` gets through `compile()` (ours) or Babel's parse (plain), in a fresh process. */
function passes(kind, template, n) {
  const program = `
    const n = ${n}; const source = ((N) => \`${template}\`)(n);
    const { compile } = await import(${JSON.stringify(new URL("../dist/compiler/index.js", import.meta.url).href)});
    const { parse } = await import("@babel/parser");
    try { ${kind === "ours" ? "compile(source)" : 'parse(source, { sourceType: "module" })'}; console.log("ok"); }
    catch (e) { console.log(e instanceof RangeError || e.code === "E_SYNTAX" && /nested too deeply/.test(e.message) ? "deep" : "other: " + e.message); }`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", program], { cwd: new URL("..", import.meta.url), encoding: "utf8" }).trim();
  if (out.startsWith("other")) throw new Error(`${kind} at depth ${n}: ${out}`);
  return out === "ok";
}

/** The deepest depth that passes, by bisection between 1 and 4,000. */
function limit(kind, template) {
  let [low, high] = [1, 4000];
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (passes(kind, template, mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

console.log("| shape | compile() | Babel, plain JavaScript of the same shape |\n|---|---:|---:|");
for (const [shape, [ours, plain]] of Object.entries(SHAPES)) {
  console.log(`| ${shape} | ${limit("ours", ours)} | ${limit("plain", plain)} |`);
}
