import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test, vi } from "vitest";
import {
  CancelledError,
  Future,
  Task,
  TimeoutError,
  asCompleted,
  currentTask,
  gather,
  race,
  run,
  sleep,
  spawn,
  wait,
  waitFor,
} from "../runtime/index.js";
import { RUNTIME_URL, assertRuntimeBuilt, describeRun, runNode } from "./helpers/exec.js";
import { ROOT } from "./helpers/fixtures.js";
import { delay, guardReports, rejection, takeReports } from "./helpers/runtime.js";

const reports = guardReports();

function settled<T>(value: T): Future<T> {
  const f = new Future<T>();
  f.setResult(value);
  return f;
}

/** A coroutine that sleeps `ms`, logs how it ended, and returns `value`. */
function* job<T>(log: string[], name: string, ms: number, value: T): Generator<unknown, T, unknown> {
  try {
    yield* sleep(ms);
    log.push(`${name} done`);
    return value;
  } catch (e) {
    log.push(`${name} caught ${(e as Error).name}`);
    throw e;
  } finally {
    log.push(`${name} finally`);
  }
}

function* fails(ms: number, error: unknown): Generator<unknown, never, unknown> {
  yield* sleep(ms);
  throw error;
}

describe("gather", () => {
  test("returns every result in argument order, whatever kind of waitable", async () => {
    const log: string[] = [];
    function* main() {
      const given = spawn(job(log, "task", 5, "t"));
      const thenable = { then: (ok: (v: string) => void) => setTimeout(() => ok("thenable"), 1) };
      return yield* gather(
        job(log, "coroutine", 10, 1),
        sleep(1, "sleep"),
        given,
        wait(Promise.resolve(true)),
        Promise.resolve(42n),
        thenable,
        settled("ready"),
      );
    }
    expect(await run(main())).toEqual([1, "sleep", "t", true, 42n, "thenable", "ready"]);
  });

  test("yield* gather(...) is a tuple of the results", async () => {
    function* main() {
      const [a, b] = yield* gather(sleep(1, 1), wait(Promise.resolve("x")));
      function* child() {
        yield* sleep(1);
        return { ok: true };
      }
      const all = yield* gather(child(), Promise.resolve(1n), spawn(child()));
      const tasks: Task<number>[] = [spawn(sleepy(1)), spawn(sleepy(2))];
      const many = yield* gather(...tasks);
      return [a, b, all, many] as const;
    }
    function* sleepy(n: number) {
      yield* sleep(1);
      return n;
    }
    expect(await run(main())).toEqual([1, "x", [{ ok: true }, 1n, { ok: true }], [1, 2]]);
  });

  test("of settled futures: a settled future, and yield* does not suspend", async () => {
    const log: string[] = [];
    function* other() {
      log.push("other ran");
    }
    function* main() {
      spawn(other());
      const g = gather(settled(1), settled("two"));
      expect(g.done()).toBe(true);
      const result = yield* g;
      log.push("gathered");
      yield;
      return result;
    }
    expect(await run(main())).toEqual([1, "two"]);
    expect(log).toEqual(["gathered", "other ran"]);
    expect(gather().done()).toBe(true);
    expect(gather().result()).toEqual([]);
  });

  test("the first error (in time, not in argument order) wins; the rest keep running", async () => {
    const log: string[] = [];
    const early = new Error("early");
    function* main() {
      try {
        yield* gather(job(log, "slow", 30, 1), fails(20, new Error("late")), fails(5, early));
      } catch (e) {
        log.push(`gather threw ${(e as Error).message}`);
        expect(e).toBe(early);
      }
      yield* sleep(40);
    }
    await run(main());
    expect(log).toEqual(["gather threw early", "slow done", "slow finally"]);
  });

  test("of settled futures with errors: the first in argument order wins", async () => {
    const a = new Future<number>();
    a.setError(new Error("a"));
    const b = new Future<number>();
    b.setError(new Error("b"));
    expect(await rejection(gather(settled(1), a, b))).toMatchObject({ message: "a" });
  });

  test("cancelled, it cancels the tasks it started and waits for their cleanup; a Task it was given keeps running", async () => {
    const log: string[] = [];
    let given!: Task<string>;
    function* parent() {
      given = spawn(job(log, "given", 40, "given result"));
      try {
        yield* gather(job(log, "a", 10_000, 1), job(log, "b", 10_000, 2), given);
      } catch (e) {
        log.push(`parent caught ${(e as Error).name}`);
        throw e;
      }
    }
    const t = spawn(parent());
    await delay(5);
    t.cancel("stop");
    expect(await rejection(t)).toBeInstanceOf(CancelledError);
    expect(log).toEqual(["a caught CancelledError", "a finally", "b caught CancelledError", "b finally", "parent caught CancelledError"]);
    expect(await given).toBe("given result");
  });

  test("the children's cleanup may wait, and the gather waits for it", async () => {
    const log: string[] = [];
    function* slowCleanup() {
      try {
        yield* sleep(10_000);
      } finally {
        yield* sleep(15);
        log.push("child cleaned up");
      }
    }
    const g = gather(slowCleanup(), sleep(10_000));
    await delay(5);
    g.cancel();
    expect(await rejection(g)).toBeInstanceOf(CancelledError);
    expect(log).toEqual(["child cleaned up"]);
  });

  test("cancelled before it started, none of the coroutines' code runs", async () => {
    const log: string[] = [];
    function* parent() {
      const g = gather(job(log, "a", 1, 1), job(log, "b", 1, 2));
      currentTask()!.cancel();
      yield* g;
    }
    expect(await rejection(run(parent()))).toBeInstanceOf(CancelledError);
    await delay(10);
    expect(log).toEqual([]);
  });

  test("a child's error during cleanup is reported, not lost, and the gather is still cancelled", async () => {
    const oops = new Error("cleanup failed");
    function* child() {
      try {
        yield* sleep(10_000);
      } finally {
        throw oops;
      }
    }
    const g = gather(child());
    await delay(5);
    g.cancel();
    expect(await rejection(g)).toBeInstanceOf(CancelledError);
    const [code, errors] = takeReports(reports);
    expect(errors).toEqual([oops]);
    expect(code).toBe(1);
  });

  test("awaitable from plain async code (a Task is thenable)", async () => {
    expect(await gather(Promise.resolve(1), sleep(2, 2))).toEqual([1, 2]);
    expect(await spawn((function* () { return yield* gather(sleep(1, "a")); })())).toEqual(["a"]);
  });

  test("something that is not waitable is a TypeError at the call", () => {
    expect(() => gather(sleep(1), 42 as never)).toThrow(/gather\(\): 42 is not waitable/);
    expect(() => race(sleep(1), "x" as never)).toThrow(TypeError);
    expect(() => asCompleted([null as never])).toThrow(/asCompleted\(\): null is not waitable/);
    expect(() => waitFor({} as never, 1)).toThrow(/waitFor\(\): an object is not waitable/);
  });
});

