/**
 * Profile target: a yielding loop over an async generator, against `for await` on the same
 * generator. `npm run build`, then
 *   node bench/profile/async-generator.mjs yielding|await
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile/async-generator.mjs yielding
 */
import { compileAndImport, dist } from "../harness.mjs";

const { run } = await import(dist("runtime/index.js"));
const { sum } = await compileAndImport(
  "profile-async-generator",
  "export function* sum(source) { let s = 0; for (const x of yielding source) s += x; return s; }",
);

async function* numbers(n) {
  for (let i = 0; i < n; i++) yield i % 100;
}

async function forAwait(source) {
  let s = 0;
  for await (const x of source) s += x;
  return s;
}

const mode = process.argv[2] === "await" ? "await" : "yielding";
const n = 500_000;
for (let round = 0; round < 6; round++) {
  const started = performance.now();
  if (mode === "yielding") await run(sum(numbers(n)));
  else await forAwait(numbers(n));
  if (round === 5) console.log(`${mode}: ${(((performance.now() - started) * 1e6) / n).toFixed(0)} ns per item`);
}
