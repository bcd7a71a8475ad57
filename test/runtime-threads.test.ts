/**
 * `yielding/threads`: toThread and blockOn. Worker threads cannot load TypeScript, so these
 * tests use the BUILT runtime in dist/ (`npm test` builds first) — types come from the
 * sources — and the functions the workers run are plain .mjs files in test/fixtures-threads/.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { threadId } from "node:worker_threads";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type * as Runtime from "../runtime/index.js";
import type * as Threads from "../runtime/threads.js";
import { rejection } from "./helpers/runtime.js";
import { startWatchdog, type Watchdog } from "./helpers/watchdog.js";

const DIST = new URL("../dist/runtime/", import.meta.url);
const runtime = (await import(new URL("index.js", DIST).href)) as typeof Runtime;
const threads = (await import(new URL("threads.js", DIST).href)) as typeof Threads;
const { CancelledError, TimeoutError, run, sleep, spawn } = runtime;
const { WorkerCrashedError, blockOn, closeThreads, configureThreads, toThread } = threads;

const WORK = new URL("./fixtures-threads/work.mjs", import.meta.url);
const TOP_LEVEL_THROW = new URL("./fixtures-threads/top-level-throw.mjs", import.meta.url);

/** Runs `fn` as a coroutine's body on the yielding loop: `inRun(function* () { … })`. */
function inRun<T>(fn: () => Generator<unknown, T, unknown>): Promise<T> {
  return run(fn());
}

/** The error `fn` throws (fails the test if it returns). */
function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an exception");
}

afterEach(() => configureThreads({}));
afterAll(() => closeThreads());

