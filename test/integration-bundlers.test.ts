/**
 * The bundler plugins (yielding/vite, /rollup, /rolldown, /esbuild, /webpack, /rspack),
 * each driven for real on a small project in a temporary folder: the built program runs
 * and prints what its sources say, an error thrown on a known line of the original source
 * is reported at that line under `node --enable-source-maps`, and a compile error comes
 * back through the bundler's own error channel with file, line, column and code frame.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { ROOT } from "./helpers/fixtures.js";
import { runNodeIn, writeProject } from "./helpers/project.js";

const LIB_JS = `export async function* numbers(n) {
  for (let i = 1; i <= n; i++) yield i;
}

export function* sum(xs) {
  let total = 0;
  for (const x of yielding xs) total += x;
  return total;
}
`;

const LIB_TS = `export async function* numbers(n: number): AsyncGenerator<number> {
  for (let i = 1; i <= n; i++) yield i;
}

export function* sum(xs: AsyncIterable<number>): Generator<unknown, number, unknown> {
  let total: number = 0;
  for (const x of yielding xs) total += x;
  return total;
}
`;

/** The entry: every construct, then an error thrown on line 16, column 9. */
const main = (lib: string, types: boolean) => `import { contextManager, run } from "yielding/runtime";
import { numbers, sum } from "./${lib}";
import { greeting } from "./plain.js";

const step = contextManager(function* (provide${types ? ": (value: number) => Generator<unknown, void, unknown>" : ""}) {
  console.log("enter");
  yield* provide(7);
  console.log("exit");
});

function* main()${types ? ": Generator<unknown, void, unknown>" : ""} {
  console.log(greeting);
  console.log("squares", [for (x of yielding numbers(4)) x * x].join(" "));
  console.log("sum", yield* sum(numbers(10)));
  with (const n = yielding step) console.log("inside", n);
  throw new Error("thrown on line 16");
}

run(main()).catch((e${types ? ": Error" : ""}) => {
  console.error(e.stack);
  process.exitCode = 1;
});
`;

const BROKEN = `function f(xs) {
  for (const x of yielding xs) console.log(x);
}
export { f };
`;
const FIXED = BROKEN.replace("function f", "function* f");

const EXPECTED_STDOUT = "hello\nsquares 1 4 9 16\nsum 55\nenter\ninside 7\nexit\n";
/** Where the entry throws, as a stack trace names it once the maps are applied. */
const THROW_SITE = /at main \(.*src[\\/]main\.[jt]s:16:9\)/;
/** What every bundler's report of the broken file must contain, in its own format. */
const BROKEN_REPORT = ["E_CONTEXT", "`yielding` can only be used inside a generator function", "> 2 |   for (const x of yielding xs)"];

const project = writeProject("bundlers", {
  "src/lib.js": LIB_JS,
  "src/lib.ts": LIB_TS,
  "src/main.js": main("lib.js", false),
  "src/main.ts": main("lib.ts", true),
  "src/plain.js": `export const greeting = "hello";\n`,
  "src/broken.js": BROKEN,
  // One file per watch-mode test: each rewrites its own.
  "watched/vite.js": BROKEN,
  "watched/rollup.js": BROKEN,
  "watched/webpack.js": BROKEN,
  "watched/rspack.js": BROKEN,
});
const { root } = project;
afterAll(() => project.remove());

/** Runs a built program with source maps on and checks what it printed and where it threw. */
async function expectRunsAsWritten(file: string): Promise<void> {
  const result = await runNodeIn(root, ["--enable-source-maps", file]);
  expect(result.stdout).toBe(EXPECTED_STDOUT);
  expect(result.exitCode).toBe(1);
  expect(result.stderr).toContain("Error: thrown on line 16");
  expect(result.stderr).toMatch(THROW_SITE);
}

/** Checks that `text` (a bundler's report) tells the code, the message and the code frame. */
function expectBrokenReport(text: string): void {
  for (const part of BROKEN_REPORT) expect(text).toContain(part);
}