describe("gather.settled", () => {
  test("waits for every waitable and gives each outcome in the Promise.allSettled shape, errors included", async () => {
    const log: string[] = [];
    const boom = new Error("boom");
    function* main() {
      return yield* gather.settled(job(log, "slow", 20, 1), fails(5, boom), Promise.reject(new RangeError("r")), settled("ready"));
    }
    const results = await run(main());
    expect(results).toEqual([
      { status: "fulfilled", value: 1 },
      { status: "rejected", reason: boom },
      { status: "rejected", reason: new RangeError("r") },
      { status: "fulfilled", value: "ready" },
    ]);
    expect(log).toEqual(["slow done", "slow finally"]);
  });

  test("each element is a PromiseSettledResult of that waitable's result", async () => {
    function* main() {
      const [a, b] = yield* gather.settled(sleep(1, 1), wait(Promise.resolve("x")));
      const tasks: Task<number>[] = [spawn(fails(1, new Error("x"))), spawn(fails(2, new Error("y")))];
      const many = yield* gather.settled(...tasks);
      return [a, b, many.map((r) => r.status)];
    }
    expect(await run(main())).toEqual([
      { status: "fulfilled", value: 1 },
      { status: "fulfilled", value: "x" },
      ["rejected", "rejected"],
    ]);
  });

  test("a cancelled child is one more rejected outcome; the failures are not reported as unhandled", async () => {
    function* main() {
      const child = spawn(job([], "child", 10_000, 1));
      const g = gather.settled(child, fails(1, new Error("handled")));
      yield* sleep(2);
      child.cancel();
      return yield* g;
    }
    const [cancelled, failed] = await run(main());
    expect((cancelled as PromiseRejectedResult).reason).toBeInstanceOf(CancelledError);
    expect((failed as PromiseRejectedResult).reason).toMatchObject({ message: "handled" });
    await delay(5);
  });

  test("of settled futures: a settled future, without suspending", () => {
    const failed = new Future<number>();
    failed.setError(new Error("f"));
    const g = gather.settled(settled(1), failed);
    expect(g.done()).toBe(true);
    expect(g.result()).toEqual([
      { status: "fulfilled", value: 1 },
      { status: "rejected", reason: new Error("f") },
    ]);
    expect(gather.settled().result()).toEqual([]);
  });

  test("cancelling it cancels the children it owns and waits for their cleanup", async () => {
    const log: string[] = [];
    function* main() {
      const g = gather.settled(job(log, "a", 10_000, 1), job(log, "b", 10_000, 2));
      yield* sleep(2);
      g.cancel();
      try {
        yield* g;
      } catch (e) {
        log.push(`gather.settled threw ${(e as Error).name}`);
      }
    }
    await run(main());
    expect(log).toEqual(["a caught CancelledError", "a finally", "b caught CancelledError", "b finally", "gather.settled threw CancelledError"]);
  });

  test("what is not waitable is a TypeError that names gather.settled", () => {
    expect(() => gather.settled(sleep(1), 42 as never)).toThrow(/gather\.settled\(\): 42 is not waitable/);
  });
});

