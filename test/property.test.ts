/**
 * Property tests of `compile` (SPEC §2, §8): whatever the input, it returns code or throws a
 * CompileError with a sane position — never another exception, never a hang; a source without
 * the syntax comes back byte for byte; generated valid programs compile to code that parses,
 * uses no internal names, is deterministic, and behaves like plain `for…of`.
 *
 * Each compile runs under a watchdog: a synchronous hang kills the test process after 10 s
 * (printing the input) instead of hanging the suite, and any compile slower than 2 s fails
 * the property with a shrunk counterexample.
 */
import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { parse, type ParserPlugin } from "@babel/parser";
import fc from "fast-check";
import jsTokens from "js-tokens";
import { afterAll, describe, expect, it } from "vitest";
import { compile, CompileError, type CompileResult } from "../compiler/index.js";
import { RUNTIME_PATH, RUNTIME_URL } from "./helpers/exec.js";
import { loadFixtureCases, sourceLine } from "./helpers/fixtures.js";
import { programArbitrary, renderYieldingModule, runPlain, type Program } from "./helpers/program-gen.js";
import { startWatchdog } from "./helpers/watchdog.js";

const COMPILE_BUDGET_MS = 2_000;

// Random seeds explore new inputs on every local run; CI uses a fixed seed so that a run
// is reproducible (FC_SEED=<n> replays any failure; fast-check prints the seed).
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : process.env.CI ? 20_251_126 : undefined;
if (seed !== undefined) fc.configureGlobal({ seed });
const watchdog = startWatchdog(10_000);
afterAll(() => watchdog.stop());

const ERROR_CODES = ["E_SYNTAX", "E_CONTEXT", "E_FOR_IN", "E_FOR_AWAIT", "E_WITH_INIT", "E_WITH_VAR", "E_COMP_YIELD"];

type Outcome = { ok: true; result: CompileResult } | { ok: false; error: CompileError };

function plugins(filename: string): ParserPlugin[] {
  const list: ParserPlugin[] = [];
  if (/\.(ts|tsx|mts|cts)$/.test(filename)) list.push("typescript");
  if (/\.(jsx|tsx)$/.test(filename)) list.push("jsx");
  return list;
}

/** Parses `code` as a module, leniently about where statements may appear. */
function parseModule(code: string, filename: string) {
  return parse(code, {
    sourceType: "module",
    plugins: plugins(filename),
    allowReturnOutsideFunction: true,
    allowAwaitOutsideFunction: true,
    allowImportExportEverywhere: true,
    allowSuperOutsideMethod: true,
    allowUndeclaredExports: true,
    allowNewTargetOutsideFunction: true,
  });
}

/** The lines of `source` as editors and Babel count them. */
function lines(source: string): string[] {
  return source.split(/\r\n|[\n\r\u2028\u2029]/);
}

/**
 * Compiles under the watchdog and the time budget and checks the contract shared by every
 * property: either `{ code }`, or a CompileError with a known code, a position inside the
 * source, a summary in the documented format and a non-empty frame. Anything else throws.
 * When the code differs from the source it must parse: compile never returns broken code.
 */
