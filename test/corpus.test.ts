import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CompileError, compile } from "../compiler/index.js";
import { checkCorpus, checkFile, listCorpus, type FileResult } from "../bench/corpus-check.mjs";
import { ROOT } from "./helpers/fixtures.js";

/**
 * Issue 10's corpus check (bench/corpus-check.mjs; `npm run corpus` runs it over all of
 * node_modules) on a deterministic sample: every 10th file of node_modules, sorted by
 * path. Yielding code transplanted into each must compile, parse, and keep the line count.
 */
const SAMPLE_EVERY = 10;
const compiler = { compile, CompileError };

/** The kinds of a file's failures, one per transplant that failed (or why the file was skipped). */
const kinds = (result: FileResult) => ("failures" in result ? result.failures.map((failure) => failure.kind) : result.skipped);

describe("the corpus check", () => {
  it("passes on every 10th file of node_modules", () => {
    const sample = listCorpus(join(ROOT, "node_modules")).filter((_, index) => index % SAMPLE_EVERY === 0);
    const report = checkCorpus(sample, ROOT, compiler);
    expect(report.checked).toBeGreaterThan(100);
    expect(report.failures).toEqual([]);
  }, 120_000);

  it("lands its start transplants after the directives, on the first statement's line", () => {
    const seen: string[] = [];
    const recorder = {
      compile: (source: string, options?: { filename?: string }) => {
        seen.push(source);
        return compile(source, options);
      },
      CompileError,
    };
    expect(checkFile("a.js", "#!/usr/bin/env node\n'use strict'\n/* c */ run();\n", recorder)).toEqual({ failures: [] });
    expect(seen[0]).toMatch(/^#!\/usr\/bin\/env node\n'use strict'\n\/\* c \*\/ function\* __yieldingCorpusLoop\(xs\) \{ for \(const x of yielding xs\) \{\} \} run\(\);\n$/);
  });

  it("reports output that does not parse, and output with fewer lines", () => {
    const broken = (code: string) => ({ compile: () => ({ code, map: null }), CompileError });
    expect(kinds(checkFile("a.js", "f();\n", broken("f(;")))).toEqual(["invalid output", "invalid output", "invalid output"]);
    expect(kinds(checkFile("a.js", "f();\n", broken("f();")))).toEqual(["line count", "line count", "line count"]);
  });

  it("leaves out files that Babel cannot parse as they are", () => {
    expect(kinds(checkFile("a.js", "let let = 1;", compiler))).toBe("unparsable");
  });
});
