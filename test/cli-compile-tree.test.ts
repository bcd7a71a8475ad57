// `yielding compile` on trees (issue 11, item 5): the summary and progress lines, every
// error reported in order, the worker pool and its determinism, --out-ext, colour, and
// the messages for inputs that cannot be read. Each test runs the built CLI
// (`node dist/cli/main.js`) on a tree under tmp/.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./helpers/fixtures.js";
import { writeProject } from "./helpers/project.js";

const CLI = join(ROOT, "dist/cli/main.js");

const LOOP = "function* f(xs) {\n  for (const x of yielding xs) console.log(x);\n}\n";
const WITH = "export function* g(m) {\n  with (const c = yielding m) return [for (x of yielding c.rows()) x * 2];\n}\n";
const TYPED = "export function* h(xs: number[]): Generator<unknown, number> {\n  let n = 0;\n  for (const x of yielding xs) n += x;\n  return n;\n}\n";
const PLAIN = "export const plain = 1;\n";
const FOR_IN = "function* f(e) {\n  for (x in yielding e) {}\n}\n";
const BAD_SYNTAX = "function* f(xs) {\n  for (const x of yielding xs) {\n    let = ;\n  }\n}\n";
const SUMMARY = /^yielding compile: (\d+) compiled, (\d+) copied unchanged, (\d+) failed in \d+\.\d\d s$/;
const ESC = "\x1b[";

const removers: (() => void)[] = [];
afterAll(() => removers.forEach((remove) => remove()));

/** A fresh tree under tmp/ holding `files` (path → content). */
function tree(files: Record<string, string>): string {
  const { root, remove } = writeProject("cli-tree", files);
  removers.push(remove);
  return root;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The test's environment without its colour variables and NODE_OPTIONS, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  // CI too: Node gives a terminal under CI=true two colours only, so no colour at all here.
  const dropped = ["FORCE_COLOR", "NO_COLOR", "NODE_OPTIONS", "CI"];
  return { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !dropped.includes(name))), ...env };
}

/** Runs `yielding ...args` in `cwd` with stdin, stdout and stderr piped, in `childEnv(env)`. */
function yielding(cwd: string, args: string[], env: Record<string, string> = {}, input = ""): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, input, env: childEnv(env), encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs `yielding ...args` in `cwd` on a terminal, through `script` (util-linux), which
 * gives the command a pseudo-terminal; returns what the terminal showed (stdout and stderr
 * together, newlines as the terminal writes them, \r\n).
 */
function onTerminal(cwd: string, args: string[], env: Record<string, string> = {}): Run {
  const command = [process.execPath, CLI, ...args].map((arg) => `'${arg}'`).join(" ");
  const options = { cwd, env: childEnv({ TERM: "xterm-256color", ...env }), encoding: "utf8" as const, timeout: 60_000 };
  const result = spawnSync("script", ["-qec", command, "/dev/null"], options);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file below `dir`, as relative path → bytes. */
function contents(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const visit = (folder: string): void => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) visit(path);
      else files.set(relative(dir, path), readFileSync(path));
    }
  };
  visit(dir);
  return files;
}

const lastLine = (text: string): string => text.trimEnd().split(/\r?\n/).pop()!;
const withoutTime = (text: string): string => text.replace(/ in \d+\.\d\d s$/m, " in … s");
const read = (dir: string, path: string): string => readFileSync(join(dir, path), "utf8");