describe("race", () => {
  test("the first to settle wins; the losers it started are cancelled and cleaned up before it returns", async () => {
    const log: string[] = [];
    function* slowCleanup() {
      try {
        yield* sleep(10_000);
      } finally {
        yield* sleep(10);
        log.push("slow cleanup done");
      }
    }
    function* main() {
      const winner = yield* race(job(log, "slow", 10_000, "slow"), job(log, "fast", 5, "fast"), slowCleanup());
      log.push(`race returned ${winner}`);
    }
    await run(main());
    expect(log).toEqual([
      "fast done",
      "fast finally",
      "slow caught CancelledError",
      "slow finally",
      "slow cleanup done",
      "race returned fast",
    ]);
  });

  test("an error can win too", async () => {
    const log: string[] = [];
    const boom = new Error("boom");
    function* main() {
      return yield* race(job(log, "slow", 10_000, 1), fails(5, boom));
    }
    expect(await rejection(run(main()))).toBe(boom);
    expect(log).toEqual(["slow caught CancelledError", "slow finally"]);
  });

  test("a Task it was given is not cancelled when it loses", async () => {
    const log: string[] = [];
    function* main() {
      const given = spawn(job(log, "given", 30, "given"));
      const winner = yield* race(given, sleep(5, "sleep"));
      log.push(`winner ${winner}`);
      log.push(`given ended with ${yield* given}`);
    }
    await run(main());
    expect(log).toEqual(["winner sleep", "given done", "given finally", "given ended with given"]);
  });

  test("a resolved promise beats sleep(1)", async () => {
    function* main() {
      const r = yield* race(sleep(1, 1), wait(Promise.resolve("x")));
      return r;
    }
    expect(await run(main())).toBe("x");
  });

  test("a settled argument wins at once; the coroutines are never started", async () => {
    const log: string[] = [];
    const r = race(job(log, "never", 1, 0), settled("now"), sleep(10_000, "later"));
    expect(r.done()).toBe(true);
    expect(await r).toBe("now");
    await delay(10);
    expect(log).toEqual([]);
  });

  test("a settled argument wins at once; a combinator passed to it is cancelled", async () => {
    const log: string[] = [];
    function* main() {
      const inner = gather(job(log, "inner", 10_000, 1));
      yield* sleep(1);
      const r = yield* race(inner, settled("now"));
      expect(yield* wait(inner.then(() => "resolved", (e: unknown) => (e as Error).name))).toBe("CancelledError");
      return r;
    }
    expect(await run(main())).toBe("now");
    expect(log).toEqual(["inner caught CancelledError", "inner finally"]);
  });

  test("cancelled, it cancels what it started", async () => {
    const log: string[] = [];
    const r = race(job(log, "a", 10_000, 1), job(log, "b", 10_000, 2));
    await delay(5);
    r.cancel();
    expect(await rejection(r)).toBeInstanceOf(CancelledError);
    expect(log).toEqual(["a caught CancelledError", "a finally", "b caught CancelledError", "b finally"]);
  });

  test("a losing sleep's timer is removed", async () => {
    const clear = vi.spyOn(globalThis, "clearTimeout");
    try {
      function* main() {
        return yield* race(sleep(60_000, "late"), sleep(2, "early"));
      }
      expect(await run(main())).toBe("early");
      expect(clear).toHaveBeenCalled();
    } finally {
      clear.mockRestore();
    }
  });

  test("race() with nothing to race is a TypeError", () => {
    expect(() => race()).toThrow(/race\(\) needs at least one waitable/);
  });
});

