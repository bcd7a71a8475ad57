/**
 * The fixtures corpus (fixtures/README.md): one test per case and per check.
 *
 * - `output golden`: `compile(input, { filename })` must equal `output.<ext>` byte for byte;
 *   `plain-` cases must also compile to their input unchanged. With UPDATE_FIXTURES=1 the
 *   goldens are written instead of compared (the only way goldens are made).
 * - `exec`: the input compiled against the built runtime runs under `node`; its stdout must
 *   equal `stdout.txt` (only a trailing newline is ignored) and it must exit with code 0.
 * - `keeps every line`: the output has exactly as many lines as the input (every line of the
 *   user's code stays where it was, so stack traces and type errors point at the right line).
 * - `error`: compiling must throw a CompileError whose summary is `error.txt`, with a
 *   code frame that shows the offending line of the original source.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile, CompileError, type CompileOptions } from "../compiler/index.js";
import {
  assertRuntimeBuilt,
  describeRun,
  runNode,
  runnableExtension,
  RUNTIME_URL,
  toRunnableJavaScript,
} from "./helpers/exec.js";
import {
  ERROR_GROUP,
  type FixtureCase,
  layoutProblems,
  loadFixtureCases,
  ROOT,
  sourceLine,
  withoutTrailingNewline,
} from "./helpers/fixtures.js";

const UPDATE = process.env.UPDATE_FIXTURES === "1";
const cases = loadFixtureCases();

// Temporary programs live inside the package (tmp/ is git-ignored) so that their own
// `import … from "yielding/runtime"` resolves to dist/ through the package's self-reference.
mkdirSync(join(ROOT, "tmp"), { recursive: true });
const tmp = mkdtempSync(join(ROOT, "tmp", "fixtures-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `compile`, turning an unexpected CompileError into a message that shows where and why. */
function compileCase(c: FixtureCase, options: CompileOptions = {}): string {
  try {
    return compile(c.input, { filename: c.filename, ...options }).code;
  } catch (e) {
    if (e instanceof CompileError) throw new Error(`unexpected compile error\n${e.summary}\n${e.frame}`);
    throw e;
  }
}

/** Lines as JavaScript engines count them (U+2028 and U+2029 end a line too). */
function lineCount(source: string): number {
  return source.split(/\r\n|[\n\r\u2028\u2029]/).length;
}

describe("fixtures layout", () => {
  it("has cases in every group", () => {
    const groups = new Set(cases.map((c) => c.group));
    expect([...groups].sort()).toEqual(expect.arrayContaining(["errors", "for-of", "keyword"]));
  });
  for (const c of cases) {
    it(c.id, () => {
      expect(layoutProblems(c)).toEqual([]);
    });
  }
});

describe.concurrent("fixtures", () => {
  for (const c of cases) {
    describe(c.id, () => {
      if (c.group === ERROR_GROUP) {
        it("error", ({ expect }) => {
          let thrown: unknown = undefined;
          try {
            compile(c.input, { filename: c.filename });
          } catch (e) {
            thrown = e;
          }
          expect(thrown, "compile must throw a CompileError").toBeInstanceOf(CompileError);
          const err = thrown as CompileError;
          expect(err.summary).toBe(withoutTrailingNewline(c.error ?? ""));
          expect(err.frame.trim(), "the code frame must not be empty").not.toBe("");
          expect(err.frame, "the code frame must show the original source line").toContain(
            sourceLine(c.input, err.line).trimEnd(),
          );
        });
        return;
      }

      if (c.output !== null || UPDATE || c.identity) {
        it("output golden", ({ expect }) => {
          const code = compileCase(c);
          if (c.identity) {
            expect(code === c.input, "a file without the extension's syntax must compile to itself, byte for byte").toBe(true);
            expect(code).toBe(c.input);
          }
          if (UPDATE) {
            if (code !== c.output) writeFileSync(c.outputPath, code);
            return;
          }
          expect(code).toBe(c.output);
        });
      }

      it("keeps every line where it was", ({ expect }) => {
        const code = compileCase(c);
        expect(lineCount(code), "the output must have as many lines as the input").toBe(lineCount(c.input));
      });

      if (c.stdout !== null) {
        it("exec", async ({ expect }) => {
          assertRuntimeBuilt();
          const code = compileCase(c, { runtime: RUNTIME_URL });
          const runnable = toRunnableJavaScript(code, c.filename);
          const file = join(tmp, `${c.group}--${c.name}${runnableExtension(runnable)}`);
          writeFileSync(file, runnable);
          const run = await runNode(file);
          expect(withoutTrailingNewline(run.stdout), describeRun(run)).toBe(withoutTrailingNewline(c.stdout ?? ""));
          expect(run.exitCode, describeRun(run)).toBe(0);
        });
      }
    });
  }
});
