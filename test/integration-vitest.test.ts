/**
 * vitest with `plugins: [yielding()]`, driven for real: the vitest command runs on a small
 * project whose test file and the module it imports use the syntax. Passing tests pass, and
 * a failing assertion is reported at its original line and column. (The project's own suite
 * runs this way too: see vitest.config.ts and the runtime tests written in the syntax.)
 */
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, expect, test } from "vitest";
import { ROOT } from "./helpers/fixtures.js";
import { runNodeIn, writeProject } from "./helpers/project.js";

const project = writeProject("vitest", {
  "vitest.config.mjs": `import yielding from "yielding/vite";
import { defineConfig } from "vitest/config";

export default defineConfig({ plugins: [yielding()], test: { include: ["*.test.ts"] } });
`,
  "lib.ts": `export async function* numbers(n: number): AsyncGenerator<number> {
  for (let i = 1; i <= n; i++) yield i;
}

export function* squares(n: number): Generator<unknown, number[], unknown> {
  return [for (x of yielding numbers(n)) x * x];
}
`,
  "squares.test.ts": `import { expect, test } from "vitest";
import { run } from "yielding/runtime";
import { numbers, squares } from "./lib.ts";

test("squares", async () => {
  expect(await run(squares(3))).toEqual([1, 4, 9]);
});

test("a failing assertion", async () => {
  function* total(): Generator<unknown, number, unknown> {
    let sum = 0;
    for (const x of yielding numbers(4)) sum += x;
    return sum;
  }
  const sum = await run(total());
  expect(sum).toBe(11);
});
`,
});
afterAll(() => project.remove());

test("vitest runs test files that use the syntax and reports a failure at its original line", async () => {
  const vitest = join(ROOT, "node_modules/vitest/vitest.mjs");
  const result = await runNodeIn(project.root, [vitest, "run", "--reporter=verbose"], 60_000);
  const output = stripVTControlCharacters(result.stdout + result.stderr);
  expect(result.exitCode, output).toBe(1);
  expect(output).toMatch(/✓ squares\.test\.ts > squares/);
  expect(output).toMatch(/× squares\.test\.ts > a failing assertion/);
  expect(output).toContain("expected 10 to be 11");
  // The frame vitest prints under the failure: line 16, column 15 of the original file.
  expect(output).toMatch(/squares\.test\.ts:16:15/);
  expect(output).toMatch(/ 16\|\s+expect\(sum\)\.toBe\(11\);\n\s+\|\s{15}\^/);
  expect(output).toMatch(/Tests\s+1 failed \| 1 passed/);
});