describe("asCompleted", () => {
  test("the i-th future settles with the i-th outcome to complete", async () => {
    const boom = new Error("boom");
    function* main() {
      const got: unknown[] = [];
      for (const f of asCompleted([sleep(30, "c"), sleep(10, "a"), fails(20, boom), Promise.resolve("now")])) {
        try {
          got.push(yield* f);
        } catch (e) {
          got.push(e);
        }
      }
      return got;
    }
    expect(await run(main())).toEqual(["now", "a", boom, "c"]);
  });

  test("is a sync iterable of futures, so a yielding loop gives results in completion order", async () => {
    function* main() {
      const order: unknown[] = [];
      function* after(ms: number, v: string) {
        yield* sleep(ms);
        return v;
      }
      for (const x of yielding asCompleted([after(20, "slow"), after(1, "fast"), after(10, "middle")])) order.push(x);
      return order;
    }
    expect(await run(main())).toEqual(["fast", "middle", "slow"]);
  });

  test("one future per argument", () => {
    const fs = asCompleted([sleep(1, 1), wait(Promise.resolve("x"))]);
    expect(fs).toHaveLength(2);
  });

  test("already settled futures come first, in argument order", async () => {
    const fs = asCompleted([sleep(5, "late"), settled("a"), settled("b")]);
    expect(await Promise.all(fs)).toEqual(["a", "b", "late"]);
  });
});

