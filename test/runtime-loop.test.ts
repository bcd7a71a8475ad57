import { describe, expect, test, vi } from "vitest";
import { Future, checkpoint, run, sleep, spawn, type Task } from "../runtime/index.js";
import { callAt, cancelTimer, now } from "../runtime/loop.js";
import { guardReports } from "./helpers/runtime.js";

guardReports();

describe("ready queue", () => {
  test("tasks take turns in FIFO order", async () => {
    const log: string[] = [];
    function* worker(name: string) {
      for (let i = 0; i < 3; i++) {
        log.push(`${name}${i}`);
        yield;
      }
    }
    function* main() {
      const tasks = ["a", "b", "c"].map((n) => spawn(worker(n)));
      for (const t of tasks) yield* t;
    }
    await run(main());
    expect(log).toEqual(["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"]);
  });

  test("checkpoint() and a bare yield are the same: back of the queue", async () => {
    const log: string[] = [];
    function* bare() {
      for (let i = 0; i < 3; i++) {
        log.push(`bare ${i}`);
        yield;
      }
    }
    function* viaCheckpoint() {
      for (let i = 0; i < 3; i++) {
        log.push(`checkpoint ${i}`);
        yield* checkpoint();
      }
    }
    function* main() {
      const a = spawn(bare());
      const b = spawn(viaCheckpoint());
      yield* a;
      yield* b;
    }
    await run(main());
    expect(log).toEqual(["bare 0", "checkpoint 0", "bare 1", "checkpoint 1", "bare 2", "checkpoint 2"]);
  });

  test("a task's first step runs on a later turn, after the spawner suspends", async () => {
    const log: string[] = [];
    function* child() {
      log.push("child");
    }
    function* main() {
      spawn(child());
      log.push("after spawn");
      yield;
      log.push("after yield");
    }
    await run(main());
    expect(log).toEqual(["after spawn", "child", "after yield"]);
  });
});

describe("never starves the host", () => {
  test.each([
    ["futures", true],
    ["bare yields", false],
  ])("a ping-pong of two tasks (%s) lets a 10 ms setTimeout fire on time", async (_label, useFutures) => {
    const start = performance.now();
    let firedAfter = -1;
    setTimeout(() => (firedAfter = performance.now() - start), 10);
    let rounds = 0;
    const boxes = [new Future<void>(), new Future<void>()];
    function* player(me: number) {
      const other = 1 - me;
      while (performance.now() - start < 300) {
        if (useFutures) {
          yield* boxes[me]!;
          boxes[me] = new Future<void>();
          boxes[other]!.setResult();
        } else {
          yield;
        }
        rounds++;
      }
      if (useFutures && !boxes[other]!.done()) boxes[other]!.setResult();
    }
    function* main() {
      const a = spawn(player(0));
      const b = spawn(player(1));
      boxes[0]!.setResult();
      yield* a;
      yield* b;
    }
    await run(main());
    expect(performance.now() - start).toBeGreaterThanOrEqual(300);
    expect(rounds).toBeGreaterThan(1000);
    expect(firedAfter).toBeGreaterThan(0);
    expect(firedAfter).toBeLessThan(100);
  });
});

