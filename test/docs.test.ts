import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../compiler/index.js";
import { RUNTIME_URL, assertRuntimeBuilt, describeRun, runNode } from "./helpers/exec.js";
import { ROOT } from "./helpers/fixtures.js";

/**
 * Every ```js run block in the user docs is a complete program; the ```text block right
 * after it is what it must print. Each one is compiled and run here, so the docs cannot
 * drift from the code.
 */
const DOCS = ["docs/runtime.md", "docs/language.md", "docs/reference.md"];
const EXAMPLE = /```js run\n([\s\S]*?)```\s*```text\n([\s\S]*?)```/g;

mkdirSync(join(ROOT, "tmp"), { recursive: true });
const tmp = mkdtempSync(join(ROOT, "tmp", "docs-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(DOCS)("%s", (doc) => {
  const text = readFileSync(join(ROOT, doc), "utf8");
  const examples = [...text.matchAll(EXAMPLE)].map((match) => ({
    code: match[1]!,
    output: match[2]!,
    line: text.slice(0, match.index).split("\n").length,
  }));

  it("has runnable examples", () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it.concurrent.each(examples)("example at line $line prints what the doc says", async ({ code, output, line }) => {
    assertRuntimeBuilt();
    const { code: compiled } = compile(code, { filename: `${doc}:${line}.js`, runtime: RUNTIME_URL });
    const file = join(tmp, `${doc.replace(/\W/g, "-")}-${line}.mjs`);
    writeFileSync(file, compiled);
    const run = await runNode(file);
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stdout).toBe(output);
  });
});