describe("waitFor", () => {
  test("in time, it gives the result", async () => {
    function* main() {
      const a = yield* waitFor(sleep(5, "a"), 1000);
      const b = yield* waitFor(Promise.resolve("b"), 1000);
      const c = yield* waitFor((function* () { yield* sleep(1); return "c"; })(), 1000);
      const d = yield* waitFor(spawn((function* () { yield* sleep(1); return "d"; })()), Infinity);
      return [a, b, c, d];
    }
    expect(await run(main())).toEqual(["a", "b", "c", "d"]);
  });

  test("out of time, the coroutine is cancelled, cleans up, and then TimeoutError (not CancelledError) is thrown", async () => {
    const log: string[] = [];
    function* main() {
      try {
        yield* waitFor(job(log, "slow", 10_000, 1), 10);
      } catch (e) {
        log.push(`caught ${(e as Error).name}`);
        expect(e).toBeInstanceOf(TimeoutError);
        expect(e).not.toBeInstanceOf(CancelledError);
        expect((e as Error).message).toBe("waitFor() timed out after 10 ms");
      }
    }
    const start = performance.now();
    await run(main());
    expect(performance.now() - start).toBeGreaterThanOrEqual(9);
    expect(log).toEqual(["slow caught CancelledError", "slow finally", "caught TimeoutError"]);
  });

  test("a Task it was given is cancelled when time runs out", async () => {
    const log: string[] = [];
    const t = spawn(job(log, "given", 10_000, 1));
    expect(await rejection(waitFor(t, 5))).toBeInstanceOf(TimeoutError);
    expect(t.cancelled()).toBe(true);
    expect(log).toEqual(["given caught CancelledError", "given finally"]);
  });

  test("a Promise is only let go of: TimeoutError, and the Promise carries on", async () => {
    let resolve!: (v: string) => void;
    const p = new Promise<string>((ok) => (resolve = ok));
    expect(await rejection(waitFor(p, 5))).toBeInstanceOf(TimeoutError);
    resolve("later");
    expect(await p).toBe("later");
  });

  test("a cleanup that fails replaces the TimeoutError; a task that swallows its cancellation gives its value", async () => {
    const oops = new Error("cleanup failed");
    function* badCleanup() {
      try {
        yield* sleep(10_000);
      } finally {
        throw oops;
      }
    }
    expect(await rejection(waitFor(badCleanup(), 5))).toBe(oops);
    function* stubborn() {
      try {
        yield* sleep(10_000);
      } catch {
        return "kept going";
      }
      return "unreachable";
    }
    expect(await waitFor(stubborn(), 5)).toBe("kept going");
  });

  test("cancelling the waiting task cancels the inner task: CancelledError, not TimeoutError", async () => {
    const log: string[] = [];
    function* parent() {
      yield* waitFor(job(log, "inner", 10_000, 1), 10_000);
    }
    const t = spawn(parent());
    await delay(5);
    t.cancel();
    const e = await rejection(t);
    expect(e).toBeInstanceOf(CancelledError);
    expect(log).toEqual(["inner caught CancelledError", "inner finally"]);
  });

  test("an already settled future is returned as it is", () => {
    const f = settled(1);
    expect(waitFor(f, 0)).toBe(f);
    expect(() => waitFor(f, Number.NaN)).toThrow(/time limit must be a number/);
  });
});

describe("cancellation (SPEC §7)", () => {
  test("a task waiting on a Promise is cancelled at that point, runs its finally, and ignores the late result", async () => {
    const log: string[] = [];
    let resolve!: (v: string) => void;
    const p = new Promise<string>((ok) => (resolve = ok));
    function* waiter() {
      try {
        log.push(`got ${yield* wait(p)}`);
      } finally {
        log.push("finally");
      }
    }
    const t = spawn(waiter());
    await delay(2);
    t.cancel();
    expect(await rejection(t)).toBeInstanceOf(CancelledError);
    resolve("late");
    await delay(2);
    expect(log).toEqual(["finally"]);
  });

  test("a task that throws inside finally during its cancellation fails with that error", async () => {
    const oops = new Error("finally threw");
    function* worker() {
      try {
        yield* sleep(10_000);
      } finally {
        throw oops;
      }
    }
    const t = spawn(worker());
    await delay(2);
    t.cancel();
    expect(await rejection(t)).toBe(oops);
    expect(t.cancelled()).toBe(false);
  });

  test("CancelledError and TimeoutError are distinct", async () => {
    const timeout = await rejection(waitFor(sleep(10_000), 1));
    const cancelled = await rejection(
      (() => {
        const t = spawn((function* () { yield* sleep(10_000); })());
        t.cancel();
        return t;
      })(),
    );
    expect(timeout).toBeInstanceOf(TimeoutError);
    expect(timeout).not.toBeInstanceOf(CancelledError);
    expect(cancelled).toBeInstanceOf(CancelledError);
    expect(cancelled).not.toBeInstanceOf(TimeoutError);
  });

  test("propagates through nested combinators to the innermost task", async () => {
    const log: string[] = [];
    function* parent() {
      yield* gather(race(waitFor(job(log, "deep", 10_000, 1), 10_000), sleep(10_000)), job(log, "side", 10_000, 2));
    }
    const t = spawn(parent());
    await delay(5);
    t.cancel();
    expect(await rejection(t)).toBeInstanceOf(CancelledError);
    expect(log.sort()).toEqual(["deep caught CancelledError", "deep finally", "side caught CancelledError", "side finally"]);
  });
});