describe("timers", () => {
  test("sleep(ms, value) settles with the value after ms", async () => {
    const start = performance.now();
    function* main() {
      return yield* sleep(20, "late");
    }
    expect(await run(main())).toBe("late");
    expect(performance.now() - start).toBeGreaterThanOrEqual(19);
  });

  test("sleepers wake in deadline order, equal durations in the order they started", async () => {
    const log: string[] = [];
    function* sleeper(name: string, ms: number) {
      yield* sleep(ms);
      log.push(name);
    }
    function* main() {
      const tasks = [
        spawn(sleeper("c30", 30)),
        spawn(sleeper("a10", 10)),
        spawn(sleeper("x20", 20)),
        spawn(sleeper("y20", 20)),
        spawn(sleeper("z20", 20)),
        spawn(sleeper("b0", 0)),
      ];
      for (const t of tasks) yield* t;
    }
    await run(main());
    expect(log).toEqual(["b0", "a10", "x20", "y20", "z20", "c30"]);
  });

  test("timers with exactly equal deadlines run FIFO", async () => {
    const log: number[] = [];
    const deadline = now() + 5;
    const done = new Future<void>();
    for (let i = 0; i < 10; i++) callAt(deadline, (n: number) => log.push(n), i);
    callAt(deadline - 1, (n: number) => log.push(n), -1);
    callAt(deadline, () => done.setResult(), undefined);
    await done;
    expect(log).toEqual([-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("a cancelled timer never runs", async () => {
    const log: string[] = [];
    const a = callAt(now() + 5, (s: string) => log.push(s), "a");
    callAt(now() + 5, (s: string) => log.push(s), "b");
    cancelTimer(a);
    cancelTimer(a);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(log).toEqual(["b"]);
  });

  test("a cancelled timer does not run even when it was already due", async () => {
    const log: string[] = [];
    const deadline = now() - 1;
    const done = new Future<void>();
    let b: ReturnType<typeof callAt> | undefined;
    callAt(deadline, () => {
      log.push("a");
      cancelTimer(b!);
    }, undefined);
    b = callAt(deadline, () => log.push("b"), undefined);
    callAt(deadline, () => done.setResult(), undefined);
    await done;
    expect(log).toEqual(["a"]);
  });

  test("thousands of timers with ties and cancellations fire in (deadline, creation) order", async () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const base = now() - 200;
    const log: number[] = [];
    const expected: [number, number][] = [];
    const timers = [];
    for (let i = 0; i < 3000; i++) {
      const deadline = base + random(100) + (random(4) === 0 ? 0.5 : 0);
      timers.push(callAt(deadline, (n: number) => log.push(n), i));
      expected.push([deadline, i]);
    }
    const cancelled = new Set<number>();
    for (let k = 0; k < 1000; k++) {
      const i = random(3000);
      cancelTimer(timers[i]!);
      cancelled.add(i);
    }
    const done = new Future<void>();
    callAt(base + 100, () => done.setResult(), undefined);
    await done;
    const order = expected
      .filter(([, i]) => !cancelled.has(i))
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .map(([, i]) => i);
    expect(log).toEqual(order);
  });

  test("100,000 concurrent sleeping tasks complete", async () => {
    const N = 100_000;
    function* sleeper(i: number) {
      yield* sleep(i % 50);
      return i;
    }
    function* main() {
      const tasks: Task<number>[] = [];
      for (let i = 0; i < N; i++) tasks.push(spawn(sleeper(i)));
      let sum = 0;
      for (const t of tasks) sum += yield* t;
      return sum;
    }
    expect(await run(main())).toBe((N * (N - 1)) / 2);
  });

  test("cancelling the task sleeping removes its timer (the host timer is cleared)", async () => {
    const set = vi.spyOn(globalThis, "setTimeout");
    const clear = vi.spyOn(globalThis, "clearTimeout");
    try {
      let started = false;
      function* sleeper() {
        started = true;
        yield* sleep(60_000);
      }
      const t = spawn(sleeper());
      while (!started) await new Promise((resolve) => setTimeout(resolve, 1));
      const armed = set.mock.results[set.mock.calls.findIndex((args) => Number(args[1]) > 59_000)];
      expect(armed).toBeDefined();
      t.cancel();
      await expect(t).rejects.toThrow(/cancelled/);
      expect(clear).toHaveBeenCalledWith(armed!.value);
    } finally {
      set.mockRestore();
      clear.mockRestore();
    }
  });

  test("a sleep future someone else still waits for keeps its timer", async () => {
    const shared = sleep(10, "shared");
    function* sleeper() {
      yield* shared;
    }
    const t = spawn(sleeper());
    await new Promise((resolve) => setTimeout(resolve, 1));
    const other = shared.then((v) => v);
    t.cancel();
    await expect(t).rejects.toThrow(/cancelled/);
    expect(await other).toBe("shared");
  });
});