function compileChecked(source: string, filename = "input.js"): Outcome {
  const started = performance.now();
  let outcome: Outcome;
  try {
    outcome = { ok: true, result: watchdog.guard("compile", source, () => compile(source, { filename })) };
  } catch (e) {
    if (!(e instanceof CompileError)) {
      throw new Error(`compile threw something other than a CompileError: ${e instanceof Error ? e.stack : String(e)}`);
    }
    outcome = { ok: false, error: e };
  }
  const elapsed = performance.now() - started;
  expect(elapsed, `compile took ${Math.round(elapsed)} ms`).toBeLessThan(COMPILE_BUDGET_MS);

  if (outcome.ok) {
    expect(typeof outcome.result.code).toBe("string");
    if (outcome.result.code === source) {
      // Code that can never be JavaScript is ours: it is lowered or reported, never passed through.
      expect(neverJavaScript(source, filename), `returned unchanged, but holds ${neverJavaScript(source, filename)}`).toBe(null);
    } else {
      try {
        parseModule(outcome.result.code, filename);
      } catch (e) {
        throw new Error(`compile returned code that does not parse: ${(e as Error).message}\n--- code ---\n${outcome.result.code}`);
      }
    }
  } else {
    const err = outcome.error;
    const all = lines(source);
    expect(ERROR_CODES).toContain(err.code);
    expect(err.filename).toBe(filename);
    expect(Number.isInteger(err.line) && err.line >= 1 && err.line <= all.length, `line ${err.line} of ${all.length}`).toBe(true);
    const lineLength = (all[err.line - 1] ?? "").length;
    expect(
      Number.isInteger(err.column) && err.column >= 1 && err.column <= lineLength + 1,
      `column ${err.column} on a line of ${lineLength} characters`,
    ).toBe(true);
    expect(err.message.length).toBeGreaterThan(0);
    expect(err.message, "Babel's trailing (line:column) must be removed").not.toMatch(/\(\d+:\d+\)$/);
    expect(err.summary).toBe(`${filename}:${err.line}:${err.column}: error ${err.code}: ${err.message}`);
    expect(err.frame.trim().length).toBeGreaterThan(0);
    if (sourceLine(source, err.line).trim() !== "") {
      expect(err.frame).toContain(sourceLine(source, err.line).trim());
    }
  }
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** A JavaScript-ish alphabet, heavy on what the reader must get right. */
const TOKENS = [
  "yielding", "yielding", "yielding", "for", "for", "of", "of", "in", "await", "with", "const", "let", "var",
  "function*", "function", "async", "yield", "yield*", "return", "break", "continue", "if", "else", "new", "class",
  "static", "this", "typeof", "instanceof", "as", "satisfies", "x", "y", "xs", "label:",
  "(", ")", "(", ")", "[", "]", "{", "}", ";", ",", ".", "?.", "=", "=>", "+", "-", "++", "!", "~", "<", ">", "?", ":",
  "/", "/", "*", "\"", "'", "`", "${", "\"str\"", "'s'", "`t`", "`a${", "//", "/*", "*/", "/re/g", "/[/]/",
  "0", "1n", "42", "\n", "\r\n", " ", "\t", "\u2028", "#x", "@", "\\u0079ielding", "<p>", "</p>",
];

const tokenSoup = (alphabet: string[]) =>
  fc
    .array(fc.tuple(fc.constantFrom(...alphabet), fc.constantFrom("", " ", " ", "\n")), { maxLength: 40 })
    .map((parts) => parts.map(([token, space]) => token + space).join(""));

/** Valid-looking programs with yielding loops in places, for the soups to start from. */
const SEEDS = [
  "function* g(xs) { for (const x of yielding xs) { console.log(x); } }",
  "function* g() { outer: for (let [a, b = 1] of yielding f()) for (x of yielding [a]) continue outer; }",
  "for (const x of yielding xs) {}",
  "async function f() { for await (const x of yielding s) {} }",
  "function* g() { for (k in yielding o) {} }",
  "const yielding = [1]; for (const x of yielding) {}",
  "function* g() { for (const x of yielding `a${b}`) yield* x; }",
];

/** Fixture inputs (not sloppy scripts), the starting points of the mutation property. */
const FIXTURE_INPUTS = loadFixtureCases()
  .filter((c) => c.group !== "errors" && !c.input.includes("with ("))
  .map((c) => ({ source: c.input, filename: c.filename }));

type Mutation =
  | { kind: "deleteChars"; at: number; length: number }
  | { kind: "insertToken"; at: number; token: string }
  | { kind: "duplicateChars"; at: number; length: number; to: number }
  | { kind: "deleteTokens"; at: number; count: number }
  | { kind: "duplicateTokens"; at: number; count: number; to: number }
  | { kind: "swapTokens"; at: number; to: number };

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("deleteChars" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant("insertToken" as const), at: fc.nat(), token: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant("duplicateChars" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 60 }), to: fc.nat() }),
  fc.record({ kind: fc.constant("deleteTokens" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant("duplicateTokens" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }), to: fc.nat() }),
  fc.record({ kind: fc.constant("swapTokens" as const), at: fc.nat(), to: fc.nat() }),
);