/** A tree of `count` files of every kind, with broken ones among them when `broken`. */
function mixedTree(count: number, broken: boolean): Record<string, string> {
  const files: Record<string, string> = {};
  const kinds = [LOOP, WITH, PLAIN, LOOP, WITH];
  for (let i = 0; i < count; i++) {
    const folder = `src/p${i % 4}/m${i % 3}`;
    if (i % 10 === 9) files[`${folder}/t${i}.ts`] = TYPED;
    else if (i % 17 === 16) files[`${folder}/d${i}.json`] = `{ "i": ${i} }\n`;
    else files[`${folder}/f${i}.js`] = `// file ${i}\n${kinds[i % kinds.length]}`;
  }
  if (broken) {
    files["src/p0/broken-for-in.js"] = FOR_IN;
    files["src/p2/m1/broken-syntax.js"] = BAD_SYNTAX;
    files["src/p3/z/broken.ts"] = FOR_IN;
  }
  return files;
}

describe("yielding compile: the summary line", () => {
  it("closes a folder run with the counts of compiled, copied and failed files and the time", () => {
    const cwd = tree({ "src/a.js": LOOP, "src/b/c.js": WITH, "src/t.ts": TYPED, "src/plain.js": PLAIN, "src/data.json": "{}\n", "src/bad.js": FOR_IN });
    const out = yielding(cwd, ["compile", "src", "-o", "out"]);
    expect(out.status).toBe(1);
    expect(lastLine(out.stderr)).toMatch(SUMMARY);
    expect(SUMMARY.exec(lastLine(out.stderr))!.slice(1, 4)).toEqual(["3", "2", "1"]);
    expect(out.stderr.endsWith("\n")).toBe(true);
  });

  it("closes a run of files given one by one under -o, and counts a missing input as failed", () => {
    const cwd = tree({ "a.js": LOOP, "b.txt": "b" });
    const out = yielding(cwd, ["compile", "a.js", "b.txt", "missing.js", "-o", "out"]);
    expect(out.status).toBe(1);
    expect(out.stderr.split("\n")[0]).toBe("yielding compile: cannot read missing.js: no such file or directory");
    expect(SUMMARY.exec(lastLine(out.stderr))!.slice(1, 4)).toEqual(["1", "1", "1"]);
  });

  it("keeps quiet for one file to stdout, for stdin and for --out-file", () => {
    const cwd = tree({ "a.js": LOOP });
    for (const [args, input] of [[["compile", "a.js"], ""], [["compile"], LOOP], [["compile", "a.js", "--out-file", "o/a.js"], ""]] as const) {
      const out = yielding(cwd, [...args], {}, input);
      expect(out.status, args.join(" ")).toBe(0);
      expect(out.stderr, args.join(" ")).toBe("");
    }
  });
});

describe("yielding compile: every error, in order", () => {
  it("reports each broken file of a tree in the order of the walk, writes the rest and exits 1", () => {
    const cwd = tree(mixedTree(30, true));
    for (const workers of ["1", "2"]) {
      const out = yielding(cwd, ["compile", "src", "-o", `out${workers}`, "--workers", workers]);
      expect(out.status).toBe(1);
      const firsts = out.stderr.split("\n").filter((line) => /^\S+:\d+:\d+: error /.test(line));
      expect(firsts.map((line) => line.replace(/:\d+:\d+: error (\w+).*/, " $1"))).toEqual([
        "src/p0/broken-for-in.js E_FOR_IN",
        "src/p2/m1/broken-syntax.js E_SYNTAX",
        "src/p3/z/broken.ts E_FOR_IN",
      ]);
      expect(out.stderr).toContain("> 3 |     let = ;");
      expect(SUMMARY.exec(lastLine(out.stderr))![3]).toBe("3");
      expect(existsSync(join(cwd, `out${workers}/p0/broken-for-in.js`))).toBe(false);
      expect(read(cwd, `out${workers}/p0/m0/f0.js`)).toContain("yielding/runtime");
    }
  });
});