describe("toThread: results and arguments", () => {
  test("runs the export in another thread and returns its result through a Future", async () => {
    const result = await inRun(function* () {
      const future = toThread<{ args: unknown[]; threadId: number }>(WORK, "echo", 1, "two");
      expect(future).toBeInstanceOf(runtime.Future);
      return yield* future;
    });
    expect(result.args).toEqual([1, "two"]);
    expect(result.threadId).not.toBe(threadId);
  });

  test("arguments and results are structured-cloned", async () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    const args = [
      new Map([["k", new Set([1, 2])]]),
      new Date(0),
      10n ** 20n,
      new Uint8Array([1, 2, 3]),
      { nested: [{ deep: null }], undef: undefined },
      new Point(1, 2),
    ];
    const { args: back } = await inRun(function* () {
      return yield* toThread<{ args: unknown[] }>(WORK, "echo", ...args);
    });
    expect(back).toEqual([args[0], args[1], args[2], args[3], args[4], { x: 1, y: 2 }]);
    expect(back[0]).not.toBe(args[0]);
    // A clone keeps the data, not the prototype.
    expect(back[5]).not.toBeInstanceOf(Point);
  });

  test("arguments that cannot be cloned reject with a TypeError saying so", async () => {
    const error = await rejection<any>(toThread(WORK, "echo", () => 1));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^toThread\(\): the arguments of echo\(\) from file:.*work\.mjs cannot be sent to a worker thread/);
  });

  test("a result that cannot be cloned rejects with a TypeError saying so", async () => {
    const error = await rejection<any>(toThread(WORK, "unclonable"));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/the result of unclonable\(\) from .* cannot be sent back to the calling thread/);
  });

  test("a Promise returned by the export is awaited in the worker", async () => {
    expect(await toThread(WORK, "later", "value", 5)).toBe("value");
  });

  test("a coroutine returned by the export runs there with run()", async () => {
    const dir = mkdtempSync(join(tmpdir(), "yielding-threads-"));
    try {
      const file = join(dir, "data.txt");
      writeFileSync(file, "from disk");
      expect(await toThread(WORK, "readAfter", file, 5)).toEqual({ text: "from disk", child: "child" });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("node: built-ins and absolute paths work as module URLs", async () => {
    const gz = await toThread<Uint8Array>("node:zlib", "gzipSync", "hello");
    expect(gz).toBeInstanceOf(Uint8Array);
    expect(gz[0]).toBe(0x1f);
    const { args } = await toThread<{ args: unknown[] }>(fileURLToPath(WORK), "echo", "path");
    expect(args).toEqual(["path"]);
  });

  test("relative and bare specifiers are a TypeError that shows the fix", () => {
    expect(() => toThread("./work.mjs", "echo")).toThrow(/Pass new URL\("\.\/work\.mjs", import\.meta\.url\)/);
    expect(() => toThread("some-package", "echo")).toThrow(/Pass import\.meta\.resolve\("some-package"\)/);
    expect(() => toThread(WORK, 42 as never)).toThrow(TypeError);
  });
});

describe("toThread: errors", () => {
  test("an error thrown in the worker keeps its name, message, stack and own properties", async () => {
    const error = await rejection<any>(toThread(WORK, "fail", "bad input"));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ParseError");
    expect(error.message).toBe("bad input");
    expect(error.line).toBe(7);
    // The stack is the worker's, pointing into the function that threw.
    expect(error.stack).toContain("ParseError: bad input");
    expect(error.stack).toMatch(/at fail \(.*work\.mjs:\d+:\d+\)/);
  });

  test("built-in error classes come back as themselves, with their cause", async () => {
    const error = await rejection<any>(toThread(WORK, "failWithCause", "outer"));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe("outer");
    expect(error.cause).toBeInstanceOf(RangeError);
    expect(error.cause.message).toBe("inner");
  });

  test("the runtime's error classes come back as themselves", async () => {
    const error = await rejection<any>(toThread(WORK, "timesOut", 1));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toBe("gave up after 1 ms");
  });

  test("a thrown value that is not an Error is passed through", async () => {
    expect(await rejection(toThread(WORK, "throwValue", { code: 42 }))).toEqual({ code: 42 });
  });

  test("a missing export is a TypeError listing what the module exports", async () => {
    const error = await rejection<any>(toThread(WORK, "nope"));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/has no exported function named "nope" \(its exported functions: .*echo/);
  });

  test("a module whose top level throws rejects with that error", async () => {
    const error = await rejection<any>(toThread(TOP_LEVEL_THROW, "never"));
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("module top level failed");
  });
});

describe("toThread: crashes", () => {
  test("process.exit() in the worker rejects with WorkerCrashedError and its exit code", async () => {
    const error = await rejection<any>(toThread(WORK, "exit", 3));
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.exitCode).toBe(3);
    expect(error.message).toMatch(/^toThread\(\): the worker thread running exit\(\) from .* exited with code 3/);
  });

  test("an uncaught error in the worker rejects with WorkerCrashedError caused by it", async () => {
    const error = await rejection<any>(toThread(WORK, "crashLater", "boom"));
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.message).toMatch(/crashed: Error: boom$/);
    expect(error.cause.message).toBe("boom");
  });

  test("the pool survives crashes: its one thread is replaced and later calls work", async () => {
    configureThreads({ maxThreads: 1, minThreads: 1 });
    const before = await toThread<{ threadId: number }>(WORK, "echo");
    await rejection(toThread(WORK, "exit", 1));
    await rejection(toThread(WORK, "crashLater", "boom"));
    await rejection(toThread(TOP_LEVEL_THROW, "never"));
    const after = await Promise.all([1, 2, 3].map((n) => toThread<{ args: unknown[]; threadId: number }>(WORK, "echo", n)));
    expect(after.map((r) => r.args[0])).toEqual([1, 2, 3]);
    expect(after[0]!.threadId).not.toBe(before.threadId);
  });
});

