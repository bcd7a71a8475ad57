import { describe, expect, test, vi } from "vitest";
import {
  CancelledError,
  Future,
  QueueClosedError,
  SuppressedError,
  Task,
  TimeoutError,
  WouldBlockError,
  checkpoint,
  currentTask,
  run,
  sleep,
  spawn,
  wait,
  yieldingEnter,
  yieldingExit,
  yieldingIterator,
} from "../runtime/index.js";
import { delay, guardReports, rejection, takeReports } from "./helpers/runtime.js";

const reports = guardReports();

describe("driving coroutines", () => {
  test("await task and yield* task give the coroutine's return value", async () => {
    function* double(n: number) {
      yield* sleep(1);
      return n * 2;
    }
    expect(await spawn(double(4))).toBe(8);
    function* main() {
      return (yield* spawn(double(5))) + 1;
    }
    expect(await run(main())).toBe(11);
  });

  test("a task's error is its coroutine's error", async () => {
    const boom = new Error("boom");
    function* fails(): Generator<unknown, never, unknown> {
      yield* sleep(1);
      throw boom;
    }
    expect(await rejection(spawn(fails()))).toBe(boom);
    expect(await rejection(run(fails()))).toBe(boom);
  });

  test("yield of a Promise, a thenable or a Future evaluates to its result (co-compatible)", async () => {
    function* main() {
      const a = (yield Promise.resolve(1)) as number;
      const b = (yield { then: (ok: (v: number) => void) => ok(2) }) as number;
      const c = (yield sleep(1, 3)) as number;
      let d = 0;
      try {
        yield Promise.reject(new RangeError("four"));
      } catch (e) {
        d = (e as RangeError).message === "four" ? 4 : -1;
      }
      return [a, b, c, d];
    }
    expect(await run(main())).toEqual([1, 2, 3, 4]);
  });

  test("yielding something that is not waitable throws a TypeError into the coroutine there", async () => {
    function* inner() {
      return 1;
    }
    function* main() {
      const errors: unknown[] = [];
      for (const bad of [42, "text", { a: 1 }, null, inner()]) {
        try {
          yield bad;
          errors.push("no error");
        } catch (e) {
          errors.push(e);
        }
      }
      return errors;
    }
    const errors = (await run(main())) as Error[];
    expect(errors).toHaveLength(5);
    for (const e of errors) expect(e).toBeInstanceOf(TypeError);
    expect(errors[0]!.message).toMatch(/yielded 42 to its task, which is not waitable/);
    expect(errors[1]!.message).toMatch(/yielded the string "text"/);
    expect(errors[3]!.message).toMatch(/yielded null/);
    expect(errors[4]!.message).toMatch(/use yield\* to run it/);
  });

  test("an uncaught TypeError from a bad yield fails the task", async () => {
    function* main() {
      yield 5;
    }
    const e = await rejection(run(main()));
    expect(e).toBeInstanceOf(TypeError);
  });

  test("a task cannot wait for itself", async () => {
    function* main(): Generator<unknown, unknown, unknown> {
      try {
        yield* currentTask()!;
      } catch (e) {
        return e;
      }
    }
    expect(await run(main())).toBeInstanceOf(TypeError);
  });

  test("currentTask() is the running task inside, undefined outside", async () => {
    expect(currentTask()).toBeUndefined();
    let seen: unknown;
    function* main() {
      seen = currentTask();
      yield* sleep(1);
      return currentTask() === seen;
    }
    const p = run(main());
    expect(await p).toBe(true);
    expect(seen).toBeInstanceOf(Task);
    expect(currentTask()).toBeUndefined();
  });

  test("spawn and run take a coroutine, not a generator function", () => {
    function* main() {}
    expect(() => spawn(main as never)).toThrow(/not a coroutine: pass a generator object, e\.g\. spawn\(main\(\)\)/);
    expect(() => run(42 as never)).toThrow(TypeError);
  });

  test("a task's result is set by its coroutine only", async () => {
    const t = spawn((function* () {})());
    expect(() => t.setResult(undefined)).toThrow(TypeError);
    expect(() => t.setError(new Error())).toThrow(TypeError);
    await t;
  });
});

