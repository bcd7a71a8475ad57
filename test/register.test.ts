// `node --import yielding/register` and `yielding run`, which starts Node with it: real
// processes on temporary projects, built code (`npm test` builds first). Projects lie
// inside this repository (under tmp/, where `yielding` resolves to this package by its
// self-reference) or outside it, in the system's temporary folder, where no
// node_modules provides `yielding`: there the hooks must.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./helpers/fixtures.js";
import { spawnDetached, type Exit, type SpawnOptions } from "./helpers/project.js";

const CLI = join(ROOT, "dist/cli/main.js");
const REGISTER = join(ROOT, "dist/integrations/register.js");
const REGISTER_URL = pathToFileURL(REGISTER).href;

const temps: string[] = [];
beforeAll(() => {
  if (!existsSync(REGISTER)) throw new Error(`${REGISTER} does not exist: run \`npm run build\``);
});
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

type Files = Record<string, string>;

function write(dir: string, files: Files): string {
  temps.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** A project under this repository's tmp/, where the bare `yielding/register` resolves. */
function inside(files: Files): string {
  mkdirSync(join(ROOT, "tmp"), { recursive: true });
  return write(mkdtempSync(join(ROOT, "tmp", "register-")), files);
}

/** A project in the system's temporary folder, with no node_modules anywhere above it. */
function outside(files: Files): string {
  const dir = write(mkdtempSync(join(tmpdir(), "yielding-register-")), files);
  for (let d = dir; dirname(d) !== d; d = dirname(d)) {
    if (existsSync(join(d, "node_modules"))) throw new Error(`${d} has a node_modules: the test needs a folder without`);
  }
  return dir;
}

/** `node --import <register> …args`, the register given as the bare `yielding/register` or a file URL. */
const nodeImport = (cwd: string, args: string[], register = REGISTER_URL, options?: SpawnOptions): Promise<Exit> =>
  spawnDetached(process.execPath, ["--import", register, ...args], cwd, options);

/** `yielding run …args`. */
const yieldingRun = (cwd: string, args: string[], options?: SpawnOptions): Promise<Exit> =>
  spawnDetached(process.execPath, [CLI, "run", ...args], cwd, options);

const show = (exit: Exit): string =>
  `exit ${exit.code} ${exit.signal ?? ""}\n--- stderr ---\n${exit.stderr}--- stdout ---\n${exit.stdout}`;

/** Expects a clean run that printed `stdout`. */
function expectOk(exit: Exit, stdout: string): void {
  expect(exit.stderr, show(exit)).toBe("");
  expect(exit.stdout).toBe(stdout);
  expect(exit.code).toBe(0);
}

const ESM_PROJECT: Files = {
  "main.js": [
    'import { run } from "yielding/runtime";',
    'import { squares } from "./lib/squares.js";',
    "function* main() {",
    "  const xs = yield* squares([1, 2, 3]);",
    "  for (const x of yielding xs) console.log('square', x);",
    "  console.log('argv', JSON.stringify(process.argv.slice(1)));",
    "}",
    "run(main());",
    "",
  ].join("\n"),
  "lib/squares.js": "export function* squares(xs) {\n  return [for (const x of yielding xs) x * x];\n}\n",
};

const esmOutput = (dir: string, ...args: string[]): string =>
  `square 1\nsquare 4\nsquare 9\nargv ${JSON.stringify([join(dir, "main.js"), ...args])}\n`;

describe("an ES module entry with a local module that uses the syntax", () => {
  it("runs with the bare --import yielding/register, inside a package that has yielding", async () => {
    const dir = inside(ESM_PROJECT);
    expectOk(await nodeImport(dir, ["main.js", "a", "--b"], "yielding/register"), esmOutput(dir, "a", "--b"));
  });

  it("runs with --import of register.js's file URL where no node_modules has yielding", async () => {
    const dir = outside(ESM_PROJECT);
    expectOk(await nodeImport(dir, ["main.js", "a"]), esmOutput(dir, "a"));
  });

  it("runs with yielding run, process.argv as node FILE args gives it", async () => {
    const dir = outside(ESM_PROJECT);
    expectOk(await yieldingRun(dir, ["main.js", "--flag", "two words", "-x"]), esmOutput(dir, "--flag", "two words", "-x"));
    const argv = outside({ "argv.mjs": "console.log(JSON.stringify(process.argv));\n" });
    const plain = await spawnDetached(process.execPath, ["argv.mjs", "x", "-y"], argv);
    expectOk(await yieldingRun(argv, ["argv.mjs", "x", "-y"]), plain.stdout);
  });
});

describe("TypeScript", () => {
  const project: Files = {
    "main.ts": [
      'import { run } from "yielding/runtime";',
      'import { doubled } from "./doubled.js";',
      "function* main(): Generator<unknown, void, unknown> {",
      "  const xs: number[] = yield* doubled([1, 2]);",
      "  for (const x of yielding xs) console.log(x);",
      "}",
      "run(main());",
      "",
    ].join("\n"),
    "doubled.ts": [
      "export function* doubled(xs: readonly number[]): Generator<unknown, number[], unknown> {",
      "  const out: number[] = [];",
      "  for (const x of yielding xs) out.push(x * 2);",
      "  return out;",
      "}",
      "",
    ].join("\n"),
  };

  it("runs a .ts entry importing a .ts module as ./x.js, with the syntax in both", async () => {
    expectOk(await nodeImport(outside(project), ["main.ts"]), "2\n4\n");
    expectOk(await yieldingRun(outside(project), ["main.ts"]), "2\n4\n");
  });

  it("loads .mts and .cts modules, imported and required", async () => {
    const dir = outside({
      "main.mts": [
        'import { run } from "yielding/runtime";',
        'import { one } from "./one.mts";',
        'import two from "./two.cts";',
        "function* main(): Generator<unknown, void, unknown> {",
        "  console.log(yield* one([1]), yield* two.two([2, 3]));",
        "}",
        "run(main());",
        "",
      ].join("\n"),
      "one.mts": "export function* one(xs: number[]) {\n  let n = 0;\n  for (const x of yielding xs) n += x;\n  return n;\n}\n",
      "two.cts": [
        'const { three } = require("./three.cts");',
        "exports.two = function* (xs: number[]) {",
        "  let n = 0;",
        "  for (const x of yielding xs) n += x;",
        "  return n * three();",
        "};",
        "",
      ].join("\n"),
      "three.cts": "exports.three = (): number => [for (const x of [1, 2]) x].length + 1;\n",
    });
    expectOk(await nodeImport(dir, ["main.mts"]), "1 15\n");
  });
});

describe("CommonJS", () => {
  const project: Files = {
    "main.cjs": [
      'const { run } = require("yielding/runtime");',
      'const { total } = require("./total.cjs");',
      "function* main() {",
      "  for (const x of yielding [1, 2]) console.log('item', x);",
      "  console.log('total', yield* total([4, 5]));",
      "  console.log('main', require.main === module, process.mainModule === module);",
      "}",
      "run(main());",
      "",
    ].join("\n"),
    "total.cjs": [
      'const { sleep } = require("yielding/runtime");',
      "exports.total = function* (xs) {",
      "  let sum = 0;",
      "  for (const x of yielding xs) sum += x;",
      "  yield* sleep(1);",
      "  return sum;",
      "};",
      "",
    ].join("\n"),
  };
  const output = "item 1\nitem 2\ntotal 9\nmain true true\n";

  it("runs a .cjs entry requiring a .cjs module with the syntax; the entry is require.main", async () => {
    expectOk(await nodeImport(outside(project), ["main.cjs"]), output);
    expectOk(await nodeImport(inside(project), ["main.cjs"], "yielding/register"), output);
    expectOk(await yieldingRun(outside(project), ["main.cjs"]), output);
  });

  it("runs a .js file that is CommonJS by package.json", async () => {
    const dir = outside({
      "package.json": '{ "type": "commonjs" }',
      "main.js": project["main.cjs"]!.replace("./total.cjs", "./total.js"),
      "total.js": project["total.cjs"]!,
    });
    expectOk(await nodeImport(dir, ["main.js"]), output);
  });
});

describe("stack traces name the original file and line", () => {
  const esm = [
    'import { run } from "yielding/runtime";',
    "function* check(x) {",
    "  if (x > 1) {",
    "    throw new Error('boom at ' + x);",
    "  }",
    "}",
    "function* main() {",
    "  return [for (const x of yielding [1, 2]) yield* check(x)];",
    "}",
    "run(main());",
    "",
  ].join("\n");
  const ts = esm.replace("function* check(x) {", "function* check(x: number): Generator<unknown, void, unknown> {");
  const cjs = esm.replace('import { run } from "yielding/runtime";', 'const { run } = require("yielding/runtime");');
  const dir = outside({ "boom.mjs": esm, "boom.ts": ts, "boom.cjs": cjs });

  /** Expects the error's stack to name `file` at the lines of the throw and of the comprehension. */
  function expectOriginalLines(exit: Exit, file: string): void {
    expect(exit.code, show(exit)).toBe(1);
    expect(exit.stderr).toContain("Error: boom at 2\n");
    expect(exit.stderr).toContain(`    at check (${join(dir, file)}:4:11)\n`);
    expect(exit.stderr).toContain(`    at main (${join(dir, file)}:8:`);
  }

  for (const file of ["boom.mjs", "boom.ts", "boom.cjs"]) {
    for (const flags of [[], ["--enable-source-maps"]]) {
      it(`${file} ${flags.join(" ") || "(source maps turned on by the register)"}`, async () => {
        expectOriginalLines(await nodeImport(dir, [...flags, file]), file);
      });
    }
  }

  it("under yielding run too", async () => {
    expectOriginalLines(await yieldingRun(dir, ["boom.ts"]), "boom.ts");
  });
});

describe("compile errors", () => {
  const FOR_IN = "export const x = 1;\nfunction* f(e) {\n  for (x in yielding e) {}\n}\n";
  const REPORT = "bad.mjs:3:13: error E_FOR_IN: yielding loops iterate values: write `of`\n";
  const FRAME = "> 3 |   for (x in yielding e) {}\n    |             ^\n";

  /** Expects exactly the report of bad.mjs on stderr, and exit 1. */
  function expectReport(exit: Exit): void {
    expect(exit.code, show(exit)).toBe(1);
    expect(exit.stdout).toBe("");
    expect(exit.stderr.startsWith(REPORT), show(exit)).toBe(true);
    expect(exit.stderr).toContain(FRAME);
    expect(exit.stderr).not.toMatch(/^\s+at /m);
    expect(exit.stderr).not.toContain("node:internal");
    expect(exit.stderr).not.toContain("Node.js v");
  }

  it("an imported module that fails to compile: the report and a code frame, exit 1", async () => {
    const dir = outside({ "main.mjs": 'import "./bad.mjs";\nconsole.log("never");\n', "bad.mjs": FOR_IN });
    expectReport(await nodeImport(dir, ["main.mjs"]));
    expectReport(await yieldingRun(dir, ["main.mjs"]));
    expectReport(await nodeImport(dir, ["bad.mjs"]));
  });

  it("a required CommonJS module: reported the same way", async () => {
    const dir = outside({
      "main.cjs": 'require("./bad.cjs");\n',
      "bad.cjs": "function* f(xs) {\n  for (const x of yielding xs) {\n    let = ;\n  }\n}\n",
    });
    const exit = await nodeImport(dir, ["main.cjs"]);
    expect(exit.code, show(exit)).toBe(1);
    expect(exit.stderr).toMatch(/^bad\.cjs:3:11: error E_SYNTAX: Unexpected token\n/);
    expect(exit.stderr).toContain("> 3 |     let = ;");
    expect(exit.stderr).not.toContain("Node.js v");
  });

  it("a program can catch it: a CompileError with the report's fields", async () => {
    const dir = outside({
      "main.mjs": [
        "try {",
        '  await import("./bad.mjs");',
        "} catch (error) {",
        "  console.log(error.name, JSON.stringify(error.summary));",
        "}",
        "",
      ].join("\n"),
      "bad.mjs": FOR_IN,
    });
    expectOk(await nodeImport(dir, ["main.mjs"]), `CompileError ${JSON.stringify(REPORT.trimEnd())}\n`);
  });

  it("in a worker's entry, unhandled by the program: reported once, exit 1", async () => {
    const dir = outside({
      "main.mjs": 'import { Worker } from "node:worker_threads";\nnew Worker(new URL("./bad.mjs", import.meta.url));\n',
      "bad.mjs": FOR_IN,
    });
    expectReport(await nodeImport(dir, ["main.mjs"]));
  });
});

describe("worker threads get the hooks", () => {
  const project: Files = {
    "work.mjs": [
      'import { sleep } from "yielding/runtime";',
      "export function* sum(xs) {",
      "  let total = 0;",
      "  for (const x of yielding xs) {",
      "    yield* sleep(1);",
      "    total += x;",
      "  }",
      "  return total;",
      "}",
      "export function count(xs) {",
      "  return [for (const x of xs) x].length;",
      "}",
      "",
    ].join("\n"),
    "threads.mjs": [
      'import { run } from "yielding/runtime";',
      'import { blockOn, closeThreads, toThread } from "yielding/threads";',
      'const work = new URL("./work.mjs", import.meta.url);',
      'console.log("blockOn", blockOn(work, "sum", [1, 2, 3]));',
      "await run(function* () {",
      '  console.log("toThread", yield* toThread(work, "sum", [4, 5]), yield* toThread(work, "count", [1, 2]));',
      "}());",
      "await closeThreads();",
      "",
    ].join("\n"),
    "worker.mjs": [
      'import { Worker } from "node:worker_threads";',
      'const worker = new Worker(new URL("./entry.mjs", import.meta.url));',
      'worker.on("message", (message) => console.log("from the worker", message));',
      "",
    ].join("\n"),
    "entry.mjs": [
      'import { parentPort } from "node:worker_threads";',
      'import { run } from "yielding/runtime";',
      'import { sum } from "./work.mjs";',
      "run(function* () {",
      "  for (const n of yielding [yield* sum([1, 2])]) parentPort.postMessage(n);",
      "}());",
      "",
    ].join("\n"),
  };

  it("toThread and blockOn run a module with the syntax, with node --import", async () => {
    expectOk(await nodeImport(outside(project), ["threads.mjs"]), "blockOn 6\ntoThread 9 2\n");
  });

  it("toThread and blockOn run a module with the syntax, under yielding run", async () => {
    expectOk(await yieldingRun(outside(project), ["threads.mjs"]), "blockOn 6\ntoThread 9 2\n");
  });

  it("a plain new Worker(url) runs a module with the syntax, both ways", async () => {
    expectOk(await nodeImport(outside(project), ["worker.mjs"]), "from the worker 3\n");
    expectOk(await yieldingRun(outside(project), ["worker.mjs"]), "from the worker 3\n");
  });
});

describe("yielding run: Node's options before FILE", () => {
  const dir = outside({
    "gc.mjs": "console.log(typeof globalThis.gc);\n",
    "flags.mjs": [
      'import { getHeapStatistics } from "node:v8";',
      "const limit = getHeapStatistics().heap_size_limit / 2 ** 20;",
      "console.log(JSON.stringify(process.execArgv));",
      "console.log(limit < 200, JSON.stringify(process.argv.slice(2)));",
      "",
    ].join("\n"),
    // Node 20 runs -r modules in its module-hooks thread too: print from the main thread only.
    "preload.cjs": 'if (require("node:worker_threads").isMainThread) console.log("preloaded");\n',
    "main.mjs": 'import "#where";\n',
    "package.json": JSON.stringify({ imports: { "#where": { custom: "./custom.mjs", default: "./default.mjs" } } }),
    "custom.mjs": 'console.log("custom condition");\n',
    "default.mjs": 'console.log("default condition");\n',
  });

  it("--expose-gc: the program sees globalThis.gc", async () => {
    expectOk(await yieldingRun(dir, ["--expose-gc", "gc.mjs"]), "function\n");
    expectOk(await yieldingRun(dir, ["gc.mjs"]), "undefined\n");
  });

  it("V8 options with =, Node's options with their value as the next argument, and --", async () => {
    const args = ["--max-old-space-size=100", "-r", "./preload.cjs", "--title", "x", "--", "flags.mjs", "-r", "y"];
    const exit = await yieldingRun(dir, args);
    const execArgv = ["--import", REGISTER_URL, ...args.slice(0, 5)];
    expectOk(exit, `preloaded\n${JSON.stringify(execArgv)}\ntrue ["-r","y"]\n`);
  });

  it("--conditions x and -C x", async () => {
    expectOk(await yieldingRun(dir, ["--conditions", "custom", "main.mjs"]), "custom condition\n");
    expectOk(await yieldingRun(dir, ["-C", "custom", "main.mjs"]), "custom condition\n");
    expectOk(await yieldingRun(dir, ["--conditions=custom", "main.mjs"]), "custom condition\n");
    expectOk(await yieldingRun(dir, ["main.mjs"]), "default condition\n");
  });

  it("NODE_OPTIONS applies to the program, and an --import of yielding/register there does no harm", async () => {
    expectOk(await yieldingRun(dir, ["gc.mjs"], { env: { NODE_OPTIONS: "--expose-gc" } }), "function\n");
    const project = inside(ESM_PROJECT);
    const exit = await yieldingRun(project, ["main.js"], { env: { NODE_OPTIONS: "--import yielding/register" } });
    expectOk(exit, esmOutput(project));
  });

  it("an option missing its value, or no FILE, is a usage error (exit 2); an unknown option is Node's to refuse", async () => {
    const missing = await yieldingRun(dir, ["--require"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("the Node option --require needs a value");
    expect((await yieldingRun(dir, ["--expose-gc"])).code).toBe(2);
    const bogus = await yieldingRun(dir, ["--no-such-option", "gc.mjs"]);
    expect(bogus.code).toBe(9);
    expect(bogus.stderr).toContain("--no-such-option");
  });
});

describe("yielding run: exit codes and signals pass through", () => {
  const dir = outside({
    "code.mjs": "process.exitCode = 3;\n",
    "suicide.mjs": 'process.kill(process.pid, "SIGTERM");\nsetTimeout(() => {}, 10_000);\n',
    "term.mjs": [
      'process.on("SIGTERM", () => {',
      '  console.log("the program got SIGTERM");',
      "  process.exit(5);",
      "});",
      'console.log("ready");',
      "setTimeout(() => {}, 20_000);",
      "",
    ].join("\n"),
    "interrupt.mjs": [
      'import { run, sleep } from "yielding/runtime";',
      "function* main() {",
      "  try {",
      '    console.log("ready");',
      "    yield* sleep(20_000);",
      "  } finally {",
      '    console.log("cleanup");',
      "    yield* sleep(20);",
      '    console.log("cleaned up");',
      "  }",
      "}",
      "run(main());",
      "",
    ].join("\n"),
  });
  const onReady =
    (signal: NodeJS.Signals) =>
    (line: string, child: ChildProcess): void => {
      if (line === "ready") child.kill(signal);
    };

  it("the program's exit code is the command's", async () => {
    expect((await yieldingRun(dir, ["code.mjs"])).code).toBe(3);
  });

  it("a program killed by a signal kills the command with the same signal", async () => {
    const exit = await yieldingRun(dir, ["suicide.mjs"]);
    expect(exit.signal, show(exit)).toBe("SIGTERM");
  });

  it("SIGTERM sent to yielding run reaches the program", async () => {
    const exit = await yieldingRun(dir, ["term.mjs"], { onLine: onReady("SIGTERM") });
    expect(exit.stdout, show(exit)).toBe("ready\nthe program got SIGTERM\n");
    expect(exit.code).toBe(5);
  });

  it("SIGINT sent to yielding run outside a terminal reaches the program once: its cleanup runs, then it dies of SIGINT", async () => {
    const exit = await yieldingRun(dir, ["interrupt.mjs"], { onLine: onReady("SIGINT") });
    expect(exit.stdout, show(exit)).toBe("ready\ncleanup\ncleaned up\n");
    expect(exit.signal).toBe("SIGINT");
  });

  const script = spawnSync("script", ["--version"]).status === 0;
  it.skipIf(!script)("Ctrl-C in a terminal (a pseudo-terminal made by script) reaches the program once", async () => {
    // The terminal signals the whole foreground group: yielding run and the program.
    // yielding run must not pass it on too, or the program would see a second Ctrl-C.
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} run interrupt.mjs`;
    const child = spawn("script", ["-qfec", command, "/dev/null"], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      const before = stdout;
      stdout += chunk;
      if (!before.includes("ready") && stdout.includes("ready")) child.stdin.write("\x03");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 25_000);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(timer);
    child.stdin.end();
    expect(stdout.replaceAll("\r", "").replace("^C", "")).toBe("ready\ncleanup\ncleaned up\n");
    // script -e exits with 128 + the number of the signal that killed the command.
    expect(code).toBe(130);
  });
});

describe("yielding run: FILE", () => {
  it("a missing FILE is reported with exit 1", async () => {
    const exit = await yieldingRun(outside({}), ["nope.js"]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe("yielding run: cannot find nope.js\n");
  });

  it("after --, FILE may start with -, and process.argv is what node -- FILE gives", async () => {
    const dir = outside({ "-x.mjs": "console.log(JSON.stringify(process.argv));\n" });
    const plain = await spawnDetached(process.execPath, ["--", "-x.mjs", "-y"], dir);
    expect(plain.stdout).toContain('"-x.mjs","-y"');
    expectOk(await yieldingRun(dir, ["--", "-x.mjs", "-y"]), plain.stdout);
  });
});
