// The `yielding` command line (SPEC §9), run as users run it: `node dist/cli/main.js …`
// (built by `npm run build`, which `npm test` runs first) in fresh temporary folders.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const PACKAGE = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder holding `files` (path → content). */
function project(files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "yielding-cli-"));
  temps.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
  bytes: Buffer;
}

/** Runs `yielding ...args` in `cwd`, with `input` on stdin. */
function yielding(cwd: string, args: string[], input = ""): Outcome {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, input, timeout: 60_000 });
  return {
    status: result.status,
    stdout: result.stdout.toString("utf8"),
    stderr: result.stderr.toString("utf8"),
    bytes: result.stdout,
  };
}

const read = (dir: string, path: string): string => readFileSync(join(dir, path), "utf8");

const LOOP = "function* f(xs) {\n  for (const x of yielding xs) console.log(x);\n}\n";
const PLAIN = "// no syntax here\r\nconst yielding = 1;  \nlet s = `é ${yielding}` \u2028 ;\nexport { s }";
const FOR_IN = "function* f(e) {\n  for (x in yielding e) {}\n}\n";
const BAD_SYNTAX = "function* f(xs) {\n  for (const x of yielding xs) {\n    let = ;\n  }\n}\n";
const RUNTIME_IMPORT = /import[^;]*from\s*["']yielding\/runtime["']/;
const RUNTIME_REQUIRE = /require\(\s*["']yielding\/runtime["']\s*\)/;

describe("yielding: help, version, usage errors", () => {
  const cwd = project();

  it("prints help with exit 0, for the tool and for each command", () => {
    for (const args of [["--help"], ["-h"], ["compile", "--help"], ["run", "--help"]]) {
      const out = yielding(cwd, args);
      expect(out.status, args.join(" ")).toBe(0);
      expect(out.stdout).toMatch(/^Usage: yielding/);
      expect(out.stdout).toContain("Exit codes");
    }
    expect(yielding(cwd, ["compile", "--help"]).stdout).toContain("--source-maps");
  });

  it("prints the version of package.json with exit 0", () => {
    for (const flag of ["--version", "-v"]) {
      const out = yielding(cwd, [flag]);
      expect(out.status).toBe(0);
      expect(out.stdout).toBe(`${PACKAGE.version}\n`);
    }
  });

  it("exits 2 with a message and the usage on stderr for an unknown flag or command", () => {
    for (const args of [["compile", "--bogus"], ["--bogus"], ["frobnicate"], [], ["run"], ["compile", "--module", "amd"]]) {
      const out = yielding(cwd, args);
      expect(out.status, args.join(" ")).toBe(2);
      expect(out.stderr).toMatch(/^yielding: .+\nUsage: yielding/);
      expect(out.stdout).toBe("");
    }
  });
});

describe("yielding compile", () => {
  it("compiles stdin to stdout", () => {
    const cwd = project();
    const out = yielding(cwd, ["compile"], LOOP);
    expect(out.status).toBe(0);
    expect(out.stdout).toContain("yielding/runtime");
    expect(out.stdout).not.toMatch(/of\s+yielding/);
    expect(yielding(cwd, ["compile"], PLAIN).stdout).toBe(PLAIN);
    expect(yielding(cwd, ["compile", "--runtime", "./my-runtime.js"], LOOP).stdout).toContain("./my-runtime.js");
  });

  it("prints a file without the syntax byte for byte", () => {
    const cwd = project({ "plain.js": PLAIN, "plain.ts": "let n: number = 1\n", "notes.txt": "x" });
    expect(yielding(cwd, ["compile", "plain.js"]).bytes.equals(Buffer.from(PLAIN))).toBe(true);
    expect(yielding(cwd, ["compile", "plain.ts"]).stdout).toBe("let n: number = 1\n");
  });

  it("imports or requires the runtime as Node would load the file", () => {
    const cwd = project({
      "esm/package.json": '{ "type": "module" }',
      "esm/a.js": LOOP,
      "esm/b.cjs": LOOP,
      "cjs/package.json": '{ "type": "commonjs" }',
      "cjs/a.js": LOOP,
      "cjs/b.mjs": LOOP,
      "loose/script.js": LOOP,
      "loose/module.js": `import x from "./x.js";\n${LOOP}`,
    });
    expect(yielding(cwd, ["compile", "esm/a.js"]).stdout).toMatch(RUNTIME_IMPORT);
    expect(yielding(cwd, ["compile", "esm/b.cjs"]).stdout).toMatch(RUNTIME_REQUIRE);
    expect(yielding(cwd, ["compile", "cjs/a.js"]).stdout).toMatch(RUNTIME_REQUIRE);
    expect(yielding(cwd, ["compile", "cjs/b.mjs"]).stdout).toMatch(RUNTIME_IMPORT);
    expect(yielding(cwd, ["compile", "loose/script.js"]).stdout).toMatch(RUNTIME_REQUIRE);
    expect(yielding(cwd, ["compile", "loose/module.js"]).stdout).toMatch(RUNTIME_IMPORT);
    expect(yielding(cwd, ["compile", "--module", "esm", "cjs/a.js"]).stdout).toMatch(RUNTIME_IMPORT);
  });

  it("mirrors a folder into -o, copying other files and skipping node_modules and dot-folders", () => {
    const cwd = project({
      "src/main.js": LOOP,
      "src/lib/util.ts": "export const n: number = 1;\n",
      "src/lib/data.json": '{ "a": 1 }\n',
      "src/lib/deep/view.tsx": "export const v = <b>{1}</b>;\n",
      "src/node_modules/dep/index.js": LOOP,
      "src/.cache/x.js": LOOP,
    });
    const out = yielding(cwd, ["compile", "src", "-o", "out"]);
    expect(out.status).toBe(0);
    expect(out.stderr).toMatch(/^yielding compile: 1 compiled, 3 copied unchanged, 0 failed in \d+\.\d\d s\n$/);
    expect(read(cwd, "out/main.js")).toContain("yielding/runtime");
    expect(read(cwd, "out/lib/util.ts")).toBe("export const n: number = 1;\n");
    expect(read(cwd, "out/lib/data.json")).toBe('{ "a": 1 }\n');
    expect(read(cwd, "out/lib/deep/view.tsx")).toBe("export const v = <b>{1}</b>;\n");
    expect(existsSync(join(cwd, "out/node_modules"))).toBe(false);
    expect(existsSync(join(cwd, "out/.cache"))).toBe(false);
    expect(existsSync(join(cwd, "out/main.js.map"))).toBe(false);
  });

  it("puts files given one by one under -o by their names", () => {
    const cwd = project({ "a/one.js": LOOP, "b/two.mjs": PLAIN });
    expect(yielding(cwd, ["compile", "a/one.js", "b/two.mjs", "-o", "out"]).status).toBe(0);
    expect(read(cwd, "out/one.js")).toContain("yielding/runtime");
    expect(read(cwd, "out/two.mjs")).toBe(PLAIN);
  });

  it("writes a source map beside each compiled file with --source-maps", () => {
    const cwd = project({ "src/main.js": LOOP, "src/plain.js": PLAIN });
    expect(yielding(cwd, ["compile", "src", "-o", "out", "--source-maps"]).status).toBe(0);
    const code = read(cwd, "out/main.js");
    expect(code.trimEnd().endsWith("//# sourceMappingURL=main.js.map")).toBe(true);
    const map = JSON.parse(read(cwd, "out/main.js.map")) as { version: number; sources: string[]; mappings: string };
    expect(map.version).toBe(3);
    expect(map.sources).toEqual(["../src/main.js"]);
    expect(map.mappings.length).toBeGreaterThan(0);
    expect(read(cwd, "out/plain.js")).toBe(PLAIN);
    expect(existsSync(join(cwd, "out/plain.js.map"))).toBe(false);

    expect(yielding(cwd, ["compile", "src/main.js", "--out-file", "single/main.js", "-s"]).status).toBe(0);
    expect(JSON.parse(read(cwd, "single/main.js.map")).sources).toEqual(["../src/main.js"]);
  });

  it("inlines the source map with --source-maps inline, and always on stdout", () => {
    const cwd = project({ "src/main.js": LOOP });
    const inlined = (code: string): { sources: string[] } => {
      const match = /\/\/# sourceMappingURL=data:application\/json;charset=utf-8;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
      expect(match).not.toBeNull();
      return JSON.parse(Buffer.from(match![1]!, "base64").toString("utf8")) as { sources: string[] };
    };
    for (const flags of [["--source-maps", "inline"], ["--source-maps=inline"], ["-s", "inline"]]) {
      expect(yielding(cwd, ["compile", "src", "-o", "out", ...flags]).status).toBe(0);
      expect(inlined(read(cwd, "out/main.js")).sources).toEqual(["../src/main.js"]);
      expect(existsSync(join(cwd, "out/main.js.map"))).toBe(false);
      rmSync(join(cwd, "out"), { recursive: true });
    }
    expect(inlined(yielding(cwd, ["compile", "src/main.js", "--source-maps"]).stdout).sources).toEqual(["src/main.js"]);
  });

  it("refuses to write over an input, before writing anything", () => {
    const cwd = project({ "src/main.js": LOOP, "src/other.js": LOOP });
    for (const args of [
      ["src", "-o", "src"],
      ["src/main.js", "--out-file", "src/main.js"],
      ["src/main.js", "-o", "src"],
      ["src/main.js", "src/other.js", "-o", "./src/../src"],
    ]) {
      const out = yielding(cwd, ["compile", ...args]);
      expect(out.status, args.join(" ")).toBe(2);
      expect(out.stderr).toContain("refusing to write");
      expect(read(cwd, "src/main.js")).toBe(LOOP);
      expect(read(cwd, "src/other.js")).toBe(LOOP);
    }
  });

  it("skips an output folder that lies inside the input folder", () => {
    const cwd = project({ "src/main.js": LOOP });
    expect(yielding(cwd, ["compile", "src", "-o", "src/out"]).status).toBe(0);
    expect(yielding(cwd, ["compile", "src", "-o", "src/out"]).status).toBe(0);
    expect(read(cwd, "src/out/main.js")).toContain("yielding/runtime");
    expect(existsSync(join(cwd, "src/out/out"))).toBe(false);
  });

  it("needs -o for several inputs or a folder (exit 2)", () => {
    const cwd = project({ "src/a.js": LOOP, "src/b.js": LOOP });
    expect(yielding(cwd, ["compile", "src/a.js", "src/b.js"]).status).toBe(2);
    expect(yielding(cwd, ["compile", "src"]).status).toBe(2);
    expect(yielding(cwd, ["compile", "src", "--out-file", "x.js"]).status).toBe(2);
    expect(yielding(cwd, ["compile", "src", "-o", "o", "--out-file", "x.js"]).status).toBe(2);
    expect(yielding(cwd, ["compile", "src/a.js", "--watch"]).status).toBe(2);
  });

  it("reports E_FOR_IN as path:line:column: error CODE: message plus a code frame, exit 1", () => {
    const cwd = project({ "src/bad.js": FOR_IN });
    const out = yielding(cwd, ["compile", "src/bad.js"]);
    expect(out.status).toBe(1);
    expect(out.stdout).toBe("");
    const [first, ...frame] = out.stderr.split("\n");
    expect(first).toBe("src/bad.js:2:13: error E_FOR_IN: yielding loops iterate values: write `of`");
    expect(frame.join("\n")).toMatch(/> 2 \|\s+for \(x in yielding e\) \{\}\n\s+\|\s+\^/);
    expect(out.stderr).not.toMatch(/^\s+at /m);

    const piped = yielding(cwd, ["compile"], FOR_IN);
    expect(piped.stderr.split("\n")[0]).toBe("<stdin>:2:13: error E_FOR_IN: yielding loops iterate values: write `of`");
    const named = yielding(cwd, ["compile", "--filename", "lib/x.ts"], FOR_IN);
    expect(named.stderr.split("\n")[0]).toMatch(/^lib\/x\.ts:2:13: error E_FOR_IN: /);
  });

  it("reports E_SYNTAX at the original line, exit 1", () => {
    const cwd = project({ "bad.js": BAD_SYNTAX });
    const out = yielding(cwd, ["compile", "bad.js"]);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/^bad\.js:3:\d+: error E_SYNTAX: \S.*\n/);
    expect(out.stderr).toContain("> 3 |     let = ;");
    expect(out.stderr).not.toMatch(/^\s+at /m);
  });

  it("reports every failing file, compiles the rest and exits 1", () => {
    const cwd = project({ "src/a.js": FOR_IN, "src/b.js": LOOP, "src/c.js": BAD_SYNTAX, "src/d.txt": "d" });
    const out = yielding(cwd, ["compile", "src", "-o", "out"]);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/^src\/a\.js:2:13: error E_FOR_IN: /m);
    expect(out.stderr).toMatch(/^src\/c\.js:3:\d+: error E_SYNTAX: /m);
    expect(read(cwd, "out/b.js")).toContain("yielding/runtime");
    expect(read(cwd, "out/d.txt")).toBe("d");
    expect(existsSync(join(cwd, "out/a.js"))).toBe(false);
  });

  it("reports a missing input with exit 1, still compiling the others", () => {
    const cwd = project({ "a.js": LOOP });
    const alone = yielding(cwd, ["compile", "missing.js"]);
    expect(alone.status).toBe(1);
    expect(alone.stderr).toContain("missing.js");
    const mixed = yielding(cwd, ["compile", "a.js", "missing.js", "-o", "out"]);
    expect(mixed.status).toBe(1);
    expect(read(cwd, "out/a.js")).toContain("yielding/runtime");
  });

  it("recompiles changed files with --watch, reporting errors and going on", async () => {
    const cwd = project({ "src/a.js": LOOP, "src/b.js": PLAIN });
    const child = spawn(process.execPath, [CLI, "compile", "src", "-o", "out", "--watch"], { cwd });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const until = async (check: () => boolean, what: string): Promise<void> => {
      const deadline = Date.now() + 15_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      await until(() => stderr.includes("watching"), "the first build");
      expect(read(cwd, "out/b.js")).toBe(PLAIN);
      writeFileSync(join(cwd, "src/b.js"), "changed();\n");
      await until(() => read(cwd, "out/b.js") === "changed();\n", "a rebuild");
      writeFileSync(join(cwd, "src/a.js"), FOR_IN);
      await until(() => stderr.includes("error E_FOR_IN"), "the error report");
      expect(child.exitCode).toBeNull();
      mkdirSync(join(cwd, "src/new"));
      await new Promise((resolve) => setTimeout(resolve, 300));
      writeFileSync(join(cwd, "src/new/c.js"), LOOP);
      await until(() => existsSync(join(cwd, "out/new/c.js")) && read(cwd, "out/new/c.js").includes("runtime"), "a new folder");
    } finally {
      child.kill();
    }
  });
});

describe("yielding run", () => {
  // Each program lives in a fresh temporary folder where `yielding` cannot be found by
  // Node's own resolution: `run` must supply it.
  const noYieldingPackage = (dir: string): boolean => {
    for (let d = dir; ; d = dirname(d)) {
      if (existsSync(join(d, "node_modules", "yielding"))) return false;
      if (dirname(d) === d) return true;
    }
  };

  it("runs an ES module importing the runtime and a local module that uses the syntax", () => {
    const cwd = project({
      "main.js": [
        'import { run } from "yielding/runtime";',
        'import { total } from "./lib/total.js";',
        "function* main() {",
        "  for (const x of yielding [1, 2]) console.log('item', x);",
        "  console.log('total', yield* total([1, 2, 3]));",
        "  console.log('argv', JSON.stringify(process.argv.slice(1)));",
        "}",
        "run(main());",
        "",
      ].join("\n"),
      "lib/total.js": "export function* total(xs) {\n  let sum = 0;\n  for (const x of yielding xs) sum += x;\n  return sum;\n}\n",
    });
    expect(noYieldingPackage(cwd)).toBe(true);
    const out = yielding(cwd, ["run", "main.js", "--flag", "two words", "-x"]);
    expect(out.stderr).toBe("");
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(
      `item 1\nitem 2\ntotal 6\nargv ${JSON.stringify([join(cwd, "main.js"), "--flag", "two words", "-x"])}\n`,
    );
  });

  it("runs CommonJS: require of the runtime and of local modules, require.main", () => {
    const cwd = project({
      "main.cjs": [
        'const { run } = require("yielding/runtime");',
        'const { total } = require("./total.cjs");',
        "function* main() {",
        "  for (const x of yielding [1, 2]) console.log('item', x);",
        "  console.log('total', yield* total([4, 5]), require.main === module);",
        "}",
        "run(main());",
        "",
      ].join("\n"),
      "total.cjs": "exports.total = function* (xs) {\n  let sum = 0;\n  for (const x of yielding xs) sum += x;\n  return sum;\n};\n",
    });
    const out = yielding(cwd, ["run", "main.cjs"]);
    expect(out.stderr).toBe("");
    expect(out.stdout).toBe("item 1\nitem 2\ntotal 9 true\n");
    expect(out.status).toBe(0);
  });

  it("points stack traces of errors thrown in compiled code at the original line, exit 1", () => {
    const cwd = project({
      "package.json": '{ "type": "module" }',
      "boom.js": [
        'import { run } from "yielding/runtime";',
        "function* main() {",
        "  for (const x of yielding [1, 2]) {",
        "    for (const y of yielding [x]) {",
        "      if (y === 2) {",
        "        throw new Error('boom at ' + y);",
        "      }",
        "    }",
        "  }",
        "}",
        "run(main());",
        "",
      ].join("\n"),
    });
    const out = yielding(cwd, ["run", "boom.js"]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("Error: boom at 2");
    expect(out.stderr).toMatch(/^\s+at main \(\S*boom\.js:6:\d+\)$/m);
  });

  it("reports a compile error in an imported module cleanly, exit 1", () => {
    const cwd = project({
      "main.js": 'import "./bad.js";\nconsole.log("never");\n',
      "bad.js": `export const x = 1;\n${FOR_IN}`,
    });
    const out = yielding(cwd, ["run", "main.js"]);
    expect(out.status).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr).toMatch(/^bad\.js:3:13: error E_FOR_IN: yielding loops iterate values: write `of`\n/);
    expect(out.stderr).toContain("> 3 |   for (x in yielding e) {}");
    expect(out.stderr).not.toMatch(/^\s+at /m);
    expect(out.stderr).not.toContain("node:internal");

    const cjs = project({ "main.cjs": 'require("./bad.cjs");\n', "bad.cjs": BAD_SYNTAX });
    const cjsOut = yielding(cjs, ["run", "main.cjs"]);
    expect(cjsOut.status).toBe(1);
    expect(cjsOut.stderr).toMatch(/^bad\.cjs:3:\d+: error E_SYNTAX: /);
    expect(cjsOut.stderr).not.toMatch(/^\s+at /m);
  });

  it("reports a missing file with exit 1", () => {
    const out = yielding(project(), ["run", "nope.js"]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("nope.js");
  });

  it("keeps the program's exit code and options after FILE", () => {
    const cwd = project({ "exit.mjs": "console.log(process.argv.slice(2).join(' '));\nprocess.exitCode = 3;\n" });
    const out = yielding(cwd, ["run", "exit.mjs", "--help", "--version"]);
    expect(out.stdout).toBe("--help --version\n");
    expect(out.status).toBe(3);
  });

  it("runs TypeScript, with types stripped in place", () => {
    const cwd = project({
      "package.json": '{ "type": "module" }',
      "main.ts": [
        'import { run } from "yielding/runtime";',
        'import { twice } from "./twice.js";',
        "function* main(): Generator<unknown, void, unknown> {",
        "  for (const x of yielding [1, 2]) console.log(twice(x));",
        "}",
        "run(main());",
        "",
      ].join("\n"),
      "twice.ts": "export function twice(n: number): number {\n  return n * 2;\n}\n",
    });
    const out = yielding(cwd, ["run", "main.ts"]);
    expect(out.stderr).toBe("");
    expect(out.stdout).toBe("2\n4\n");
    expect(out.status).toBe(0);
  });

  it("reports TypeScript it cannot strip at the original line, after a compiled loop", () => {
    const cwd = project({
      "package.json": '{ "type": "module" }',
      "main.ts": [
        'import { run } from "yielding/runtime";',
        "function* main(): Generator<unknown, void, unknown> {",
        "  for (const x of yielding [1, 2]) console.log(x);",
        "}",
        "enum Color { Red }",
        "run(main());",
        "",
      ].join("\n"),
    });
    const out = yielding(cwd, ["run", "main.ts"]);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/^main\.ts:5:1: error: yielding run and yielding\/register only strip TypeScript types/);
    expect(out.stderr).toContain("> 5 | enum Color { Red }");
  });
});