describe("wait()", () => {
  test("Future, Task and coroutine come back as they are", async () => {
    const f = new Future<number>();
    const t = spawn((function* () {})());
    function* g() {
      return 1;
    }
    const coro = g();
    expect(wait(f)).toBe(f);
    expect(wait(t)).toBe(t);
    expect(wait(coro)).toBe(coro);
    await t;
  });

  test("a Promise or thenable becomes a Future with its outcome", async () => {
    function* main() {
      const a = yield* wait(Promise.resolve("a"));
      const b = yield* wait({ then: (ok: (v: string) => void) => setTimeout(() => ok("b"), 1) });
      let c = "";
      try {
        yield* wait(Promise.reject(new Error("c")));
      } catch (e) {
        c = (e as Error).message;
      }
      const throwsInThen = {
        then() {
          throw new Error("d");
        },
      };
      const d = yield* wait(
        wait(throwsInThen).then(
          () => "",
          (e: Error) => e.message,
        ),
      );
      return [a, b, c, d];
    }
    expect(wait(Promise.resolve(1))).toBeInstanceOf(Future);
    expect(await run(main())).toEqual(["a", "b", "c", "d"]);
  });

  test("anything else is a TypeError", () => {
    expect(() => wait(42 as never)).toThrow(new TypeError(
      "42 is not waitable: wait() takes a Future, a Task, a Promise (or other thenable) or a coroutine",
    ));
    expect(() => wait(null as never)).toThrow(/null is not waitable/);
    expect(() => wait({ then: 1 } as never)).toThrow(/an object is not waitable/);
    expect(() => wait([1] as never)).toThrow(/an array is not waitable/);
  });
});

