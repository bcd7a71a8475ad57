import { describe, expect, expectTypeOf, test } from "vitest";
import { Barrier, BrokenBarrierError, CancelledError, gather, run, sleep, spawn } from "../runtime/index.js";
import { delay, guardReports, rejection } from "./helpers/runtime.js";
import { withManager } from "./helpers/with-manager.js";

guardReports();

describe("Barrier", () => {
  test("wait() returns once all parties arrived, each with its arrival index", async () => {
    const barrier = new Barrier(3);
    const log: string[] = [];
    function* party(name: string, ms: number) {
      yield* sleep(ms);
      log.push(`${name} arrives`);
      const index = yield* barrier.wait();
      log.push(`${name} passes`);
      return index;
    }
    function* main() {
      return yield* gather(party("a", 6), party("b", 2), party("c", 4));
    }
    expect(await run(main())).toEqual([2, 0, 1]);
    expect(log).toEqual(["b arrives", "c arrives", "a arrives", "a passes", "b passes", "c passes"]);
  });

  test("the last arrival passes at once, without suspending; the barrier can be used again", async () => {
    const barrier = new Barrier(2);
    function* main() {
      const first = spawn(
        (function* () {
          return [yield* barrier.wait(), yield* barrier.wait()];
        })(),
      );
      yield* sleep(1);
      const last = barrier.wait();
      expect(last.done()).toBe(true);
      expect(yield* last).toBe(1);
      expect(barrier.waiting).toBe(0);
      yield* sleep(1);
      expect(barrier.waiting).toBe(1);
      expect(yield* barrier.wait()).toBe(1);
      return yield* first;
    }
    expect(await run(main())).toEqual([0, 0]);
  });

  test("parties, waiting and broken tell its state; parties must be a positive integer", async () => {
    const barrier = new Barrier(3);
    expect(barrier.parties).toBe(3);
    expect(barrier.waiting).toBe(0);
    expect(barrier.broken).toBe(false);
    const t = spawn(
      (function* () {
        yield* barrier.wait();
      })(),
    );
    await delay(2);
    expect(barrier.waiting).toBe(1);
    barrier.abort();
    await rejection(t);
    expect(() => new Barrier(0)).toThrow(RangeError);
    expect(() => new Barrier(1.5)).toThrow(/positive integer/);
  });

  test("abort() breaks it: the waiting tasks and every later wait() throw BrokenBarrierError until reset()", async () => {
    const barrier = new Barrier(3);
    function* party() {
      return yield* barrier.wait();
    }
    const waiting = [spawn(party()), spawn(party())];
    await delay(2);
    barrier.abort();
    expect(barrier.broken).toBe(true);
    for (const t of waiting) expect(await rejection(t)).toBeInstanceOf(BrokenBarrierError);
    expect(await rejection(barrier.wait())).toBeInstanceOf(BrokenBarrierError);
    barrier.reset();
    expect(barrier.broken).toBe(false);
    const again = [spawn(party()), spawn(party()), spawn(party())];
    expect(await Promise.all(again)).toEqual([0, 1, 2]);
  });

  test("reset() sends the waiting tasks BrokenBarrierError and empties the barrier, unbroken", async () => {
    const barrier = new Barrier(2);
    function* party() {
      return yield* barrier.wait();
    }
    const early = spawn(party());
    await delay(2);
    barrier.reset();
    const error = await rejection(early);
    expect(error).toBeInstanceOf(BrokenBarrierError);
    expect((error as Error).name).toBe("BrokenBarrierError");
    const fromAnotherCopy = Object.create({ [Symbol.for("yielding.error")]: "BrokenBarrierError" }) as object;
    expect(fromAnotherCopy instanceof BrokenBarrierError).toBe(true);
    expect(barrier.broken).toBe(false);
    expect(barrier.waiting).toBe(0);
    expect(await Promise.all([spawn(party()), spawn(party())])).toEqual([0, 1]);
  });

  test("a task cancelled while it waits leaves no trace: the barrier still needs as many, and indices stay distinct", async () => {
    const barrier = new Barrier(3);
    function* party() {
      return yield* barrier.wait();
    }
    const cancelled = spawn(party());
    const first = spawn(party());
    await delay(2);
    expect(barrier.waiting).toBe(2);
    cancelled.cancel();
    expect(await rejection(cancelled)).toBeInstanceOf(CancelledError);
    expect(barrier.broken).toBe(false);
    expect(barrier.waiting).toBe(1);
    const second = spawn(party());
    await delay(2);
    expect(second.done()).toBe(false);
    const third = spawn(party());
    expect(await Promise.all([first, second, third])).toEqual([0, 1, 2]);
  });

  test("a party cancelled after the barrier tripped, before it resumed, leaves the others passed", async () => {
    const barrier = new Barrier(2);
    function* party() {
      return yield* barrier.wait();
    }
    const early = spawn(party());
    await delay(2);
    function* lastAndCancel() {
      const index = yield* barrier.wait();
      early.cancel();
      return index;
    }
    expect(await run(lastAndCancel())).toBe(1);
    expect(await rejection(early)).toBeInstanceOf(CancelledError);
    expect(barrier.broken).toBe(false);
    expect(barrier.waiting).toBe(0);
  });

  test("as a context manager, entering waits and binds the arrival index", async () => {
    const barrier = new Barrier(2);
    function* party() {
      return yield* withManager(barrier, function* (index) {
        expectTypeOf(index).toEqualTypeOf<number>();
        return index;
      });
    }
    function* main() {
      return yield* gather(party(), party());
    }
    expect(await run(main())).toEqual([0, 1]);
  });
});