function mutate(source: string, m: Mutation): string {
  const chars = source.length + 1;
  switch (m.kind) {
    case "deleteChars": {
      const at = m.at % chars;
      return source.slice(0, at) + source.slice(at + m.length);
    }
    case "insertToken": {
      const at = m.at % chars;
      return source.slice(0, at) + m.token + source.slice(at);
    }
    case "duplicateChars": {
      const at = m.at % chars;
      const to = m.to % chars;
      const slice = source.slice(at, at + m.length);
      return source.slice(0, to) + slice + source.slice(to);
    }
    default: {
      const tokens = Array.from(jsTokens(source), (t) => t.value);
      const n = tokens.length + 1;
      const at = m.at % n;
      if (m.kind === "deleteTokens") tokens.splice(at, m.count);
      else if (m.kind === "duplicateTokens") tokens.splice(m.to % n, 0, ...tokens.slice(at, at + m.count));
      else {
        const to = m.to % n;
        if (at < tokens.length && to < tokens.length) [tokens[at], tokens[to]] = [tokens[to]!, tokens[at]!];
      }
      return tokens.join("");
    }
  }
}

/**
 * The first token sequence of `source` that is never JavaScript, wherever it stands, and
 * always the extension's: `[for (` or `(for (` (a comprehension), or `with (const` (a
 * declaring `with`); null when there is none. Strings, comments, regular expressions and
 * JSX text are tokens of their own, so they do not count.
 */
function neverJavaScript(source: string, filename: string): string | null {
  const tokens: string[] = [];
  for (const token of jsTokens(source, { jsx: /\.(jsx|tsx)$/.test(filename) })) {
    if (token.type === "WhiteSpace" || token.type === "LineTerminatorSequence" || token.type === "MultiLineComment" || token.type === "SingleLineComment") continue;
    tokens.push(token.type === "Punctuator" || token.type === "IdentifierName" ? token.value : token.type);
  }
  for (let i = 0; i + 2 < tokens.length; i++) {
    const [a, b, c] = [tokens[i], tokens[i + 1], tokens[i + 2]];
    if ((a === "[" || a === "(") && b === "for" && c === "(" && tokens[i - 1] !== "." && tokens[i - 1] !== "?.") return `${a}for (`;
    if (a === "with" && b === "(" && c === "const" && tokens[i - 1] !== "." && tokens[i - 1] !== "?.") return "with (const";
  }
  return null;
}

/**
 * Could `source` contain extension syntax that needs no `yielding`? Comprehensions
 * (`[for (…) …]`, `(for (…) …)`) are SPEC §5 syntax without the keyword; conservatively,
 * any `for` right after `[` or `(` (comments and whitespace between) counts.
 */