describe("scheduler quality", () => {
  test("a million chained futures, settled one from another while a task waits along the chain, do not grow the stack", async () => {
    const N = 1_000_000;
    function* main() {
      let f = settled(0);
      let sum = 0;
      for (let i = 0; i < N; i++) {
        const next = new Future<number>();
        f.addDoneCallback((done) => next.setResult(done.result() + 1));
        f = next;
        if (i % 1000 === 999) sum = yield* f;
      }
      return (yield* f) + sum * 0;
    }
    expect(await run(main())).toBe(N);
  });

  test("gather of 100,000 settled futures, and of 100,000 chained ones (about the most arguments a call takes)", async () => {
    const N = 100_000;
    const ready = Array.from({ length: N }, (_, i) => settled(i));
    const all = gather(...ready);
    expect(all.done()).toBe(true);
    expect(all.result()[N - 1]).toBe(N - 1);
    const chain = Array.from({ length: N }, () => new Future<number>());
    for (let i = 0; i < N - 1; i++) chain[i]!.addDoneCallback((f) => chain[i + 1]!.setResult(f.result() + 1));
    const g = gather(...chain);
    chain[0]!.setResult(0);
    const results = await g;
    expect(results[N - 1]).toBe(N - 1);
  });

  test("an error nobody waits for (a gather's) is reported with its stack, and exitCode is 1", async () => {
    function* failsDeep(): Generator<unknown, never, unknown> {
      yield* sleep(1);
      throw new Error("nobody listens");
    }
    gather(failsDeep(), sleep(2));
    await vi.waitFor(() => expect(reports.spy).toHaveBeenCalled());
    const [code, errors] = takeReports(reports);
    expect(code).toBe(1);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).stack).toMatch(/nobody listens[\s\S]*failsDeep/);
  });
});

describe("an unobserved error in a real process", () => {
  mkdirSync(join(ROOT, "tmp"), { recursive: true });
  const tmp = mkdtempSync(join(ROOT, "tmp", "combinators-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test("is printed to stderr with its stack, and the process exits with code 1", async () => {
    assertRuntimeBuilt();
    const file = join(tmp, "unobserved.mjs");
    writeFileSync(
      file,
      `import { gather, run, sleep, spawn } from ${JSON.stringify(RUNTIME_URL)};
function* failingChild() { yield* sleep(1); throw new Error("lost in the background"); }
function* main() {
  spawn(failingChild());
  gather(failingChild());
  yield* sleep(20);
  console.log("main finished");
}
await run(main());
`,
    );
    const result = await runNode(file);
    expect(result.exitCode, describeRun(result)).toBe(1);
    expect(result.stdout).toBe("main finished\n");
    const reported = result.stderr.match(/Error: lost in the background\n\s+at failingChild/g) ?? [];
    expect(reported, result.stderr).toHaveLength(2);
  });
});