describe("yielding compile: workers", () => {
  it("writes the same bytes, files and maps, and the same reports, whatever the number of workers", () => {
    // Nested far deeper than the main thread's stack lets the parser follow, though not a
    // worker's default 4 MB stack: it must fail on the workers too.
    const deep = `function* f(xs) {\n${"for (const x of yielding xs) {\n".repeat(1000)}${"}\n".repeat(1000)}}\n`;
    const cwd = tree({ ...mixedTree(120, true), "src/p1/deep.js": deep });
    const runs = ["1", "2", "4"].map((workers) => {
      const out = yielding(cwd, ["compile", "src", "-o", `out${workers}`, "--source-maps", "--workers", workers]);
      expect(out.status).toBe(1);
      return { stderr: withoutTime(out.stderr), files: contents(join(cwd, `out${workers}`)) };
    });
    const [one, ...others] = runs;
    expect([...one!.files.keys()].filter((path) => path.endsWith(".map")).length).toBeGreaterThan(50);
    expect(one!.stderr).toMatch(/^src\/p1\/deep\.js:\d+:\d+: error E_SYNTAX: nested too deeply/m);
    for (const other of others) {
      expect([...other.files.keys()]).toEqual([...one!.files.keys()]);
      for (const [path, bytes] of one!.files) expect(other.files.get(path)!.equals(bytes), path).toBe(true);
      expect(other.stderr).toBe(one!.stderr);
    }
  });

  it("starts a pool by default only for a tree of 512 KB or more to compile, else as --workers says", () => {
    // Node's own debug log (NODE_DEBUG=worker) tells how many worker threads a run created.
    const created = (cwd: string, args: string[]): number => {
      const out = yielding(cwd, ["compile", "src", "-o", "out", ...args], { NODE_DEBUG: "worker" });
      expect(out.status).toBe(0);
      return out.stderr.match(/created Worker with ID/g)?.length ?? 0;
    };
    const small = tree(mixedTree(24, false));
    expect(created(small, [])).toBe(0);
    expect(created(small, ["--workers", "3"])).toBe(3);
    const functions = Array.from({ length: 200 }, (_, i) => LOOP.replace("f(", `f${i}(`)).join("");
    const large = tree(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`src/f${i}.js`, functions])));
    expect(functions.length * 40).toBeGreaterThan(512 * 1024);
    expect(created(large, [])).toBe(Math.min(availableParallelism(), 5));
    expect(created(large, ["--workers", "1"])).toBe(0);
  });

  it("takes --workers N for a whole number from 1, else exits 2", () => {
    const cwd = tree({ "src/a.js": LOOP });
    for (const bad of ["0", "-1", "1.5", "two", "", "0x2"]) {
      const out = yielding(cwd, ["compile", "src", "-o", "out", `--workers=${bad}`]);
      expect(out.status, bad).toBe(2);
      expect(out.stderr).toMatch(/^yielding: --workers takes a whole number of threads, 1 or more, not '.*'\nUsage: yielding compile/);
    }
    expect(yielding(cwd, ["compile", "src", "-o", "out", "--workers", "3"]).status).toBe(0);
  });
});