function mayHaveComprehension(source: string): boolean {
  return /[[(](?:\s|\/\*[\s\S]*?\*\/|\/\/.*)*for/.test(source);
}

/** Could `source` contain a declaring `with` (`with (const …`, `with (let x`), which needs no `yielding` either? */
function mayHaveWithBinding(source: string): boolean {
  return /with(?:\s|\/\*[\s\S]*?\*\/|\/\/.*)*\((?:\s|\/\*[\s\S]*?\*\/|\/\/.*)*(?:const|let)/.test(source);
}

// ---------------------------------------------------------------------------------------------
// Properties

describe("compile never fails in another way, never hangs", () => {
  it("arbitrary ASCII strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        compileChecked(s);
      }),
      { numRuns: 400 },
    );
  });

  it("arbitrary Unicode strings (lone surrogates, U+2028 included)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (s) => {
        compileChecked(s);
      }),
      { numRuns: 400 },
    );
  });

  it("strings around the keyword", () => {
    const piece = fc.oneof(fc.string({ unit: "binary", maxLength: 8 }), fc.constantFrom("yielding", " of yielding ", "for (", ")", "function* g() {", "}"));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        compileChecked(parts.join(""));
      }),
      { numRuns: 400 },
    );
  });

  it("token soup, in .js, .ts and .jsx files", () => {
    fc.assert(
      fc.property(tokenSoup(TOKENS), fc.constantFrom("input.js", "input.ts", "input.jsx", "input.tsx"), (s, filename) => {
        compileChecked(s, filename);
      }),
      { numRuns: 500 },
    );
  });

  it("token soup grafted onto valid seeds", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), fc.nat(), tokenSoup(TOKENS), (seed, at, soup) => {
        const i = at % (seed.length + 1);
        compileChecked(seed.slice(0, i) + soup + seed.slice(i));
      }),
      { numRuns: 400 },
    );
  });

  it("mutated fixture programs (deleted, inserted, duplicated and swapped slices and tokens)", () => {
    expect(FIXTURE_INPUTS.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(
        fc.constantFrom(...FIXTURE_INPUTS),
        fc.array(mutationArbitrary, { minLength: 1, maxLength: 4 }),
        ({ source, filename }, mutations) => {
          compileChecked(mutations.reduce(mutate, source), filename);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("a source without the syntax compiles to itself, byte for byte", () => {
  const check = (s: string, filename = "input.js") => {
    fc.pre(!s.includes("yielding") && !mayHaveComprehension(s) && !mayHaveWithBinding(s));
    const outcome = compileChecked(s, filename);
    expect(outcome.ok, outcome.ok ? "" : outcome.error.summary).toBe(true);
    if (outcome.ok) expect(outcome.result.code === s, "output must equal input").toBe(true);
  };

  it("arbitrary strings", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 200 }), (s) => check(s)), { numRuns: 400 });
  });

  it("token soup without the keyword", () => {
    const alphabet = TOKENS.filter((t) => !t.includes("yielding"));
    fc.assert(
      fc.property(tokenSoup(alphabet), fc.constantFrom("input.js", "input.ts", "input.tsx"), (s, filename) => check(s, filename)),
      { numRuns: 400 },
    );
  });

  it("fixture inputs with every `yielding` renamed", () => {
    for (const { source, filename } of FIXTURE_INPUTS) {
      const renamed = source.replaceAll("yielding", "yieldinG");
      if (mayHaveComprehension(renamed)) continue;
      const outcome = compileChecked(renamed, filename);
      expect(outcome.ok && outcome.result.code === renamed, filename).toBe(true);
    }
  });
});

/** Identifier names the user wrote (keyword occurrences of `yielding` excluded). */
function identifiersOf(source: string): Set<string> {
  const names = new Set<string>();
  for (const token of jsTokens(source)) if (token.type === "IdentifierName") names.add(token.value);
  names.delete("yielding");
  return names;
}

/** Every binding or reference identifier in the AST (property keys and import/export names are not). */
function referencedIdentifiers(node: unknown, out: Set<string> = new Set(), parent?: Record<string, unknown>, key?: string): Set<string> {
  if (Array.isArray(node)) {
    for (const child of node) referencedIdentifiers(child, out, parent, key);
    return out;
  }
  if (!node || typeof node !== "object") return out;
  const n = node as Record<string, unknown>;
  if (n.type === "Identifier") {
    const isKey =
      parent &&
      ((key === "property" && (parent.type === "MemberExpression" || parent.type === "OptionalMemberExpression") && !parent.computed) ||
        (key === "key" && !parent.computed) ||
        (key === "imported" && parent.type === "ImportSpecifier") ||
        (key === "exported" && parent.type === "ExportSpecifier"));
    if (!isKey) out.add(n.name as string);
  }
  for (const [k, v] of Object.entries(n)) {
    if (k === "loc" || k === "start" || k === "end" || k === "extra" || k.endsWith("Comments")) continue;
    referencedIdentifiers(v, out, n, k);
  }
  return out;
}