/** Resolves when `check` returns true, polling; fails after `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("Vite", async () => {
  const { build, createServer } = await import("vite");
  const { default: yielding } = await import("yielding/vite");

  test("a build of TypeScript runs, with source maps to the original lines", async () => {
    await build({
      root,
      configFile: false,
      logLevel: "silent",
      plugins: [yielding()],
      build: { ssr: "src/main.ts", outDir: "out/vite", sourcemap: true, emptyOutDir: true },
    });
    await expectRunsAsWritten("out/vite/main.js");
  });

  test("a build reports a compile error with file, position and code frame", async () => {
    const error = await build({
      root,
      configFile: false,
      logLevel: "silent",
      plugins: [yielding()],
      build: { ssr: "src/broken.js", outDir: "out/vite-broken" },
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expectBrokenReport(error!.message);
    expect(error!.message).toContain(`${resolve(root, "src/broken.js")}:2:18`);
  });

  test("the dev server compiles modules, shows a compile error in the error overlay, and recovers once the file is fixed", async () => {
    const server = await createServer({
      root,
      configFile: false,
      logLevel: "silent",
      plugins: [yielding()],
      server: { host: "127.0.0.1", port: 0, ws: false },
    });
    try {
      await server.listen();
      const address = server.httpServer!.address() as { port: number };
      const url = (path: string) => `http://127.0.0.1:${address.port}${path}`;

      const lib = await server.transformRequest("/src/lib.ts");
      expect(lib!.code).toContain("iterate(xs");
      expect(lib!.code).not.toContain("yielding xs");
      expect(lib!.code).not.toContain(": number");

      const { numbers, sum } = (await server.ssrLoadModule("/src/lib.ts")) as {
        numbers(n: number): AsyncIterable<number>;
        sum(xs: AsyncIterable<number>): Generator<unknown, number, unknown>;
      };
      const { run } = await import("yielding/runtime");
      expect(await run(sum(numbers(10)))).toBe(55);

      // A failing module request answers with the page that opens Vite's error overlay,
      // with the error the overlay shows embedded in it.
      const failed = await fetch(url("/watched/vite.js"));
      expect(failed.status).toBe(500);
      const page = await failed.text();
      const overlay = JSON.parse(/const error = (\{.*\})\n/.exec(page)![1]!) as Record<string, unknown>;
      expect(overlay.plugin).toBe("yielding");
      expect(overlay.pluginCode).toBe("E_CONTEXT");
      expect(overlay.loc).toEqual({ file: join(root, "watched/vite.js"), line: 2, column: 18 });
      expectBrokenReport(`${overlay.message as string}\n${overlay.frame as string}`);

      writeFileSync(join(root, "watched/vite.js"), FIXED);
      await eventually(async () => (await fetch(url("/watched/vite.js"))).status === 200);
      expect(await (await fetch(url("/watched/vite.js"))).text()).toContain("iterate(xs");
    } finally {
      writeFileSync(join(root, "watched/vite.js"), BROKEN);
      await server.close();
    }
  });

  test("files without the syntax are built exactly as without the plugin", async () => {
    const options = (outDir: string, plugins: unknown[]) => ({
      root,
      configFile: false as const,
      logLevel: "silent" as const,
      plugins: plugins as never,
      build: { ssr: "src/plain.js", outDir, sourcemap: true, emptyOutDir: true },
    });
    await build(options("out/vite-plain-with", [yielding()]));
    await build(options("out/vite-plain-without", []));
    for (const file of ["plain.js", "plain.js.map"]) {
      expect(readFileSync(join(root, "out/vite-plain-with", file), "utf8")).toBe(
        readFileSync(join(root, "out/vite-plain-without", file), "utf8"),
      );
    }
  });
});

describe("Rollup", async () => {
  const { rollup, watch } = await import("rollup");
  const { default: yielding } = await import("yielding/rollup");

  test("a build runs, with source maps to the original lines", async () => {
    // Without a resolver plugin Rollup keeps bare imports as they are; Node finds the runtime.
    const bundle = await rollup({ input: join(root, "src/main.js"), plugins: [yielding()], external: [/^yielding\//] });
    await bundle.write({ file: join(root, "out/rollup/main.mjs"), format: "es", sourcemap: true });
    await bundle.close();
    await expectRunsAsWritten("out/rollup/main.mjs");
  });

  test("a compile error is a Rollup error with loc and frame", async () => {
    const error = (await rollup({ input: join(root, "src/broken.js"), plugins: [yielding()] }).catch((e: unknown) => e)) as {
      plugin: string;
      loc: unknown;
      frame: string;
      message: string;
    };
    expect(error.plugin).toBe("yielding");
    expect(error.loc).toEqual({ file: join(root, "src/broken.js"), line: 2, column: 18 });
    expectBrokenReport(`${error.message}\n${error.frame}`);
  });

  test("watch mode survives a compile error and rebuilds once the file is fixed", async () => {
    const input = join(root, "watched/rollup.js");
    const watcher = watch({
      input,
      plugins: [yielding()],
      external: [/^yielding\//],
      output: { file: join(root, "out/rollup-watch/broken.mjs"), format: "es" },
      watch: { buildDelay: 50 },
    });
    const events: string[] = [];
    try {
      await new Promise<void>((resolvePromise) => {
        watcher.on("event", (event) => {
          if (event.code === "ERROR") {
            events.push(`error: ${(event.error as { pluginCode?: string }).pluginCode}`);
            // A change made while the watcher is still reporting can go unseen: wait a little.
            setTimeout(() => writeFileSync(input, FIXED), 200);
          } else if (event.code === "BUNDLE_END") {
            events.push("built");
            void event.result.close();
            resolvePromise();
          }
        });
      });
    } finally {
      await watcher.close();
      writeFileSync(input, BROKEN);
    }
    expect(events).toEqual(["error: E_CONTEXT", "built"]);
    expect(readFileSync(join(root, "out/rollup-watch/broken.mjs"), "utf8")).toContain("function* f");
  });

  test("files without the syntax are bundled exactly as without the plugin", async () => {
    const bundleOf = async (plugins: never[]) => {
      const bundle = await rollup({ input: join(root, "src/plain.js"), plugins });
      const { output } = await bundle.generate({ format: "es", sourcemap: true });
      await bundle.close();
      return [output[0].code, JSON.stringify(output[0].map)];
    };
    expect(await bundleOf([yielding() as never])).toEqual(await bundleOf([]));
  });
});

describe("Rolldown", async () => {
  const { rolldown } = await import("rolldown");
  const { default: yielding } = await import("yielding/rolldown");

  test("a build of TypeScript runs, with source maps to the original lines", async () => {
    const bundle = await rolldown({ input: join(root, "src/main.ts"), plugins: [yielding()], platform: "node", logLevel: "silent" });
    await bundle.write({ file: join(root, "out/rolldown/main.mjs"), format: "es", sourcemap: true });
    await bundle.close();
    await expectRunsAsWritten("out/rolldown/main.mjs");
  });

  test("a compile error is reported with loc and frame", async () => {
    const error = (await rolldown({ input: join(root, "src/broken.js"), plugins: [yielding()], logLevel: "silent" })
      .then((bundle) => bundle.generate())
      .catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expectBrokenReport(error.message);
    expect(error.message).toContain(`${join(root, "src/broken.js")}:2:18`);
  });
});

describe("esbuild", async () => {
  const esbuild = await import("esbuild");
  const { default: yielding } = await import("yielding/esbuild");

  test("a bundle of TypeScript runs, with source maps to the original lines", async () => {
    await esbuild.build({
      absWorkingDir: root,
      entryPoints: ["src/main.ts"],
      bundle: true,
      platform: "node",
      format: "esm",
      outfile: "out/esbuild/main.mjs",
      sourcemap: true,
      plugins: [yielding()],
      logLevel: "silent",
    });
    await expectRunsAsWritten("out/esbuild/main.mjs");
  });

  test("a compile error is an esbuild error with the whole report", async () => {
    const failure = (await esbuild
      .build({
        absWorkingDir: root,
        entryPoints: ["src/broken.js"],
        bundle: true,
        write: false,
        plugins: [yielding()],
        logLevel: "silent",
      })
      .catch((e: unknown) => e)) as { errors: { text: string; pluginName: string }[] };
    expect(failure.errors).toHaveLength(1);
    const [error] = failure.errors;
    expect(error!.pluginName).toBe("yielding");
    expect(error!.text).toContain(`${relative(process.cwd(), join(root, "src/broken.js"))}:2:19: error E_CONTEXT`);
    expectBrokenReport(error!.text);
  });
});

/** webpack and Rspack share webpack's API, configuration and loaders. */
interface WebpackLike {
  (options: object): {
    run(callback: (error: Error | null, stats?: WebpackStats) => void): void;
    watch(options: object, callback: (error: Error | null, stats?: WebpackStats) => void): { close(callback: () => void): void };
    close(callback: () => void): void;
  };
}
interface WebpackStats {
  hasErrors(): boolean;
  toString(options: object): string;
}