describe("cancellation", () => {
  test("a task cancelled before its first step runs none of its code", async () => {
    const log: string[] = [];
    function* never() {
      try {
        log.push("body");
        yield;
      } finally {
        log.push("finally");
      }
    }
    const t = spawn(never());
    expect(t.cancel("early")).toBe(true);
    const e = await rejection(t);
    expect(e).toBeInstanceOf(CancelledError);
    expect((e as CancelledError).reason).toBe("early");
    expect(t.cancelled()).toBe(true);
    await delay(5);
    expect(log).toEqual([]);
    expect(t.cancel()).toBe(false);
  });

  test("cancellation is thrown at the suspension point and runs finally blocks", async () => {
    const log: string[] = [];
    let caught: unknown;
    function* sleeper() {
      try {
        log.push("start");
        yield* sleep(10_000);
        log.push("not reached");
      } catch (e) {
        caught = e;
        log.push("caught");
        throw e;
      } finally {
        log.push("finally");
      }
    }
    const t = spawn(sleeper());
    await delay(2);
    expect(t.cancel("stop")).toBe(true);
    expect(t.cancel("again")).toBe(false);
    const e = await rejection(t);
    expect(e).toBe(caught);
    expect(e).toBeInstanceOf(CancelledError);
    expect((e as CancelledError).reason).toBe("stop");
    expect(t.deliveredCancellation).toBe(e);
    expect(log).toEqual(["start", "caught", "finally"]);
  });

  test("cancellation is one-shot: cleanup may wait normally afterwards", async () => {
    const log: string[] = [];
    function* worker() {
      try {
        yield* sleep(10_000);
      } finally {
        yield* sleep(5);
        yield;
        log.push(`cleaned up: ${yield* wait(Promise.resolve("ok"))}`);
      }
    }
    const t = spawn(worker());
    await delay(2);
    t.cancel();
    expect(await rejection(t)).toBeInstanceOf(CancelledError);
    expect(log).toEqual(["cleaned up: ok"]);
  });

  test("a coroutine that catches the cancellation and returns settles with its value", async () => {
    function* stubborn() {
      try {
        yield* sleep(10_000);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      return "survived";
    }
    const t = spawn(stubborn());
    await delay(2);
    t.cancel();
    expect(await t).toBe("survived");
    expect(t.cancelled()).toBe(false);
  });

  test("a task cancelling itself gets the CancelledError at its next suspension point", async () => {
    const log: string[] = [];
    function* main() {
      currentTask()!.cancel("self");
      log.push("still running");
      try {
        yield;
      } catch (e) {
        log.push((e as CancelledError).reason as string);
        throw e;
      }
    }
    expect(await rejection(run(main()))).toBeInstanceOf(CancelledError);
    expect(log).toEqual(["still running", "self"]);
  });

  test("a cancelled task stops waiting for a plain future, which stays pending", async () => {
    const f = new Future<number>();
    function* waiter() {
      return yield* f;
    }
    const t = spawn(waiter());
    await delay(2);
    t.cancel();
    expect(await rejection(t)).toBeInstanceOf(CancelledError);
    expect(f.done()).toBe(false);
    f.setResult(1);
  });

  test("a task cancelled while it waits for a Promise stops waiting; the Promise settling later changes nothing", async () => {
    let resolveFirst!: (v: string) => void;
    const first = new Promise<string>((resolve) => (resolveFirst = resolve));
    const log: string[] = [];
    function* waiter() {
      try {
        log.push((yield first) as string);
      } catch (e) {
        log.push(e instanceof CancelledError ? "cancelled" : "other");
      }
      // The same task waits for Promises again afterwards, and only this one resumes it.
      log.push((yield Promise.resolve("second")) as string);
      log.push((yield new Promise<string>((resolve) => setTimeout(() => resolve("third"), 20))) as string);
      return log;
    }
    const t = spawn(waiter());
    await delay(2);
    t.cancel();
    await delay(1);
    resolveFirst("first");
    expect(await t).toEqual(["cancelled", "second", "third"]);
  });

  test("cancelling a task waiting for a child cancels the child; the child cleans up first", async () => {
    const log: string[] = [];
    let child!: Task<void>;
    function* childWork() {
      try {
        yield* sleep(10_000);
      } finally {
        yield* sleep(5);
        log.push("child cleanup");
      }
    }
    function* parentWork() {
      child = spawn(childWork());
      try {
        yield* child;
      } catch (e) {
        log.push(`parent caught ${(e as Error).name}, child done: ${child.done()}`);
        throw e;
      } finally {
        log.push("parent cleanup");
      }
    }
    const parent = spawn(parentWork());
    await delay(2);
    parent.cancel("bye");
    const e = await rejection(parent);
    expect(e).toBeInstanceOf(CancelledError);
    expect(e).toBe(parent.deliveredCancellation);
    expect(child.cancelled()).toBe(true);
    expect(log).toEqual(["child cleanup", "parent caught CancelledError, child done: true", "parent cleanup"]);
  });

  test("the parent gets its own CancelledError even if the child swallows its cancellation", async () => {
    function* childWork() {
      try {
        yield* sleep(10_000);
      } catch {
        return "child result";
      }
      return "unreachable";
    }
    let childTask!: Task<string>;
    function* parentWork() {
      childTask = spawn(childWork());
      return yield* childTask;
    }
    const parent = spawn(parentWork());
    await delay(2);
    parent.cancel();
    expect(await rejection(parent)).toBeInstanceOf(CancelledError);
    expect(await childTask).toBe("child result");
  });

  test("a child's real error during its parent's cancellation is reported, not lost", async () => {
    const oops = new Error("cleanup failed");
    function* childWork() {
      try {
        yield* sleep(10_000);
      } finally {
        throw oops;
      }
    }
    function* parentWork() {
      yield* spawn(childWork());
    }
    const parent = spawn(parentWork());
    await delay(2);
    parent.cancel();
    expect(await rejection(parent)).toBeInstanceOf(CancelledError);
    const [code, errors] = takeReports(reports);
    expect(errors).toEqual([oops]);
    expect(code).toBe(1);
  });
});

describe("run()", () => {
  test("cancels tasks left over (spawned directly or transitively) and awaits their cleanup", async () => {
    const log: string[] = [];
    function* leftover(name: string, spawnMore: boolean) {
      try {
        if (spawnMore) spawn(leftover(`${name}/grandchild`, false));
        yield* sleep(10_000);
      } catch (e) {
        log.push(`${name} got ${(e as Error).name}`);
        throw e;
      } finally {
        yield* sleep(5);
        log.push(`${name} cleaned up`);
      }
    }
    let late!: Task<void>;
    function* main() {
      spawn(leftover("child", true));
      yield* sleep(2);
      // Its first step is queued before main's end is noticed, so it starts, then is cancelled.
      late = spawn(leftover("late", false));
      return "main result";
    }
    const result = await run(main());
    expect(result).toBe("main result");
    expect(log.sort()).toEqual([
      "child cleaned up",
      "child got CancelledError",
      "child/grandchild cleaned up",
      "child/grandchild got CancelledError",
      "late cleaned up",
      "late got CancelledError",
    ]);
    expect(late.cancelled()).toBe(true);
  });

  test("when the main task fails, leftovers are cleaned up before run() rejects", async () => {
    const log: string[] = [];
    const boom = new Error("main failed");
    function* leftover() {
      try {
        yield* sleep(10_000);
      } finally {
        yield* sleep(5);
        log.push("leftover cleaned up");
      }
    }
    function* main(): Generator<unknown, never, unknown> {
      spawn(leftover());
      yield* sleep(1);
      throw boom;
    }
    const p = run(main()).catch((e: unknown) => {
      log.push("run rejected");
      return e;
    });
    expect(await p).toBe(boom);
    expect(log).toEqual(["leftover cleaned up", "run rejected"]);
  });

  test("an error in a leftover's cleanup is reported", async () => {
    const oops = new Error("cleanup failed");
    function* leftover() {
      try {
        yield* sleep(10_000);
      } finally {
        throw oops;
      }
    }
    function* main() {
      spawn(leftover());
      yield* sleep(1);
    }
    await run(main());
    const [code, errors] = takeReports(reports);
    expect(errors).toEqual([oops]);
    expect(code).toBe(1);
  });

  test("tasks spawned outside any run() are not cancelled by it", async () => {
    const outside = spawn(
      (function* () {
        yield* sleep(20);
        return "outside";
      })(),
    );
    function* main() {
      yield* sleep(1);
    }
    await run(main());
    expect(outside.done()).toBe(false);
    expect(await outside).toBe("outside");
  });
});

describe("unhandled errors", () => {
  test("a failed task whose result nobody retrieved is reported with console.error and exitCode 1", async () => {
    const boom = new Error("nobody listens");
    function* fails() {
      yield* sleep(1);
      throw boom;
    }
    spawn(fails());
    await vi.waitFor(() => expect(reports.spy).toHaveBeenCalled());
    const [code, errors] = takeReports(reports);
    expect(errors).toEqual([boom]);
    expect(code).toBe(1);
  });

  test("inside run() too, and the main task is not disturbed", async () => {
    const boom = new Error("forgotten child");
    function* fails() {
      throw boom;
    }
    function* main() {
      spawn(fails());
      yield* sleep(10);
      return "fine";
    }
    expect(await run(main())).toBe("fine");
    await vi.waitFor(() => expect(reports.spy).toHaveBeenCalled());
    const [code, errors] = takeReports(reports);
    expect(errors).toEqual([boom]);
    expect(code).toBe(1);
  });

  test("an error retrieved in time is not reported", async () => {
    const boom = new Error("handled");
    function* fails(): Generator<unknown, never, unknown> {
      throw boom;
    }
    function* main() {
      const a = spawn(fails());
      const b = spawn(fails());
      const c = spawn(fails());
      c.addDoneCallback(() => {});
      yield;
      let caught = 0;
      try {
        yield* a;
      } catch {
        caught++;
      }
      try {
        b.result();
      } catch {
        caught++;
      }
      return caught;
    }
    expect(await run(main())).toBe(2);
    await delay(5);
  });

  test("cancelled tasks are not reported", async () => {
    const t = spawn(
      (function* () {
        yield* sleep(10_000);
      })(),
    );
    await delay(2);
    t.cancel();
    await delay(10);
    expect(t.cancelled()).toBe(true);
  });
});

describe("errors and symbols", () => {
  test("error classes are distinct, named, and carry their data", () => {
    const c = new CancelledError("why");
    expect(c.name).toBe("CancelledError");
    expect(c.reason).toBe("why");
    expect(c.message).toMatch(/cancelled: why/);
    expect(new TimeoutError().name).toBe("TimeoutError");
    expect(new TimeoutError()).not.toBeInstanceOf(CancelledError);
    expect(c).not.toBeInstanceOf(TimeoutError);
    expect(new WouldBlockError().name).toBe("WouldBlockError");
    expect(new QueueClosedError().name).toBe("QueueClosedError");
    const s = new SuppressedError("new", "old", "msg");
    expect(s).toBeInstanceOf(Error);
    expect(s.name).toBe("SuppressedError");
    expect([s.error, s.suppressed, s.message]).toEqual(["new", "old", "msg"]);
  });

  test("protocol symbols are the registered ones", () => {
    expect(yieldingIterator).toBe(Symbol.for("yielding.iterator"));
    expect(yieldingEnter).toBe(Symbol.for("yielding.enter"));
    expect(yieldingExit).toBe(Symbol.for("yielding.exit"));
  });

  test("checkpoint() is where a pending cancellation lands", async () => {
    const log: string[] = [];
    function* busy() {
      for (let i = 0; ; i++) {
        log.push(`step ${i}`);
        yield* checkpoint();
      }
    }
    const t = spawn(busy());
    await delay(0);
    t.cancel();
    expect(await rejection(t)).toBeInstanceOf(CancelledError);
    const steps = log.length;
    await delay(5);
    expect(log.length).toBe(steps);
  });
});