describe("yielding compile --out-ext", () => {
  it("renames compiled files, their maps and map comments follow; other files keep their names", () => {
    const cwd = tree({ "src/a.js": LOOP, "src/lib/plain.js": PLAIN, "src/data.json": "{}\n", "src/types.d.ts": "export type T = 1;\n" });
    const out = yielding(cwd, ["compile", "src", "-o", "out", "--out-ext", ".mjs", "--source-maps"]);
    expect(out.status).toBe(0);
    expect(contents(join(cwd, "out")).size).toBe(5);
    const code = read(cwd, "out/a.mjs");
    expect(code.trimEnd().endsWith("//# sourceMappingURL=a.mjs.map")).toBe(true);
    expect(code).toMatch(/^import [^;]* from "yielding\/runtime"/);
    const map = JSON.parse(read(cwd, "out/a.mjs.map")) as { file: string; sources: string[] };
    expect(map).toMatchObject({ file: "a.mjs", sources: ["../src/a.js"] });
    expect(read(cwd, "out/lib/plain.mjs")).toBe(PLAIN);
    expect(read(cwd, "out/data.json")).toBe("{}\n");
    expect(read(cwd, "out/types.d.ts")).toBe("export type T = 1;\n");

    expect(yielding(cwd, ["compile", "src", "-o", "cjs", "--out-ext", ".cjs"]).status).toBe(0);
    expect(read(cwd, "cjs/a.cjs")).toMatch(/require\("yielding\/runtime"\)/);
    const inline = yielding(cwd, ["compile", "src/a.js", "-o", "inline", "--out-ext", ".js", "--source-maps", "inline"]);
    expect(inline.status).toBe(0);
    const data = /base64,([A-Za-z0-9+/=]+)\s*$/.exec(read(cwd, "inline/a.js"))![1]!;
    expect(JSON.parse(Buffer.from(data, "base64").toString("utf8"))).toMatchObject({ file: "a.js", sources: ["../src/a.js"] });
  });

  it("exits 2 for an extension without a dot or with a slash, without -o, or when two inputs meet", () => {
    const cwd = tree({ "src/a.js": LOOP, "src/a.ts": TYPED });
    for (const ext of ["mjs", "./mjs", ".a/b", ".a\\b", "."]) {
      const out = yielding(cwd, ["compile", "src/a.js", "-o", "out", "--out-ext", ext]);
      expect(out.status, ext).toBe(2);
      expect(out.stderr).toContain("--out-ext takes an extension starting with a dot");
    }
    expect(yielding(cwd, ["compile", "src/a.js", "--out-ext", ".mjs"]).stderr).toMatch(/^yielding: --out-ext .* needs -o/);
    const both = yielding(cwd, ["compile", "src", "-o", "out", "--out-ext", ".mjs"]);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain("src/a.js and src/a.ts would both write out/a.mjs");
    expect(existsSync(join(cwd, "out"))).toBe(false);
  });
});