function runCompiler(bundler: WebpackLike, options: object): Promise<WebpackStats> {
  const compiler = bundler(options);
  return new Promise((resolvePromise, reject) => {
    compiler.run((error, stats) => {
      compiler.close(() => (error ? reject(error) : resolvePromise(stats!)));
    });
  });
}

describe.each([
  ["webpack", "main.js"],
  ["rspack", "main.ts"],
])("%s", async (tool, entry) => {
  const bundler: WebpackLike =
    tool === "webpack" ? ((await import("webpack")).default as never) : ((await import("@rspack/core")).rspack as never);
  const { default: yielding } = (await import(`yielding/${tool}`)) as { default: () => unknown };
  const config = (entryFile: string, outDir: string) => ({
    mode: "development",
    devtool: "source-map",
    target: "node",
    context: root,
    entry: `./${entryFile}`,
    output: { path: join(root, outDir), filename: "main.cjs" },
    infrastructureLogging: { level: "error" },
    plugins: [yielding()],
    // Rspack strips TypeScript with its built-in SWC loader, which runs after the plugin's.
    module: { rules: [{ test: /\.ts$/, loader: "builtin:swc-loader", options: { jsc: { target: "es2022", parser: { syntax: "typescript" } } } }] },
  });

  test(`a build of ${entry} runs, with source maps to the original lines`, async () => {
    const stats = await runCompiler(bundler, config(`src/${entry}`, `out/${tool}`));
    expect(stats.toString({ all: false, errors: true })).not.toMatch(/ERROR/);
    await expectRunsAsWritten(`out/${tool}/main.cjs`);
  });

  test("a compile error fails the module with the whole report", async () => {
    const stats = await runCompiler(bundler, config("src/broken.js", `out/${tool}-broken`));
    expect(stats.hasErrors()).toBe(true);
    const text = stats.toString({ all: false, errors: true, colors: false });
    expectBrokenReport(text);
    expect(text).toContain(`${relative(process.cwd(), join(root, "src/broken.js"))}:2:19: error E_CONTEXT`);
  });

  test("watch mode survives a compile error and rebuilds once the file is fixed", async () => {
    const input = join(root, `watched/${tool}.js`);
    const compiler = bundler(config(`watched/${tool}.js`, `out/${tool}-watch`));
    const results: boolean[] = [];
    try {
      await new Promise<void>((resolvePromise, reject) => {
        const watching = compiler.watch({ aggregateTimeout: 50 }, (error, stats) => {
          if (error) return reject(error);
          results.push(stats!.hasErrors());
          if (results.length === 1) setTimeout(() => writeFileSync(input, FIXED), 200);
          else watching.close(() => resolvePromise());
        });
      });
    } finally {
      writeFileSync(input, BROKEN);
    }
    expect(results).toEqual([true, false]);
    expect(readFileSync(join(root, `out/${tool}-watch/main.cjs`), "utf8")).toContain("function* f");
  });
});

