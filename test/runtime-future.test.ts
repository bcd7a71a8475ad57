import { describe, expect, test, vi } from "vitest";
import { CancelledError, Future, checkpoint, run, spawn, sleep } from "../runtime/index.js";
import { guardReports } from "./helpers/runtime.js";

/** Lets the loop run a few turns (its drains run on microtasks and setImmediate). */
const turns = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

guardReports();

describe("Future basics", () => {
  test("result() returns the value, throws the error, and throws while pending", () => {
    const f = new Future<number>();
    expect(f.done()).toBe(false);
    expect(() => f.result()).toThrow(/still pending/);
    f.setResult(3);
    expect(f.done()).toBe(true);
    expect(f.result()).toBe(3);

    const g = new Future<number>();
    const boom = new Error("boom");
    g.setError(boom);
    expect(() => g.result()).toThrow(boom);
    expect(g.cancelled()).toBe(false);
  });

  test("a future settles only once", () => {
    const f = new Future<number>();
    f.setResult(1);
    expect(() => f.setResult(2)).toThrow(/already settled/);
    expect(() => f.setError(new Error("x"))).toThrow(/already settled/);
    expect(f.cancel()).toBe(false);
    expect(f.result()).toBe(1);
  });

  test("cancel() settles with a CancelledError carrying the reason", () => {
    const f = new Future<number>();
    expect(f.cancel("no longer needed")).toBe(true);
    expect(f.cancelled()).toBe(true);
    let caught: unknown;
    try {
      f.result();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CancelledError);
    expect((caught as CancelledError).reason).toBe("no longer needed");
    expect((caught as CancelledError).name).toBe("CancelledError");
    expect(f.cancel()).toBe(false);
  });

  test("done callbacks run on a later turn, in order, never inside setResult", async () => {
    const log: string[] = [];
    const f = new Future<string>();
    f.addDoneCallback((done) => log.push(`first ${done.result()}`));
    f.addDoneCallback(() => log.push("second"));
    f.setResult("v");
    expect(log).toEqual([]);
    await turns();
    expect(log).toEqual(["first v", "second"]);

    f.addDoneCallback(() => log.push("added after settling"));
    expect(log).toHaveLength(2);
    await turns();
    expect(log).toEqual(["first v", "second", "added after settling"]);
  });

  test("removeDoneCallback removes every registration and says how many", async () => {
    const log: string[] = [];
    const f = new Future<void>();
    const cb = () => log.push("cb");
    const other = () => log.push("other");
    f.addDoneCallback(cb);
    f.addDoneCallback(other);
    f.addDoneCallback(cb);
    expect(f.removeDoneCallback(cb)).toBe(2);
    expect(f.removeDoneCallback(cb)).toBe(0);
    f.setResult();
    await turns();
    expect(log).toEqual(["other"]);
  });

  test("await future works for results and errors", async () => {
    const f = new Future<number>();
    setTimeout(() => f.setResult(7), 1);
    expect(await f).toBe(7);
    const g = new Future<number>();
    setTimeout(() => g.setError(new TypeError("bad")), 1);
    await expect(g).rejects.toThrow(TypeError);
    const settled = new Future<string>();
    settled.setResult("now");
    expect(await settled).toBe("now");
  });

  test("an error thrown by a done callback is reported and the loop keeps going", async () => {
    const spy = vi.mocked(console.error);
    const saved = process.exitCode;
    const log: string[] = [];
    const f = new Future<void>();
    const oops = new Error("callback failed");
    f.addDoneCallback(() => {
      throw oops;
    });
    f.addDoneCallback(() => log.push("next callback ran"));
    f.setResult();
    await turns();
    expect(log).toEqual(["next callback ran"]);
    expect(spy.mock.calls.some((args) => args.includes(oops))).toBe(true);
    expect(process.exitCode).toBe(1);
    spy.mockClear();
    process.exitCode = saved;
  });
});

describe("the fast path", () => {
  test("yield* on settled futures never suspends: a spawned task cannot run in between", async () => {
    const log: string[] = [];
    function* other() {
      log.push("other");
    }
    function* main() {
      spawn(other());
      for (let i = 0; i < 3; i++) {
        const f = new Future<number>();
        f.setResult(i);
        log.push(`got ${yield* f}`);
      }
      const failed = new Future<number>();
      failed.setError(new Error("boom"));
      try {
        yield* failed;
      } catch (e) {
        log.push(`caught ${(e as Error).message}`);
      }
      log.push("checkpoint");
      yield* checkpoint();
      log.push("main end");
    }
    await run(main());
    expect(log).toEqual(["got 0", "got 1", "got 2", "caught boom", "checkpoint", "other", "main end"]);
  });

  test("yield* on pending futures suspends: the spawned task runs in between", async () => {
    const log: string[] = [];
    function* other() {
      for (let i = 0; i < 3; i++) {
        log.push(`other ${i}`);
        yield;
      }
    }
    function* main() {
      const t = spawn(other());
      for (let i = 0; i < 3; i++) log.push(`got ${yield* sleep(0, i)}`);
      yield* t;
    }
    await run(main());
    expect(log.indexOf("other 0")).toBeLessThan(log.indexOf("got 0"));
    expect(log.indexOf("other 1")).toBeLessThan(log.indexOf("got 2"));
    expect(log).toHaveLength(6);
  });

  test("yield of a settled future (not yield*) also resumes at once, without a turn", async () => {
    const log: string[] = [];
    function* other() {
      log.push("other");
    }
    function* main(): Generator<unknown, void, unknown> {
      spawn(other());
      const f = new Future<number>();
      f.setResult(5);
      log.push(`got ${yield f}`);
      yield* checkpoint();
    }
    await run(main());
    expect(log).toEqual(["got 5", "other"]);
  });
});

describe("no unbounded recursion", () => {
  test("a million futures, each resolved from the previous one's done callback", async () => {
    const N = 1_000_000;
    const finished = new Future<number>();
    const step = (f: Future<number>) => {
      const n = f.result();
      if (n === N) return finished.setResult(n);
      const next = new Future<number>();
      next.addDoneCallback(step);
      next.setResult(n + 1);
    };
    const first = new Future<number>();
    first.addDoneCallback(step);
    first.setResult(1);
    expect(await finished).toBe(N);
  });

  test("a chain of futures whose callbacks were all attached first", async () => {
    const N = 200_000;
    const futures = Array.from({ length: N }, () => new Future<number>());
    for (let i = 0; i < N - 1; i++) futures[i]!.addDoneCallback((f) => futures[i + 1]!.setResult(f.result() + 1));
    futures[0]!.setResult(0);
    expect(await futures[N - 1]!).toBe(N - 1);
  });

  test("a coroutine doing a million yield* (and yield) of settled futures", async () => {
    function* main(): Generator<unknown, number, unknown> {
      const one = new Future<number>();
      one.setResult(1);
      let sum = 0;
      for (let i = 0; i < 1_000_000; i++) sum += yield* one;
      for (let i = 0; i < 1_000_000; i++) sum += (yield one) as number;
      return sum;
    }
    expect(await run(main())).toBe(2_000_000);
  });

  test("a chain of 20,000 tasks, each waiting for the next", async () => {
    function* link(n: number): Generator<unknown, number, unknown> {
      if (n === 0) return 0;
      return 1 + (yield* spawn(link(n - 1)));
    }
    expect(await run(link(20_000))).toBe(20_000);
  });
});