describe("yielding compile: colour", () => {
  const files = { "src/bad.js": FOR_IN, "src/ok.js": LOOP };

  it("has none in a pipe, nor with NO_COLOR; FORCE_COLOR brings it", () => {
    const cwd = tree(files);
    const plain = yielding(cwd, ["compile", "src", "-o", "out"]);
    expect(plain.stderr).not.toContain(ESC);
    expect(plain.stderr.split("\n")[0]).toBe("src/bad.js:2:13: error E_FOR_IN: yielding loops iterate values: write `of`");
    expect(yielding(cwd, ["compile", "src", "-o", "out"], { NO_COLOR: "1" }).stderr).not.toContain(ESC);
    const forced = yielding(cwd, ["compile", "src", "-o", "out"], { FORCE_COLOR: "1" });
    expect(forced.stderr.split("\n")[0]).toMatch(/^src\/bad\.js:2:13: \x1b\[[\d;]+m.*error E_FOR_IN\x1b\[[\d;]+m.*: yielding loops/);
    expect(lastLine(forced.stderr)).toMatch(/\x1b\[[\d;]+m1 failed\x1b/);
    expect(yielding(cwd, ["compile", "src/bad.js"], { FORCE_COLOR: "1" }).stderr).toContain(`${ESC}`);
    expect(yielding(cwd, ["compile", "src/bad.js"], { FORCE_COLOR: "0" }).stderr).not.toContain(ESC);
  });

  it("has it on a terminal, unless NO_COLOR or FORCE_COLOR=0", () => {
    const cwd = tree(files);
    expect(onTerminal(cwd, ["compile", "src", "-o", "out"]).stdout).toMatch(/\x1b\[[\d;]+m.*error E_FOR_IN/);
    for (const env of [{ NO_COLOR: "1" }, { FORCE_COLOR: "0" }] as Record<string, string>[]) {
      const shown = onTerminal(cwd, ["compile", "src", "-o", "out"], env).stdout;
      expect(shown).toContain("error E_FOR_IN");
      expect(shown.replaceAll(`${ESC}K`, "")).not.toContain(ESC);
    }
  });
});

describe("yielding compile: the progress line", () => {
  it("is shown on a terminal, rewritten in place, and cleared before the summary", () => {
    const cwd = tree(mixedTree(40, false));
    const shown = onTerminal(cwd, ["compile", "src", "-o", "out"], { NO_COLOR: "1" });
    expect(shown.status).toBe(0);
    expect(shown.stdout).toMatch(/^\rcompiling 0\/40 files…\x1b\[K/);
    expect(shown.stdout).toMatch(/\r\x1b\[Kyielding compile: 30 compiled, 10 copied unchanged, 0 failed in \d+\.\d\d s\r\n$/);
  });

  it("never goes into a pipe", () => {
    const cwd = tree(mixedTree(40, false));
    const out = yielding(cwd, ["compile", "src", "-o", "out"]);
    expect(out.stderr).not.toContain("\r");
    expect(out.stderr).not.toContain("compiling");
    expect(out.stderr.trimEnd()).toMatch(SUMMARY);
  });
});

describe("yielding compile: inputs that cannot be read, outputs among the inputs", () => {
  it("reports a dangling link, a loop of links and a FIFO met in a folder, compiling the rest", () => {
    const cwd = tree({ "src/a.js": LOOP });
    symlinkSync("gone.js", join(cwd, "src/dangling.js"));
    symlinkSync("loop-b", join(cwd, "src/loop-a"));
    symlinkSync("loop-a", join(cwd, "src/loop-b"));
    expect(spawnSync("mkfifo", [join(cwd, "src/pipe.js")]).status).toBe(0);
    const out = yielding(cwd, ["compile", "src", "-o", "out"]);
    expect(out.status).toBe(1);
    expect(out.stderr.split("\n")).toEqual([
      "yielding compile: cannot read src/dangling.js: it is a symbolic link to gone.js, which does not exist",
      "yielding compile: cannot read src/loop-a: its symbolic links form a loop",
      "yielding compile: cannot read src/loop-b: its symbolic links form a loop",
      "yielding compile: cannot read src/pipe.js: it is a FIFO, not a regular file",
      expect.stringMatching(/^yielding compile: 1 compiled, 0 copied unchanged, 4 failed in /),
      "",
    ]);
    expect(read(cwd, "out/a.js")).toContain("yielding/runtime");
    const named = yielding(cwd, ["compile", "src/dangling.js"]);
    expect(named.status).toBe(1);
    expect(named.stderr).toBe("yielding compile: cannot read src/dangling.js: it is a symbolic link to gone.js, which does not exist\n");
  });

  it("reports a missing input in one line, exit 1", () => {
    const cwd = tree({});
    const out = yielding(cwd, ["compile", "nothing.js"]);
    expect(out.status).toBe(1);
    expect(out.stderr).toBe("yielding compile: cannot read nothing.js: no such file or directory\n");
  });

  it("refuses an output folder that is an input folder or contains one (exit 2), writing nothing", () => {
    const cwd = tree({ "src/a.ts": TYPED, "src/lib/b.js": LOOP });
    const itself = yielding(cwd, ["compile", "src", "-o", "src", "--out-ext", ".mjs"]);
    expect(itself.status).toBe(2);
    expect(itself.stderr.split("\n")[0]).toBe("yielding: refusing to write into src: it is the input folder src itself; choose an -o outside the inputs");
    const around = yielding(cwd, ["compile", "src/lib", "-o", "."]);
    expect(around.status).toBe(2);
    expect(around.stderr.split("\n")[0]).toBe("yielding: refusing to write into .: it contains the input folder src/lib; choose an -o outside the inputs");
    mkdirSync(join(cwd, "out"));
    expect(yielding(cwd, ["compile", "src", "-o", "out/.."]).status).toBe(2);
    expect(contents(cwd).size).toBe(2);
  });
});