describe("toThread: parallelism and cancellation", () => {
  test("two 200 ms CPU-bound jobs run in parallel", async () => {
    const cores = availableParallelism();
    // The assertion depends on the machine: with two cores or more the jobs must overlap;
    // with one, the default pool has one thread and runs them one after the other.
    if (cores >= 2) configureThreads({ maxThreads: 2, minThreads: 2 });
    await Promise.all([toThread(WORK, "echo"), toThread(WORK, "echo")]);
    const start = performance.now();
    const [a, b] = await Promise.all([
      toThread<{ threadId: number; start: number; end: number }>(WORK, "spinSpan", 200),
      toThread<{ threadId: number; start: number; end: number }>(WORK, "spinSpan", 200),
    ]);
    const elapsed = performance.now() - start;
    if (cores >= 2) {
      expect(a!.threadId).not.toBe(b!.threadId);
      expect(Math.max(a!.start, b!.start)).toBeLessThan(Math.min(a!.end, b!.end));
      expect(elapsed).toBeLessThan(350);
    } else {
      expect(elapsed).toBeGreaterThanOrEqual(399);
    }
  });

  test("cancelling the task waiting on a toThread future aborts the work", async () => {
    configureThreads({ maxThreads: 1, minThreads: 1 });
    await toThread(WORK, "echo");
    const result = await inRun(function* () {
      const waiter = spawn(
        (function* () {
          return yield* toThread(WORK, "spin", 3000);
        })(),
      );
      yield* sleep(100);
      waiter.cancel();
      let error: unknown;
      try {
        yield* waiter;
      } catch (e) {
        error = e;
      }
      // The pool's one thread was running the spin: only an aborted task frees it early.
      const start = performance.now();
      const echo = yield* toThread<{ args: unknown[] }>(WORK, "echo", "after");
      return { error, echo, elapsed: performance.now() - start };
    });
    expect(result.error).toBeInstanceOf(CancelledError);
    expect(result.echo.args).toEqual(["after"]);
    expect(result.elapsed).toBeLessThan(2000);
  });

  test("cancelling the future itself aborts a queued task before it runs", async () => {
    configureThreads({ maxThreads: 1, minThreads: 1 });
    const busy = toThread(WORK, "spin", 100);
    const queued = toThread(WORK, "exit", 9);
    expect(queued.cancel()).toBe(true);
    expect(queued.cancelled()).toBe(true);
    await busy;
    // Had the queued task run, it would have killed the thread: the next call still works.
    expect(((await toThread(WORK, "echo", "alive")) as { args: unknown[] }).args).toEqual(["alive"]);
  });

  test("configureThreads rejects nonsense", () => {
    expect(() => configureThreads({ maxThreads: 0 })).toThrow(RangeError);
    expect(() => configureThreads({ idleTimeout: -1 })).toThrow(RangeError);
  });

  test("closeThreads lets running tasks finish; a later call starts a new pool", async () => {
    const running = toThread(WORK, "later", "finished", 50);
    await closeThreads();
    expect(await running).toBe("finished");
    expect(((await toThread(WORK, "echo", "again")) as { args: unknown[] }).args).toEqual(["again"]);
  });
});

describe("blockOn", () => {
  let watchdog: Watchdog;
  let dir: string;
  beforeAll(() => {
    // A hang inside blockOn cannot be interrupted by a test timeout: the watchdog kills the
    // test process instead, so a regression fails the run rather than stalling it.
    watchdog = startWatchdog(20_000);
    dir = mkdtempSync(join(tmpdir(), "yielding-block-on-"));
  });
  afterAll(async () => {
    await watchdog.stop();
    rmSync(dir, { recursive: true });
  });
  const guarded = <T>(label: string, fn: () => T): T => watchdog.guard(label, label, fn);

  test("runs a coroutine doing real I/O in a worker and blocks until it ends", () => {
    const file = join(dir, "data.txt");
    writeFileSync(file, "real bytes");
    let hostTurn = false;
    setTimeout(() => (hostTurn = true), 0);
    const start = performance.now();
    const result = guarded("readAfter", () => blockOn<{ text: string; child: string }>(WORK, "readAfter", file, 30));
    expect(result).toEqual({ text: "real bytes", child: "child" });
    expect(performance.now() - start).toBeGreaterThanOrEqual(29);
    // The caller was blocked: its own event loop did not get a turn.
    expect(hostTurn).toBe(false);
  });

  test("a Promise-returning export works too", () => {
    const file = join(dir, "plain.txt");
    writeFileSync(file, "plain");
    expect(guarded("readFile", () => blockOn("node:fs/promises", "readFile", file, "utf8"))).toBe("plain");
  });

  test("the coroutine's error is thrown, of the same class", () => {
    const error = thrown(() => guarded("timesOut", () => blockOn(WORK, "timesOut", 5)));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toBe("gave up after 5 ms");
    expect(error.stack).toMatch(/at timesOut \(.*work\.mjs/);
    const custom = thrown(() => guarded("fail", () => blockOn(WORK, "fail", "nope")));
    expect(custom.name).toBe("ParseError");
    expect(custom.line).toBe(7);
  });

  test("process.exit() in the worker throws WorkerCrashedError instead of hanging", () => {
    const error = thrown(() => guarded("exitWhileWaiting", () => blockOn(WORK, "exitWhileWaiting", 4)));
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.exitCode).toBe(4);
    expect(error.message).toMatch(
      /^blockOn\(\): the worker thread running exitWhileWaiting\(\) from .* exited with code 4 before the coroutine ended$/,
    );
  });

  test("an uncaught error in the worker throws WorkerCrashedError caused by it", () => {
    const error = thrown(() => guarded("crashWhileWaiting", () => blockOn(WORK, "crashWhileWaiting", "kaboom")));
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.message).toMatch(/crashed: Error: kaboom$/);
    expect(error.cause.message).toBe("kaboom");
  });

  test("after a crash the next call gets a fresh worker", () => {
    thrown(() => guarded("exit", () => blockOn(WORK, "exit", 2)));
    expect(guarded("later", () => blockOn(WORK, "later", "fresh", 1))).toBe("fresh");
  });

  test("arguments or a result that cannot be cloned are a TypeError", () => {
    expect(() => blockOn(WORK, "echo", Symbol("x"))).toThrow(/the arguments of echo\(\) .* cannot be sent to a worker thread/);
    expect(() => guarded("unclonable", () => blockOn(WORK, "unclonable"))).toThrow(
      /the result of unclonable\(\) .* cannot be sent back to the calling thread/,
    );
  });
});

