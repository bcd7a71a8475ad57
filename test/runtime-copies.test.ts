/**
 * Two copies of the runtime in one process (a bundler's SSR graph, vitest, a package installed
 * twice) work together as one: each recognises the other's objects by their registered
 * brands, and both run on one loop (one ready queue, one timer heap, one current task).
 *
 * Tested for real: the built runtime (dist/runtime/) is copied into two temp folders, and one
 * Node process imports both and mixes their objects, with compiled code too.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compile } from "../compiler/index.js";
import { CancelledError, Future, Task, TimeoutError, sleep, spawn } from "../runtime/index.js";
import { assertRuntimeBuilt, describeRun, runNode } from "./helpers/exec.js";
import { ROOT } from "./helpers/fixtures.js";

let tmp = "";
/** The index.js URL of a fresh copy of the built runtime in a folder of its own. */
function copyRuntime(name: string, patch?: (loopSource: string) => string): string {
  const dir = join(tmp, name);
  cpSync(join(ROOT, "dist/runtime"), join(dir, "runtime"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  if (patch) {
    const loop = join(dir, "runtime/loop.js");
    writeFileSync(loop, patch(readFileSync(loop, "utf8")));
  }
  return pathToFileURL(join(dir, "runtime/index.js")).href;
}

/** Writes `program` (compiled against `runtime`) next to the copies and runs it with node. */
async function runProgram(name: string, program: string, runtime: string) {
  const file = join(tmp, `${name}.mjs`);
  writeFileSync(file, compile(program, { filename: `${name}.js`, runtime }).code);
  return runNode(file);
}

let a = "";
let b = "";
beforeAll(() => {
  assertRuntimeBuilt();
  tmp = mkdtempSync(join(tmpdir(), "yielding-copies-"));
  a = copyRuntime("a");
  b = copyRuntime("b");
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("two copies of the runtime in one process", () => {
  test("share one loop and recognise each other's objects", async () => {
    const program = `
      import * as A from ${JSON.stringify(a)};
      import * as B from ${JSON.stringify(b)};

      function* main() {
        // A Future, Task and sleep of copy A, waited in a task of copy B (and the other way).
        const future = new A.Future();
        setTimeout(() => future.setResult("a Future of A"), 1);
        console.log(yield* future);
        console.log(yield* A.spawn(function* () { yield* A.sleep(1); return "a Task of A"; }()));
        console.log(yield A.sleep(1, "a sleep of A, yielded"));
        console.log(yield* A.wait(B.sleep(1, "a sleep of B, through A's wait()")));
        console.log("the same current task:", A.currentTask() === B.currentTask() && A.currentTask() !== undefined);
        console.log("instanceof across copies:", future instanceof B.Future, B.currentTask() instanceof A.Task, A.currentTask() instanceof A.Future);

        // A Lock, Queue and Event of copy A, used from tasks of copy B.
        const lock = new A.Lock();
        const order = [];
        function* critical(name) {
          yield* lock.acquire();
          try { order.push(name + " in"); yield* B.sleep(2); order.push(name + " out"); } finally { lock.release(); }
        }
        yield* B.gather(B.spawn(critical("first")), B.spawn(critical("second")));
        console.log("Lock of A:", order.join(", "));

        const queue = new A.Queue(1);
        B.spawn(function* () { for (const x of [1, 2, 3]) yield* queue.put(x); queue.close(); }());
        const got = [];
        for (;;) { try { got.push(yield* queue.get()); } catch (e) { if (e instanceof B.QueueClosedError) break; throw e; } }
        console.log("Queue of A:", got.join(" "));

        const event = new A.Event();
        B.spawn(function* () { yield* B.sleep(1); event.set(); }());
        yield* event.wait();
        console.log("Event of A set:", event.isSet());

        // A yielding loop compiled against copy A over a Queue of copy B.
        const items = new B.Queue();
        B.spawn(function* () { for (const x of ["x", "y"]) { yield* B.sleep(1); yield* items.put(x); } items.close(); }());
        const seen = [];
        for (const item of yielding items) seen.push(item);
        console.log("loop of A over a Queue of B:", seen.join(" "));

        // A with-statement compiled against copy A on a Lock of copy B.
        const lockB = new B.Lock();
        const steps = [];
        function* guarded(name) {
          with (yielding lockB) { steps.push(name + " in"); yield* A.sleep(2); steps.push(name + " out"); }
        }
        yield* A.gather(A.spawn(guarded("one")), B.spawn(guarded("two")));
        console.log("with of A on a Lock of B:", steps.join(", "), "| locked after:", lockB.locked());

        // Timers of both copies fire in deadline order, in one heap.
        const fired = [];
        const timers = [[A, 15], [B, 5], [A, 10], [B, 20]].map(([copy, ms]) =>
          copy.spawn(function* () { yield* copy.sleep(ms); fired.push((copy === A ? "A" : "B") + ms); }()));
        yield* B.gather(...timers);
        console.log("timers:", fired.join(" "));

        // Cancellation crosses copies: B's task waits for A's task; cancelling it cancels both.
        const log = [];
        const child = A.spawn(function* () {
          try { yield* A.sleep(60_000); } finally { log.push("A's child cleans up"); }
        }());
        const parent = B.spawn(function* () {
          try { yield* child; } catch (e) {
            log.push("B's parent got " + e.name + ", instanceof A's and B's: " + (e instanceof A.CancelledError) + " " + (e instanceof B.CancelledError));
            throw e;
          }
        }());
        yield* A.sleep(2);
        parent.cancel();
        try { yield* parent; } catch (e) { log.push("parent cancelled: " + parent.cancelled() + ", child cancelled: " + child.cancelled()); }
        console.log(log.join("\\n"));

        try { yield* A.waitFor(B.sleep(1000), 2); } catch (e) { console.log("waitFor of A on a sleep of B:", e instanceof B.TimeoutError); }

        try {
          with (yielding A.timeout(2)) { try { yield* B.sleep(1000); } catch (e) { console.log("timeout of A cancels B's sleep:", e instanceof B.CancelledError); throw e; } }
        } catch (e) {
          console.log("and its exit throws:", e instanceof B.TimeoutError);
        }
      }

      // runSync of copy B drives the one loop: a sleep of copy A is due on it.
      console.log(B.runSync(function* () { return yield* A.sleep(1, "runSync of B, sleep of A"); }()));
      A.run(main()).then(() => console.log("done"));
    `;
    const run = await runProgram("copies", program, a);
    expect(run.stderr, describeRun(run)).toBe("");
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stdout).toBe(
      [
        "runSync of B, sleep of A",
        "a Future of A",
        "a Task of A",
        "a sleep of A, yielded",
        "a sleep of B, through A's wait()",
        "the same current task: true",
        "instanceof across copies: true true true",
        "Lock of A: first in, first out, second in, second out",
        "Queue of A: 1 2 3",
        "Event of A set: true",
        "loop of A over a Queue of B: x y",
        "with of A on a Lock of B: one in, one out, two in, two out | locked after: false",
        "timers: B5 A10 A15 B20",
        "A's child cleans up",
        "B's parent got CancelledError, instanceof A's and B's: true true",
        "parent cancelled: true, child cancelled: true",
        "waitFor of A on a sleep of B: true",
        "timeout of A cancels B's sleep: true",
        "and its exit throws: true",
        "done",
        "",
      ].join("\n"),
    );
  });

  test("a combinator of one copy is cancelled by another copy's race, as one of its own would be", async () => {
    const program = `
      import * as A from ${JSON.stringify(a)};
      import * as B from ${JSON.stringify(b)};
      function* main() {
        for (const [name, copy] of [["own", B], ["other copy's", A]]) {
          const slow = copy.gather(copy.sleep(1000, "slow"));
          console.log(yield* B.race(slow, B.sleep(1, "fast")), "| the losing " + name + " gather cancelled:", slow.cancelled());
        }
      }
      A.run(main());
    `;
    const run = await runProgram("copies-combinators", program, a);
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stdout).toBe("fast | the losing own gather cancelled: true\nfast | the losing other copy's gather cancelled: true\n");
  });

  test("a copy whose loop cannot be shared fails to load, naming both versions", async () => {
    const other = copyRuntime("incompatible", (source) => {
      const patched = source.replace(/const LOOP_PROTOCOL = \d+;/, "const LOOP_PROTOCOL = 999;").replace(/const VERSION = "[^"]*";/, 'const VERSION = "9.9.9";');
      expect(patched).toContain("LOOP_PROTOCOL = 999;");
      expect(patched).toContain('VERSION = "9.9.9";');
      return patched;
    });
    const program = `
      await import(${JSON.stringify(a)});
      try {
        await import(${JSON.stringify(other)});
        console.log("loaded (wrong)");
      } catch (e) {
        console.log(e.message);
      }
    `;
    const run = await runProgram("incompatible", program, a);
    expect(run.exitCode, describeRun(run)).toBe(0);
    const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version as string;
    expect(run.stdout).toContain(`two copies of yielding/runtime with versions ${version} and 9.9.9`);
    expect(run.stdout).toContain("cannot share one loop");
  });
});

describe("brands within one copy", () => {
  test("instanceof a runtime class checks the brand; instanceof a subclass stays the ordinary check", async () => {
    class Mine extends Future<number> {}
    const mine = new Mine();
    expect(mine instanceof Future).toBe(true);
    expect(mine instanceof Mine).toBe(true);
    expect(new Future() instanceof Mine).toBe(false);
    expect(sleep(1) instanceof Task).toBe(false);
    const task = spawn((function* () {})());
    expect(task instanceof Task && task instanceof Future).toBe(true);
    expect(Promise.resolve() instanceof Future).toBe(false);
    expect((42 as unknown) instanceof Future).toBe(false);
    await task;

    class Interrupted extends CancelledError {}
    expect(new Interrupted() instanceof CancelledError).toBe(true);
    expect(new CancelledError() instanceof Interrupted).toBe(false);
    expect(new TimeoutError() instanceof CancelledError).toBe(false);
    expect(new Error("plain") instanceof CancelledError).toBe(false);
  });
});
