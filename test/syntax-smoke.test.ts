import { expect, test } from "vitest";
import { run } from "../runtime/index.js";

async function* numbers(n: number): AsyncGenerator<number> {
  for (let i = 1; i <= n; i++) yield i;
}

test("a test file may use the syntax", async () => {
  function* main(): Generator<unknown, number[], unknown> {
    const out: number[] = [];
    for (const x of yielding numbers(3)) out.push(x);
    return [...out, ...[for (y of yielding numbers(2)) y * 10]];
  }
  expect(await run(main())).toEqual([1, 2, 3, 10, 20]);
  expect(new Error().stack).toMatch(/syntax-smoke\.test\.ts:15:/);
});
