// yielding/babel in real Babel: temporary projects under tmp/ with a babel.config.json, as a
// user's project has one, the package linked into their node_modules as an install puts it,
// and the transformed output run with Node.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { originalPositionFor, TraceMap, type SourceMapInput } from "@jridgewell/trace-mapping";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./helpers/fixtures.js";

/** The part of @babel/core these tests use (the package ships no types of its own). */
interface Babel {
  parseSync(code: string, options?: object): { comments: Located[]; tokens: (Located & { type: { label: string } })[]; program: { body: Located[] } };
  transformFileSync(filename: string, options?: object): { code: string; map: SourceMapInput | null };
  transformSync(code: string, options?: object): { code: string; map: SourceMapInput | null };
}
/** A node, comment or token of Babel's tree: its offsets, and its text where it has one. */
interface Located {
  start: number;
  end: number;
  range?: [number, number];
  value?: unknown;
}
const babel = createRequire(import.meta.url)("@babel/core") as Babel;
const run = promisify(execFile);

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A fresh project under tmp/ holding `files`, with node_modules/yielding linked to this package. */
function project(files: Record<string, string>): string {
  mkdirSync(join(ROOT, "tmp"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, "tmp", "babel-"));
  temps.push(dir);
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(ROOT, join(dir, "node_modules", "yielding"), "dir");
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** Babel's project-wide config, as a user writes it. */
function config(plugins: unknown[], presets: unknown[] = []): string {
  return JSON.stringify({ plugins, presets }, null, 2);
}

/** Transforms `file` of `dir` with its babel.config.json, writes the output and its map beside it, and returns both. */
function transformTo(dir: string, file: string, out: string): { code: string; map: TraceMap } {
  const result = babel.transformFileSync(join(dir, file), { cwd: dir, sourceMaps: true });
  writeFileSync(join(dir, out), `${result.code}\n//# sourceMappingURL=${out}.map\n`);
  writeFileSync(join(dir, `${out}.map`), JSON.stringify(result.map));
  return { code: result.code, map: new TraceMap(result.map!) };
}

/** Runs `node --enable-source-maps file` in `dir`; a failure's output is in the thrown error. */
async function node(dir: string, file: string): Promise<string> {
  const { stdout } = await run(process.execPath, ["--enable-source-maps", file], { cwd: dir, timeout: 20_000 });
  return stdout;
}

/** The 1-based line and 0-based column of the first `text` in `code`. */
function find(code: string, text: string): { line: number; column: number } {
  const at = code.indexOf(text);
  if (at < 0) throw new Error(`${JSON.stringify(text)} is not in the output`);
  const before = code.slice(0, at).split("\n");
  return { line: before.length, column: before[before.length - 1]!.length };
}

/** Where Babel's final map says the first `text` of the output came from. */
function origin(result: { code: string; map: TraceMap }, text: string): { line: number | null; column: number | null } {
  const { line, column } = originalPositionFor(result.map, find(result.code, text));
  return { line, column };
}

/** The error `action` throws. */
function thrown(action: () => unknown): Error & Record<string, unknown> {
  try {
    action();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected an error");
}

const MAIN_JS = `import { contextManager, run } from "yielding/runtime";

async function* numbers() {
  for (let i = 1; i <= 3; i++) { await null; yield i; }
}

const door = contextManager(function* (provide) {
  console.log("open");
  try { yield* provide("room"); } finally { console.log("close"); }
});

function* main() {
  for (const n of yielding numbers()) console.log("n", n);
  with (const room = yielding door) console.log("in", room);
  const squares = [for (const n of yielding numbers()) n * n];
  console.log("squares", squares.join(" "));
  throw new Error("boom");
}

run(main()).catch((error) => console.log(error.stack.split("\\n")[1].trim()));
`;

const MAIN_STDOUT = "n 1\nn 2\nn 3\nopen\nin room\nclose\nsquares 1 4 9\n";

const MAIN_TS = `import { contextManager, run } from "yielding/runtime";

interface Room { name: string }

async function* numbers(): AsyncGenerator<number> {
  for (let i = 1; i <= 3; i++) { await null; yield i; }
}

const door = contextManager<Room>(function* (provide) {
  console.log("open");
  try { yield* provide({ name: "room" }); } finally { console.log("close"); }
});

function* main(): Generator<unknown, void, unknown> {
  for (const n of yielding numbers()) console.log("n", n as number);
  with (const room = yielding door) console.log("in", room.name);
  const squares: number[] = [for (const n of yielding numbers()) n * n];
  console.log("squares", squares.join(" "));
  throw new Error("boom");
}

run(main()).catch((error: Error) => console.log(error.stack!.split("\\n")[1]!.trim()));
`;

const PLAIN_JS = `// a file without the syntax: yielding is only a word here
import { readFileSync } from "node:fs";
const yielding = (x) => x * 2;
export async function* twice(xs) {
  for await (const x of xs) yield yielding(x);
}
export const size = readFileSync.length;
`;

const NOT_A_GENERATOR = `const a = 1;
function f(xs) {
  for (const x of yielding xs) console.log(x);
}
`;

/** A plugin that overrides the parser too (Babel's own parser, so files still come out right). */
const OTHER_PARSER = `module.exports = () => ({
  name: "other-parser",
  parserOverride(code, options, parse) {
    globalThis.otherParserRuns = (globalThis.otherParserRuns ?? 0) + 1;
    return parse(code, options);
  },
});
`;

/** A later plugin that reports an error on a node, with Babel's code frame. */
const COMPLAINER = `module.exports = () => ({
  visitor: {
    CallExpression(path) {
      if (path.node.callee.name === "explode") throw path.buildCodeFrameError("explode() is not allowed");
    },
  },
});
`;

describe("yielding/babel with @babel/preset-env", () => {
  const dir = project({
    "babel.config.json": config(["yielding/babel"], [["@babel/preset-env", { targets: { node: "20" } }]]),
    "main.js": MAIN_JS,
  });
  const result = transformTo(dir, "main.js", "out.cjs");

  it("compiles the syntax inside the user's pipeline: the output runs", async () => {
    // preset-env turned the modules into CommonJS, the runtime import included.
    expect(result.code).toMatch(/require\("yielding\/runtime"\)/);
    expect(await node(dir, "out.cjs")).toBe(`${MAIN_STDOUT}at main (${join(dir, "main.js")}:17:9)\n`);
  });

  it("keeps the user's lines and columns in Babel's final source map", () => {
    expect(origin(result, 'new Error("boom")')).toEqual({ line: 17, column: 8 });
    expect(origin(result, "squares.join")).toEqual({ line: 16, column: 25 });
    expect(origin(result, 'console.log("in", room)')).toEqual({ line: 14, column: 36 });
    expect(origin(result, "numbers()")).toEqual({ line: 3, column: 16 });
  });

  it("maps every user token of the output to the same token in the original", () => {
    const original = MAIN_JS.split("\n");
    const lines = result.code.split("\n");
    let checked = 0;
    for (const [index, line] of lines.entries()) {
      for (const match of line.matchAll(/(?<!")\b(console|log|numbers|door|room|squares|provide|join|Error)\b/g)) {
        // The compiler re-declares a loop's or a with's binding inside the body, mapped to its head.
        if (/(const|let) $/.test(line.slice(0, match.index))) continue;
        const { line: at, column } = originalPositionFor(result.map, { line: index + 1, column: match.index });
        expect(original[at! - 1]!.slice(column!, column! + match[0].length), `${match[0]} at ${index + 1}:${match.index}`).toBe(match[0]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  it("leaves a file without the syntax exactly as Babel makes it without the plugin", () => {
    writeFileSync(join(dir, "plain.js"), PLAIN_JS);
    const withPlugin = babel.transformFileSync(join(dir, "plain.js"), { cwd: dir, sourceMaps: true });
    const without = babel.transformFileSync(join(dir, "plain.js"), {
      cwd: dir,
      configFile: false,
      sourceMaps: true,
      presets: [["@babel/preset-env", { targets: { node: "20" } }]],
    });
    expect(withPlugin.code).toBe(without.code);
    expect(withPlugin.map).toEqual(without.map);
  });
});

describe("yielding/babel with Babel lowering the output further", () => {
  it.each([
    ["@babel/plugin-transform-async-generator-functions", ["@babel/plugin-transform-async-generator-functions"], { node: "20" }, /_wrapAsyncGenerator/],
    ["targets that lower generators to regenerator", [], { chrome: "40" }, /_regenerator\(\)/],
  ])("runs the output, with %s", async (_, plugins, targets, lowered) => {
    const dir = project({
      "babel.config.json": config(["yielding/babel", ...plugins], [["@babel/preset-env", { targets }]]),
      "main.js": MAIN_JS,
    });
    const result = transformTo(dir, "main.js", "out.cjs");
    expect(result.code).toMatch(lowered);
    const stdout = await node(dir, "out.cjs");
    expect(stdout.startsWith(MAIN_STDOUT)).toBe(true);
    expect(stdout.slice(MAIN_STDOUT.length)).toMatch(`(${join(dir, "main.js")}:17:9)`);
  });
});

describe("yielding/babel with @babel/preset-typescript", () => {
  it("compiles a .ts file whose types the preset strips, with a map to the original", async () => {
    const dir = project({
      "babel.config.json": config(["yielding/babel"], ["@babel/preset-typescript"]),
      "main.ts": MAIN_TS,
    });
    const result = transformTo(dir, "main.ts", "out.mjs");
    expect(result.code).not.toMatch(/interface|: number/);
    expect(result.code).toMatch(/from "yielding\/runtime"/);
    expect(await node(dir, "out.mjs")).toBe(`${MAIN_STDOUT}at main (${join(dir, "main.ts")}:19:9)\n`);
    expect(origin(result, 'new Error("boom")')).toEqual({ line: 19, column: 8 });
  });
});

describe("yielding/babel errors", () => {
  const dir = project({
    "other-parser.cjs": OTHER_PARSER,
    "complainer.cjs": COMPLAINER,
    "bad.js": NOT_A_GENERATOR,
    "plain.js": PLAIN_JS,
    "explode.js": "function* main(xs) {\n  for (const x of yielding xs) {\n    explode(x);\n  }\n}\n",
    "typed.ts": "function* f(xs: number[]) {\n  for (const x of yielding xs) {}\n}\n",
  });
  const transform = (file: string, plugins: unknown[]) =>
    babel.transformFileSync(join(dir, file), { cwd: dir, configFile: false, highlightCode: false, plugins });

  it("reports a CompileError as Babel reports a syntax error: file, line:column, code, frame", () => {
    const error = thrown(() => transform("bad.js", ["yielding/babel"]));
    expect(error).toBeInstanceOf(SyntaxError);
    expect(error.message.split("\n\n")[0]).toBe(
      `${join(dir, "bad.js")}: E_CONTEXT: \`yielding\` can only be used inside a generator function (\`function*\`): ` +
        "it is inside the function `f` (line 2), which is not a generator: write `function* f` (3:19)",
    );
    expect(error.message).toContain("> 3 |   for (const x of yielding xs) console.log(x);\n    |                   ^");
    expect(error.code).toBe("BABEL_PARSE_ERROR");
    expect(error.reasonCode).toBe("E_CONTEXT");
    expect(error.loc).toEqual({ line: 3, column: 18, index: 48 });
    expect(error.cause).toMatchObject({ code: "E_CONTEXT", line: 3, column: 19 });
  });

  it("reports Babel's own parse error of the compiled code at the original position", () => {
    // No preset-typescript: Babel cannot parse the types the compiler kept, and says so where the user wrote them.
    const error = thrown(() => transform("typed.ts", ["yielding/babel"]));
    expect(error.message).toMatch(/typed\.ts: Unexpected token, expected "," \(1:14\)/);
    expect(error.message).toContain("> 1 | function* f(xs: number[]) {");
    expect(error.loc).toEqual({ line: 1, column: 14, index: 14 });
  });

  it("gives a later plugin's code frame the user's original lines", () => {
    const error = thrown(() => transform("explode.js", ["yielding/babel", "./complainer.cjs"]));
    expect(error.message).toContain("explode() is not allowed");
    expect(error.message).toContain("> 3 |     explode(x);\n    |     ^^^^^^^^^^");
  });

  it("names the other plugin that overrides the parser, for a file with the syntax", () => {
    const error = thrown(() => transform("explode.js", ["yielding/babel", "./other-parser.cjs"]));
    expect(error.message).toContain(`${join(dir, "explode.js")}: yielding/babel compiles this file`);
    expect(error.message).toContain('and so does the plugin "other-parser"');
  });

  it("leaves a file without the syntax to the other plugin that overrides the parser", () => {
    const globals = globalThis as { otherParserRuns?: number };
    const before = globals.otherParserRuns ?? 0;
    const result = transform("plain.js", ["yielding/babel", "./other-parser.cjs"]);
    expect(globals.otherParserRuns).toBe(before + 1);
    expect(result.code).toBe(babel.transformSync(PLAIN_JS, { configFile: false, filename: join(dir, "plain.js") }).code);
  });
});

describe("yielding/babel module formats", () => {
  const dir = project({});
  const LOOP = "function* f(xs) {\n  for (const x of yielding xs) console.log(x);\n}\n";
  const output = (code: string, filename: string, options: object = {}) =>
    babel.transformSync(code, { cwd: dir, configFile: false, filename: join(dir, filename), plugins: ["yielding/babel"], ...options }).code;
  const IMPORT = /^import \{[^}]*\} from "yielding\/runtime";/;
  const REQUIRE = /^const \{[^}]*\} = require\("yielding\/runtime"\);/;

  it("imports the runtime in a module, Babel's default", () => {
    expect(output(LOOP, "a.js")).toMatch(IMPORT);
  });

  it("requires it where Babel parses a script, and in a .cjs file", () => {
    expect(output(LOOP, "a.js", { sourceType: "script" })).toMatch(REQUIRE);
    expect(output(LOOP, "a.cjs")).toMatch(REQUIRE);
  });

  it("decides as Babel does with sourceType unambiguous", () => {
    expect(output(LOOP, "a.js", { sourceType: "unambiguous" })).toMatch(REQUIRE);
    expect(output(`export ${LOOP}`, "a.js", { sourceType: "unambiguous" })).toMatch(IMPORT);
    expect(output(`import "x";\n${LOOP}`, "a.cjs")).toMatch(IMPORT);
  });

  it("uses the runtime option", () => {
    expect(output(LOOP, "a.js", { plugins: [["yielding/babel", { runtime: "my-runtime" }]] })).toMatch(/from "my-runtime"/);
    expect(() => output(LOOP, "a.js", { plugins: [["yielding/babel", { runtim: "x" }]] })).toThrow(/unknown option "runtim"/);
  });

  it("places positions where Babel's startLine and startColumn put the code", () => {
    const error = thrown(() =>
      output("function f(xs) {\n  for (const x of yielding xs) ;\n}\n", "a.js", { parserOpts: { startLine: 10, startColumn: 4 } }),
    );
    expect(error.loc).toEqual({ line: 11, column: 18, index: 35 });
  });
});

describe("yielding/babel positions", () => {
  it("gives every comment, and every token of the user's, its original offsets (with tokens and ranges asked for)", () => {
    const dir = project({});
    const code = "// head\nfunction* f(xs) {\n  /* in */ for (const x of yielding xs) g(x); // tail\n}\n";
    const ast = babel.parseSync(code, {
      cwd: dir,
      configFile: false,
      filename: join(dir, "a.js"),
      plugins: ["yielding/babel"],
      parserOpts: { tokens: true, ranges: true },
    });
    expect(ast.comments.map((comment) => code.slice(comment.start, comment.end))).toEqual(["// head", "/* in */", "// tail"]);
    const generator = ast.program.body[1]!;
    expect(code.slice(generator.start, generator.end)).toBe(code.slice("// head\n".length, -1));
    expect(generator.range).toEqual([generator.start, generator.end]);
    const names = ast.tokens.filter((token) => token.type.label === "name" && ["f", "xs", "g"].includes(token.value as string));
    expect(names.map((token) => code.slice(token.start, token.end))).toEqual(["f", "xs", "xs", "g"]);
  });
});

describe("yielding/babel loading", () => {
  const dir = project({
    "babel.config.json": config(["yielding/babel"]),
    "main.js": "function* main(xs) {\n  for (const x of yielding xs) console.log(x);\n}\n",
    "load.cjs": `const babel = require("@babel/core");
const sync = babel.transformFileSync("main.js").code;
babel.transformFileAsync("main.js").then((result) => {
  console.log(JSON.stringify({ sync, async: result.code }));
});
`,
  });

  it("loads from babel.config.json with the sync and the async API, in a fresh Node", async () => {
    const { stdout, stderr } = await run(process.execPath, ["load.cjs"], { cwd: dir, timeout: 20_000 });
    const { sync, async } = JSON.parse(stdout) as { sync: string; async: string };
    expect(sync).toMatch(/^import \{ iterate as _iterate \} from "yielding\/runtime";/);
    expect(async).toBe(sync);
    expect(stderr).toBe("");
  });
});
