// Ctrl-C during run(): real child processes (`yielding run FILE`) get real SIGINTs.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RUNTIME_URL, assertRuntimeBuilt, describeRun, runNode } from "./helpers/exec.js";
import { ROOT } from "./helpers/fixtures.js";
import { spawnDetached, type Exit } from "./helpers/project.js";

const CLI = join(ROOT, "dist/cli/main.js");
const dir = mkdtempSync(join(tmpdir(), "yielding-interrupt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs `source` with `yielding run` and sends it a SIGINT each time its stdout has printed
 * one more of `cues` (a line each), then waits for it to exit. Detached, in a session of
 * its own away from any terminal vitest runs in, `yielding run` passes the SIGINTs sent to
 * it on to the program, as it does for a process manager's (a terminal's Ctrl-C reaches
 * the program directly; test/register.test.ts checks that).
 */
function interrupt(name: string, source: string, cues: string[]): Promise<Exit> {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, source);
  let sent = 0;
  return spawnDetached(process.execPath, [CLI, "run", file], dir, {
    timeoutMs: 20_000,
    onLine(line, child) {
      if (sent < cues.length && line === cues[sent]) {
        sent++;
        child.kill("SIGINT");
      }
    },
  });
}

const HEADER = 'import { run, sleep, yieldingEnter, yieldingExit } from "yielding/runtime";\n';

/** A transaction-like context manager whose exit waits before it reports. */
const TRANSACTION = `
const transaction = {
  [yieldingEnter]() { return "tx"; },
  *[yieldingExit](hasError, error) {
    yield* sleep(5);
    console.log(hasError ? "rollback: " + error.name : "commit");
  },
};
`;

describe("the first SIGINT during run() cancels the main task", () => {
  it("finally blocks and with exits run, then the process dies of SIGINT", async () => {
    const exit = await interrupt(
      "unwind",
      HEADER +
        TRANSACTION +
        `
function* main() {
  try {
    with (const tx = yielding transaction) {
      console.log("ready");
      yield* sleep(60_000);
    }
  } finally {
    console.log("finally ran");
  }
}
run(main());
`,
      ["ready"],
    );
    expect(exit.stdout).toBe("ready\nrollback: CancelledError\nfinally ran\n");
    expect(exit.stderr).toBe("");
    expect(exit.signal).toBe("SIGINT");
  });

  it("dies of SIGINT under a top-level await too, after the tasks run() spawned are cleaned up", async () => {
    const exit = await interrupt(
      "top-level-await",
      HEADER +
        'import { spawn } from "yielding/runtime";\n' +
        `
function* background() {
  try { yield* sleep(60_000); } finally { console.log("background cleaned up"); }
}
function* main() {
  spawn(background());
  console.log("ready");
  yield* sleep(60_000);
}
await run(main());
console.log("not reached");
`,
      ["ready"],
    );
    expect(exit.stdout).toBe("ready\nbackground cleaned up\n");
    expect(exit.signal).toBe("SIGINT");
  });

  it("run() rejects with the CancelledError (reason \"SIGINT\"): handled, the program goes on and exits normally", async () => {
    const exit = await interrupt(
      "handled",
      HEADER +
        `
function* main() {
  console.log("ready");
  yield* sleep(60_000);
}
try {
  await run(main());
} catch (error) {
  console.log("run() rejected:", error.name, error.reason);
}
console.log("listeners after:", process.listenerCount("SIGINT"));
`,
      ["ready"],
    );
    expect(exit.stdout).toBe("ready\nrun() rejected: CancelledError SIGINT\nlisteners after: 0\n");
    expect(exit.code).toBe(0);
  });

  it("a main task that catches the cancellation and returns makes run() fulfil", async () => {
    const exit = await interrupt(
      "caught",
      HEADER +
        `
function* main() {
  try {
    console.log("ready");
    yield* sleep(60_000);
  } catch (error) {
    return "stopped by " + error.reason;
  }
}
run(main()).then((result) => console.log(result));
`,
      ["ready"],
    );
    expect(exit.stdout).toBe("ready\nstopped by SIGINT\n");
    expect(exit.code).toBe(0);
  });

  it("a second SIGINT during a slow cleanup ends the process at once", async () => {
    const started = performance.now();
    const exit = await interrupt(
      "second",
      HEADER +
        `
function* main() {
  try {
    console.log("ready");
    yield* sleep(60_000);
  } finally {
    console.log("cleaning up slowly");
    yield* sleep(60_000);
    console.log("cleanup finished");
  }
}
run(main());
`,
      ["ready", "cleaning up slowly"],
    );
    expect(exit.stdout).toBe("ready\ncleaning up slowly\n");
    expect(exit.signal).toBe("SIGINT");
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});

describe("the SIGINT listener", () => {
  it("is installed only while a run() is active, once for nested and parallel runs", async () => {
    const exit = await interrupt(
      "listeners",
      HEADER +
        'import { wait } from "yielding/runtime";\n' +
        `
const count = () => process.listenerCount("SIGINT");
console.log("before:", count());
function* inner() {
  console.log("nested:", count());
  yield* sleep(1);
}
function* main() {
  console.log("in run():", count());
  yield* sleep(1);
  yield* wait(run(inner()));
}
const parallel = run((function* () { yield* sleep(5); })());
await Promise.all([run(main()), parallel]);
console.log("after:", count());
`,
      [],
    );
    expect(exit.stderr).toBe("");
    expect(exit.stdout).toBe("before: 0\nin run(): 1\nnested: 1\nafter: 0\n");
    expect(exit.code).toBe(0);
  });

  it("is not installed when the program has a SIGINT listener of its own", async () => {
    const exit = await interrupt(
      "own-listener",
      HEADER +
        `
process.on("SIGINT", () => {
  console.log("the program's own listener");
  process.exit(3);
});
function* main() {
  try {
    console.log("listeners:", process.listenerCount("SIGINT"));
    console.log("ready");
    yield* sleep(60_000);
  } finally {
    console.log("not reached");
  }
}
run(main());
`,
      ["ready"],
    );
    expect(exit.stdout).toBe("listeners: 1\nready\nthe program's own listener\n");
    expect(exit.code).toBe(3);
  });
});

describe("outside Node", () => {
  it("without a process object (as in a browser) the runtime loads and run() works", async () => {
    assertRuntimeBuilt();
    const file = join(dir, "no-process.mjs");
    writeFileSync(
      file,
      [
        "const log = console.log.bind(console);",
        "delete globalThis.process;",
        `const { run, sleep } = await import(${JSON.stringify(RUNTIME_URL)});`,
        "function* main() { yield* sleep(1); return typeof globalThis.process; }",
        "log(await run(main()));",
        "",
      ].join("\n"),
    );
    const exit = await runNode(file);
    expect(exit.exitCode, describeRun(exit)).toBe(0);
    expect(exit.stdout).toBe("undefined\n");
  });
});