describe("generated valid programs", () => {
  it("compile, parse, and use no name the user did not write except _-prefixed ones", () => {
    fc.assert(
      fc.property(programArbitrary, (program: Program) => {
        const source = renderYieldingModule(program, "yielding/runtime");
        const outcome = compileChecked(source);
        if (!outcome.ok) throw new Error(`valid program rejected: ${outcome.error.summary}\n${outcome.error.frame}\n--- source ---\n${source}`);
        const { code } = outcome.result;
        expect(code).not.toBe(source);
        const userNames = identifiersOf(source);
        const foreign = [...referencedIdentifiers(parseModule(code, "input.js").program)].filter(
          (name) => !userNames.has(name) && !name.startsWith("_"),
        );
        expect(foreign, `names in the output that the user did not write:\n${code}`).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("compile deterministically (code and source map)", () => {
    fc.assert(
      fc.property(programArbitrary, (program: Program) => {
        const source = renderYieldingModule(program, "yielding/runtime");
        const first = watchdog.guard("compile", source, () => compile(source, { filename: "input.js", sourceMaps: true }));
        const second = watchdog.guard("compile", source, () => compile(source, { filename: "input.js", sourceMaps: true }));
        expect(second.code).toBe(first.code);
        expect(JSON.stringify(second.map)).toBe(JSON.stringify(first.map));
      }),
      { numRuns: 100 },
    );
  });

  it("fixture inputs compile deterministically", () => {
    const attempt = (source: string, filename: string) => {
      try {
        return compile(source, { filename, sourceMaps: true });
      } catch (e) {
        return e instanceof CompileError ? e.summary : e;
      }
    };
    for (const { source, filename } of FIXTURE_INPUTS) {
      expect(attempt(source, filename), filename).toEqual(attempt(source, filename));
    }
  });

  // Needs the built runtime (`npm test` builds it first).
  it.skipIf(!existsSync(RUNTIME_PATH))("behave like plain for…of over sync iterables of plain values", async () => {
    const runner = startProgramRunner();
    try {
      await fc.assert(
        fc.asyncProperty(programArbitrary, async (program: Program) => {
          const expected = runPlain(program);
          const source = renderYieldingModule(program, RUNTIME_URL);
          const { code } = watchdog.guard("compile", source, () => compile(source, { filename: "input.js", runtime: RUNTIME_URL }));
          const actual = await runner.run(code);
          expect(actual, `--- source ---\n${source}\n--- compiled ---\n${code}`).toEqual(expected);
        }),
        { numRuns: 150 },
      );
    } finally {
      await runner.stop();
    }
  });
});

describe("every line keeps its number", () => {
  it("generated programs with line breaks between their tokens at random, LF, CRLF or U+2028", () => {
    fc.assert(
      fc.property(programArbitrary, fc.array(fc.nat(), { maxLength: 40 }), fc.constantFrom("\n", "\r\n", "\u2028"), (program, picks, lineBreak) => {
        const source = relined(renderYieldingModule(program, "yielding/runtime"), picks, lineBreak);
        const outcome = compileChecked(source);
        if (!outcome.ok) throw new Error(`valid program rejected: ${outcome.error.summary}\n${outcome.error.frame}\n--- source ---\n${source}`);
        const [before, after] = [lines(source), lines(outcome.result.code)];
        expect(after.length, `--- source ---\n${source}\n--- output ---\n${outcome.result.code}`).toBe(before.length);
        before.forEach((line, index) => {
          const missing = missingTokens(userTokens(line), userTokens(after[index]!));
          expect(missing, `line ${index + 1} lost ${missing.join(" ")}\n--- source ---\n${source}\n--- output ---\n${outcome.result.code}`).toEqual([]);
        });
      }),
      { numRuns: 200 },
    );
  });
});

/** Tokens after which a line break never changes what a program means (no ASI rule looks there). */
const BREAK_AFTER = new Set(["(", "[", "{", ",", "=", ":", ";", "of", "yielding"]);

/** `source` with `lineBreak` put after some of the tokens of BREAK_AFTER and before some `)`, chosen by `picks`. */
function relined(source: string, picks: readonly number[], lineBreak: string): string {
  const tokens = Array.from(jsTokens(source), (token) => token.value);
  const places = tokens.flatMap((value, index) => (BREAK_AFTER.has(value) || tokens[index + 1] === ")" ? [index] : []));
  const chosen = new Set(picks.map((pick) => places[pick % places.length]));
  return tokens.map((value, index) => (chosen.has(index) ? value + lineBreak : value)).join("");
}

/**
 * The names and strings of a line that the lowering never moves: everything but generated
 * names (`_…`), the heads' bindings and labels, which it re-emits inside the loop it makes
 * (`v0`, `w0`, `t0`, `m0`, `o`, `a`, `b` and `"d"` of the head shapes, `l3` labels, `c3_0`
 * with bindings, `z3_0` comprehension bindings), the declaration keywords in front of them,
 * and the construct's own words (`for`, `of`, `with`, `yielding`), which become generated code.
 */
function userTokens(line: string): string[] {
  const moved = /^(?:_.*|[vwtm]\d+|l\d+|c\d+_\d+|z\d+_\d+|o|a|b|"d"|const|let|var|for|of|with|yielding)$/;
  return Array.from(jsTokens(line), (token) => token)
    .filter((token) => (token.type === "IdentifierName" || token.type === "StringLiteral") && !moved.test(token.value))
    .map((token) => token.value);
}

/** The tokens of `expected` that `actual` lacks, counting repeats. */
function missingTokens(expected: readonly string[], actual: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const token of actual) left.set(token, (left.get(token) ?? 0) + 1);
  return expected.filter((token) => {
    const n = left.get(token) ?? 0;
    if (n > 0) left.set(token, n - 1);
    return n === 0;
  });
}

/**
 * Runs compiled modules in a worker thread with Node's own loader (the module imports the
 * built runtime by file URL) and returns the module's awaited `result`. A program that does
 * not finish within 5 s fails; the worker is then replaced.
 */
function startProgramRunner() {
  const source = `
    const { parentPort } = require("node:worker_threads");
    parentPort.on("message", async ({ id, code }) => {
      try {
        const mod = await import("data:text/javascript;charset=utf-8," + encodeURIComponent(code));
        parentPort.postMessage({ id, result: await mod.result });
      } catch (e) {
        parentPort.postMessage({ id, error: String(e && e.stack || e) });
      }
    });`;
  let worker = new Worker(source, { eval: true });
  let nextId = 0;
  return {
    run(code: string): Promise<unknown> {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          worker.off("message", onMessage);
          void worker.terminate();
          worker = new Worker(source, { eval: true });
          reject(new Error(`the compiled program did not finish within 5 s\n${code}`));
        }, 5_000);
        const onMessage = (m: { id: number; result?: unknown; error?: string }) => {
          if (m.id !== id) return;
          clearTimeout(timer);
          worker.off("message", onMessage);
          if (m.error !== undefined) reject(new Error(`the compiled program failed to load or run: ${m.error}\n${code}`));
          else resolve(m.result);
        };
        worker.on("message", onMessage);
        worker.postMessage({ id, code });
      });
    },
    async stop() {
      await worker.terminate();
    },
  };
}

