import { describe, expect, test } from "vitest";
import {
  CancelledError,
  Future,
  TaskGroup,
  TimeoutError,
  currentTask,
  run,
  sleep,
  spawn,
  taskGroup,
  timeout,
  yieldingEnter,
  type Coroutine,
  type Task,
} from "../runtime/index.js";
import { delay, guardReports, rejection, takeReports } from "./helpers/runtime.js";
import { withManager } from "./helpers/with-manager.js";

const reports = guardReports();

/** What a coroutine threw, or "no error". */
function* caught(coro: Coroutine<unknown>): Coroutine<unknown> {
  try {
    yield* coro;
  } catch (e) {
    return e;
  }
  return "no error";
}

/** A task that sleeps `ms`, logs how it ended, and returns `value`. */
function* sleeper<T>(log: string[], name: string, ms: number, value?: T): Coroutine<T | undefined> {
  try {
    yield* sleep(ms);
    log.push(`${name} done`);
    return value;
  } catch (e) {
    log.push(`${name} ${(e as Error).name}`);
    throw e;
  }
}

/** A task that fails with `error` after `ms`. */
function* failer(ms: number, error: unknown): Coroutine<never> {
  yield* sleep(ms);
  throw error;
}

describe("taskGroup()", () => {
  test("exit waits for every task of the group; the body's result is unchanged", async () => {
    const log: string[] = [];
    function* main() {
      let tasks: Task<unknown>[] = [];
      const result = yield* withManager(taskGroup(), function* (g) {
        expect(g).toBeInstanceOf(TaskGroup);
        tasks = [g.spawn(sleeper(log, "c", 15, 3)), g.spawn(sleeper(log, "a", 1, 1)), g.spawn(sleeper(log, "b", 8, 2))];
        log.push("body done");
        return "body result";
      });
      log.push("after the block");
      return [result, tasks.map((t) => t.result())];
    }
    expect(await run(main())).toEqual(["body result", [3, 1, 2]]);
    expect(log).toEqual(["body done", "a done", "b done", "c done", "after the block"]);
  });

  test("spawned tasks start on a later turn, like spawn()", async () => {
    const log: string[] = [];
    function* main() {
      yield* withManager(taskGroup(), function* (g) {
        g.spawn(
          (function* () {
            log.push("child runs");
          })(),
        );
        log.push("body goes on");
      });
    }
    await run(main());
    expect(log).toEqual(["body goes on", "child runs"]);
  });

  test("a failing task cancels the body and the other tasks; exit throws an AggregateError of the real failures only", async () => {
    const log: string[] = [];
    const boom = new Error("boom");
    function* main() {
      const started = Date.now();
      const error = yield* caught(
        withManager(taskGroup(), function* (g) {
          g.spawn(sleeper(log, "sibling", 10_000));
          g.spawn(failer(5, boom));
          try {
            yield* sleep(10_000);
          } catch (e) {
            log.push(`body ${(e as Error).name}`);
            throw e;
          }
        }),
      );
      return [error, Date.now() - started] as const;
    }
    const [error, elapsed] = await run(main());
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors).toEqual([boom]);
    expect((error as AggregateError).message).toBe("1 task of the group failed");
    expect(log.sort()).toEqual(["body CancelledError", "sibling CancelledError"]);
    expect(elapsed).toBeLessThan(5_000);
  });

  test("failures are listed in the order they happened, including one in a task's cleanup", async () => {
    const first = new Error("first");
    const inCleanup = new Error("cleanup failed");
    function* badCleanup(): Coroutine<void> {
      try {
        yield* sleep(10_000);
      } finally {
        yield* sleep(1);
        throw inCleanup;
      }
    }
    function* main() {
      return yield* caught(
        withManager(taskGroup(), function* (g) {
          g.spawn(badCleanup());
          g.spawn(failer(3, first));
        }),
      );
    }
    const error = (await run(main())) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors).toEqual([first, inCleanup]);
    expect(error.message).toBe("2 tasks of the group failed");
  });

  test("the body throwing cancels the tasks and is in the AggregateError (and its cause)", async () => {
    const log: string[] = [];
    const bodyError = new RangeError("body failed");
    const late = new Error("failed while being cancelled");
    function* failsWhenCancelled(): Coroutine<void> {
      try {
        yield* sleep(10_000);
      } catch {
        throw late;
      }
    }
    function* main() {
      return yield* caught(
        withManager(taskGroup(), function* (g) {
          g.spawn(sleeper(log, "a", 10_000));
          g.spawn(failsWhenCancelled());
          yield* sleep(2);
          throw bodyError;
        }),
      );
    }
    const error = (await run(main())) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors).toEqual([bodyError, late]);
    expect(error.message).toBe("the body and 1 task of the group failed");
    expect(error.cause).toBe(bodyError);
    expect(log).toEqual(["a CancelledError"]);
  });

  test("a body that fails without suspending, with no tasks left: 'the body of the group failed'", async () => {
    const bodyError = new Error("at once");
    function* main() {
      return yield* caught(
        withManager(taskGroup(), function* () {
          throw bodyError;
        }),
      );
    }
    const error = (await run(main())) as AggregateError;
    expect(error.errors).toEqual([bodyError]);
    expect(error.message).toBe("the body of the group failed");
  });

  test("the body waiting for the task that fails: one failure, not reported as unhandled", async () => {
    const boom = new Error("boom");
    function* main() {
      const error = yield* caught(
        withManager(taskGroup(), function* (g) {
          yield* g.spawn(failer(2, boom));
        }),
      );
      yield* sleep(5); // the task goes on normally: the group's cancellation is not pending any more
      return [error, currentTask()!._cancelPending];
    }
    const [error, pending] = await run(main());
    expect((error as AggregateError).errors).toEqual([boom]);
    expect(pending).toBeNull();
    await delay(10);
    expect(reports.spy).not.toHaveBeenCalled();
  });

  test("failed tasks of the group are never reported as errors nobody waited for", async () => {
    const errors = [new Error("one"), new Error("two")];
    function* main() {
      return yield* caught(
        withManager(taskGroup(), function* (g) {
          // The body does not wait for them: the group does.
          g.spawn(failer(1, errors[0]));
          g.spawn(failer(1, errors[1]));
        }),
      );
    }
    const error = (await run(main())) as AggregateError;
    expect(error.errors).toEqual(errors);
    await delay(10);
    expect(reports.spy).not.toHaveBeenCalled();
    expect(process.exitCode).toBe(reports.exitCode);
  });

  test("a task of the group cancelled by someone else is not a failure", async () => {
    const log: string[] = [];
    function* main() {
      return yield* withManager(taskGroup(), function* (g) {
        const helper = g.spawn(sleeper(log, "helper", 10_000));
        g.spawn(sleeper(log, "worker", 5));
        yield* sleep(1);
        helper.cancel();
        return "fine";
      });
    }
    expect(await run(main())).toBe("fine");
    expect(log.sort()).toEqual(["helper CancelledError", "worker done"]);
  });

  test("the body's task cancelled from outside: the tasks are cancelled and waited for, and the CancelledError goes on", async () => {
    const log: string[] = [];
    function* slowToStop(): Coroutine<void> {
      try {
        yield* sleep(10_000);
      } finally {
        yield* sleep(10);
        log.push("slow child cleaned up");
      }
    }
    function* worker() {
      yield* withManager(taskGroup(), function* (g) {
        g.spawn(slowToStop());
        g.spawn(sleeper(log, "child", 10_000));
        yield* sleep(10_000);
      });
    }
    const task = spawn(worker());
    await delay(5);
    task.cancel("stop");
    const error = await rejection<CancelledError>(task);
    log.push("task settled");
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.reason).toBe("stop");
    expect(error).toBe(task.deliveredCancellation);
    expect(log).toEqual(["child CancelledError", "slow child cleaned up", "task settled"]);
  });

  test("a cancellation while exit waits for the tasks: they are cancelled, exit keeps waiting, then it goes on", async () => {
    const log: string[] = [];
    function* slowToStop(): Coroutine<void> {
      try {
        yield* sleep(10_000);
      } finally {
        yield* sleep(10);
        log.push("child cleaned up");
      }
    }
    function* worker() {
      yield* withManager(taskGroup(), function* (g) {
        g.spawn(slowToStop());
        log.push("body done");
      });
    }
    const task = spawn(worker());
    await delay(5);
    const cancelledAt = Date.now();
    task.cancel("stop");
    await delay(1);
    task.cancel("again"); // a second cancellation while exit waits changes nothing
    const error = await rejection<CancelledError>(task);
    log.push("task settled");
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(CancelledError);
    expect(log).toEqual(["body done", "child cleaned up", "task settled"]);
  });

  test("cancellation wins over the failures, which are then reported rather than lost", async () => {
    const late = new Error("cleanup failed");
    function* badCleanup(): Coroutine<void> {
      try {
        yield* sleep(10_000);
      } finally {
        throw late;
      }
    }
    function* worker() {
      yield* withManager(taskGroup(), function* (g) {
        g.spawn(badCleanup());
        yield* sleep(10_000);
      });
    }
    const task = spawn(worker());
    await delay(5);
    task.cancel("stop");
    const error = await rejection<CancelledError>(task);
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.reason).toBe("stop");
    const [code, errors] = takeReports(reports);
    expect(errors).toEqual([late]);
    expect(code).toBe(1);
  });

  test("an outside cancellation that joins the group's own cancellation of the body still goes on", async () => {
    // The body waits for a task outside the group that is slow to stop, so the group's
    // cancellation of the body stays on its way while the outside one comes.
    const boom = new Error("boom");
    function* slowToStop(): Coroutine<void> {
      try {
        yield* sleep(10_000);
      } finally {
        yield* sleep(20);
      }
    }
    function* worker() {
      yield* withManager(taskGroup(), function* (g) {
        g.spawn(failer(2, boom));
        yield* spawn(slowToStop());
      });
    }
    const task = spawn(worker());
    await delay(10);
    task.cancel("stop");
    const error = await rejection(task);
    expect(error).toBeInstanceOf(CancelledError);
    const [code, errors] = takeReports(reports);
    expect(errors).toEqual([boom]);
    expect(code).toBe(1);
  });

  test("after the AggregateError the task goes on normally (the group's cancellation is taken back)", async () => {
    function* main() {
      const error = yield* caught(
        withManager(taskGroup(), function* (g) {
          g.spawn(failer(1, new Error("x")));
          yield* sleep(10_000);
        }),
      );
      const value = yield* sleep(5, "still running");
      return [error, value, currentTask()!._cancelPending];
    }
    const [error, value, pending] = await run(main());
    expect(error).toBeInstanceOf(AggregateError);
    expect(value).toBe("still running");
    expect(pending).toBeNull();
  });

  test("a task that caught the AggregateError and went on is still cancelled when run() ends", async () => {
    const log: string[] = [];
    function* background() {
      try {
        yield* withManager(taskGroup(), function* (g) {
          g.spawn(failer(1, new Error("x")));
          yield* sleep(10_000);
        });
      } catch (e) {
        log.push((e as Error).name);
      }
      try {
        yield* sleep(10_000);
      } finally {
        log.push("cancelled when run() ended");
      }
    }
    function* main() {
      spawn(background());
      yield* sleep(20);
    }
    const outcome = await Promise.race([run(main()).then(() => "settled"), delay(3_000).then(() => "hung")]);
    expect(outcome).toBe("settled");
    expect(log).toEqual(["AggregateError", "cancelled when run() ended"]);
  });

  test("tasks of the group may spawn more tasks in it, also while exit waits; all are waited for", async () => {
    const log: string[] = [];
    function* main() {
      yield* withManager(taskGroup(), function* (g) {
        g.spawn(
          (function* () {
            yield* sleep(5);
            g.spawn(sleeper(log, "grandchild", 5));
          })(),
        );
      });
      log.push("after the block");
    }
    await run(main());
    expect(log).toEqual(["grandchild done", "after the block"]);
  });

  test("a task spawned while the group is cancelling its tasks is cancelled before it runs", async () => {
    const log: string[] = [];
    const boom = new Error("boom");
    let late: Task<unknown> | undefined;
    function* cleanupSpawns(g: TaskGroup): Coroutine<void> {
      try {
        yield* sleep(10_000);
      } finally {
        late = g.spawn(sleeper(log, "late", 1));
      }
    }
    function* main() {
      return yield* caught(
        withManager(taskGroup(), function* (g) {
          g.spawn(cleanupSpawns(g));
          g.spawn(failer(2, boom));
        }),
      );
    }
    const error = (await run(main())) as AggregateError;
    expect(error.errors).toEqual([boom]);
    expect(late!.cancelled()).toBe(true);
    expect(log).toEqual([]);
  });

  test("spawn after the group has exited, or before it is entered, is a TypeError", async () => {
    const unentered = taskGroup();
    expect(() => unentered.spawn(sleep(1) as never)).toThrow(TypeError);
    function* idle(): Coroutine<void> {}
    expect(() => unentered.spawn(idle())).toThrow(/not been entered/);
    function* main() {
      let group: TaskGroup | undefined;
      yield* withManager(taskGroup(), function* (g) {
        group = g;
      });
      return group!;
    }
    const group = await run(main());
    expect(() => group.spawn(idle())).toThrow(TypeError);
    expect(() => group.spawn(idle())).toThrow(/has finished/);
  });

  test("spawn takes coroutines only", async () => {
    function* main() {
      return yield* withManager(taskGroup(), function* (g) {
        return yield* caught(
          (function* () {
            g.spawn((() => 1) as never);
          })(),
        );
      });
    }
    expect(await run(main())).toBeInstanceOf(TypeError);
  });

  test("entering outside a task, or a second time, is a TypeError", async () => {
    expect(() => taskGroup()[yieldingEnter]()).toThrow(/inside a task/);
    function* main() {
      const group = taskGroup();
      yield* withManager(group, function* () {});
      return yield* caught(withManager(group, function* () {}));
    }
    const error = (await run(main())) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/already entered/);
  });

  test("inside timeout(): time running out cancels the body and the tasks, and the block is a TimeoutError", async () => {
    const log: string[] = [];
    function* main() {
      return yield* caught(
        withManager(timeout(10), function* () {
          yield* withManager(taskGroup(), function* (g) {
            g.spawn(sleeper(log, "a", 10_000));
            g.spawn(sleeper(log, "b", 10_000));
          });
        }),
      );
    }
    const error = await run(main());
    expect(error).toBeInstanceOf(TimeoutError);
    expect(log).toEqual(["a CancelledError", "b CancelledError"]);
  });

  test("nested groups: the inner group's failure fails the outer one", async () => {
    const log: string[] = [];
    const boom = new Error("boom");
    function* main() {
      return yield* caught(
        withManager(taskGroup(), function* (outer) {
          outer.spawn(sleeper(log, "outer child", 10_000));
          yield* withManager(taskGroup(), function* (inner) {
            inner.spawn(failer(2, boom));
            yield* sleep(10_000);
          });
        }),
      );
    }
    const error = (await run(main())) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.errors).toHaveLength(1);
    const innerError = error.errors[0] as AggregateError;
    expect(innerError).toBeInstanceOf(AggregateError);
    expect(innerError.errors).toEqual([boom]);
    expect(log).toEqual(["outer child CancelledError"]);
  });

  test("an error the body rethrows from a task of the group is one failure", async () => {
    const boom = new Error("boom");
    const handoff = new Future<void>();
    function* main() {
      return yield* caught(
        withManager(taskGroup(), function* (g) {
          g.spawn(
            (function* () {
              yield* sleep(1);
              handoff.setError(boom); // the body sees it before the group does
              throw boom;
            })(),
          );
          yield* handoff;
        }),
      );
    }
    const error = (await run(main())) as AggregateError;
    expect(error.errors).toEqual([boom]);
  });
});