describe("threads never keep a process alive", () => {
  test("a program that used toThread and blockOn exits on its own", async () => {
    const script = `
      import { run } from ${JSON.stringify(new URL("index.js", DIST).href)};
      import { toThread, blockOn } from ${JSON.stringify(new URL("threads.js", DIST).href)};
      const work = ${JSON.stringify(WORK.href)};
      const r = await run((function* () { return yield* toThread(work, "echo", "pool"); })());
      console.log(r.args[0], blockOn(work, "later", "blocking", 1));
    `;
    const start = performance.now();
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--input-type=module", "-e", script], { timeout: 20_000 }, (error, out) =>
        error ? reject(error) : resolve(out),
      ),
    );
    expect(stdout.trim()).toBe("pool blocking");
    expect(performance.now() - start).toBeLessThan(10_000);
  });

  test("threads start under process-wide V8 flags such as --expose-gc, which workers refuse to be given", async () => {
    const script = `
      import { run } from ${JSON.stringify(new URL("index.js", DIST).href)};
      import { toThread, blockOn } from ${JSON.stringify(new URL("threads.js", DIST).href)};
      const work = ${JSON.stringify(WORK.href)};
      const r = await run((function* () { return yield* toThread(work, "echo", "pool"); })());
      console.log(r.args[0], blockOn(work, "later", "blocking", 1), typeof gc);
    `;
    const file = join(mkdtempSync(join(tmpdir(), "yielding-gc-")), "main.mjs");
    writeFileSync(file, script);
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--expose-gc", file], { timeout: 20_000 }, (error, out) => (error ? reject(error) : resolve(out))),
    );
    expect(stdout.trim()).toBe("pool blocking function");
  });
});

describe("blockOn's supervisor", () => {
  test("if the supervising thread itself dies, the waiting caller is woken, not left hanging", async () => {
    const worker = (await import(new URL("threads-worker.js", DIST).href)) as typeof import("../runtime/threads-worker.js");
    const { MessageChannel, Worker, receiveMessageOnPort } = await import("node:worker_threads");
    const control = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(control, 0, worker.controlValue(5, worker.PENDING));
    const { port1, port2 } = new MessageChannel();
    // A supervisor whose module fails to load dies before it can serve anything.
    const supervisor = new Worker(worker.SUPERVISOR_BOOT, {
      eval: true,
      workerData: { entry: TOP_LEVEL_THROW.href, control: control.buffer, crashPort: port2 },
      transferList: [port2],
    });
    supervisor.on("error", () => {});
    let value: number;
    while (((value = Atomics.load(control, 0)) & worker.STATE_MASK) === worker.PENDING || (value & worker.STATE_MASK) === worker.CLAIMED) {
      expect(Atomics.wait(control, 0, value, 20_000)).not.toBe("timed-out");
    }
    expect(value).toBe(worker.controlValue(5, worker.SUPERVISOR_DIED));
    expect(receiveMessageOnPort(port1)?.message).toMatchObject({ id: 5, supervisor: true, exitCode: 1 });
    port1.close();
  });
});