describe("plugin options and module formats", async () => {
  const { rollup } = await import("rollup");
  const { default: yielding } = await import("yielding/rollup");
  type Options = Parameters<typeof yielding>[0];

  /** Bundles src/main.js with the given plugin options; the error Rollup threw, or the output. */
  async function bundleMain(options: Options, after: import("rollup").Plugin[] = []): Promise<{ code: string } | { error: Error }> {
    try {
      const bundle = await rollup({ input: join(root, "src/main.js"), plugins: [yielding(options), ...after], external: [/^yielding\//, /^my-runtime$/] });
      const { output } = await bundle.generate({ format: "es", sourcemap: true });
      await bundle.close();
      return { code: output[0].code };
    } catch (error) {
      return { error: error as Error };
    }
  }

  test("exclude and include choose the files: a file left out keeps its syntax, which Rollup cannot parse", async () => {
    // Globs are relative to the working folder, as in every Rollup plugin; "**/" matches anywhere.
    for (const options of [{ exclude: ["**/src/lib.js"] }, { exclude: /lib\.js$/ }, { include: [/main\.js$/] }, { include: "**/src/main.js" }]) {
      const result = await bundleMain(options);
      expect("error" in result ? result.error.message : "bundled", JSON.stringify(options)).toMatch(/lib\.js/);
    }
    expect(await bundleMain({ include: ["**/src/*.js"] })).toHaveProperty("code");
  });

  test("runtime names the module compiled code imports", async () => {
    const result = await bundleMain({ runtime: "my-runtime" });
    expect("code" in result ? result.code : "").toContain("from 'my-runtime'");
  });

  test("sourceMaps: false hands Rollup no map, so the chain stops at the compiled code", async () => {
    const mapsSeen: Record<string, unknown>[] = [];
    const probe = (label: string): import("rollup").Plugin => ({
      name: "probe",
      transform(_code, id) {
        if (id.endsWith("lib.js")) mapsSeen.push({ label, mappings: this.getCombinedSourcemap().mappings });
        return null;
      },
    });
    await bundleMain({}, [probe("with maps")]);
    await bundleMain({ sourceMaps: false }, [probe("without maps")]);
    const [withMaps, withoutMaps] = mapsSeen;
    expect(withMaps!.mappings).not.toBe("");
    expect(withoutMaps!.mappings).not.toBe(withMaps!.mappings);
  });

  test("CommonJS modules get a require of the runtime: .cjs files, and .js files that use require in a package without a type", async () => {
    const legacy = writeProject("bundlers-cjs", {
      "package.json": `{ "name": "legacy-app", "private": true }\n`,
      "src/app.js": `const { twice } = require("./helper.cjs");\nfunction* main() {\n  for (const x of yielding [1, 2]) console.log("app", x, (yield* twice(x)).join("+"));\n}\nmodule.exports = { main };\n`,
      "src/helper.cjs": `function* twice(x) { return [for (y of yielding [x, x]) y]; }\nmodule.exports = { twice };\n`,
      "src/entry.cjs": `const { run } = require("yielding/runtime");\nconst { main } = require("./app.js");\nrun(main());\n`,
    });
    try {
      mkdirSync(join(legacy.root, "node_modules"));
      symlinkSync(ROOT, join(legacy.root, "node_modules/yielding"), "dir");
      const webpack = (await import("webpack")).default as unknown as WebpackLike;
      const { default: plugin } = await import("yielding/webpack");
      const stats = await runCompiler(webpack, {
        mode: "development",
        devtool: false,
        target: "node",
        context: legacy.root,
        entry: "./src/entry.cjs",
        output: { path: join(legacy.root, "out"), filename: "main.cjs" },
        plugins: [plugin()],
      });
      expect(stats.toString({ all: false, errors: true })).not.toMatch(/ERROR/);
      const result = await runNodeIn(legacy.root, ["out/main.cjs"]);
      expect(result.stderr).toBe("");
      expect(result.stdout).toBe("app 1 1+1\napp 2 2+2\n");
    } finally {
      legacy.remove();
    }
  });
});
