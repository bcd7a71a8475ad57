import { describe, expect, test } from "vitest";
import {
  CancelledError,
  Event,
  Lock,
  Semaphore,
  TimeoutError,
  gather,
  race,
  run,
  sleep,
  spawn,
  waitFor,
} from "../runtime/index.js";
import { delay, guardReports, rejection } from "./helpers/runtime.js";

guardReports();

describe("Lock", () => {
  test("one holder at a time; waiters served first come, first served", async () => {
    const lock = new Lock();
    const log: string[] = [];
    let inside = 0;
    function* worker(name: string) {
      yield* lock.acquire();
      try {
        inside++;
        expect(inside).toBe(1);
        log.push(`${name} in`);
        yield* sleep(2);
        log.push(`${name} out`);
      } finally {
        inside--;
        lock.release();
      }
    }
    function* main() {
      yield* gather(worker("a"), worker("b"), worker("c"));
    }
    await run(main());
    expect(log).toEqual(["a in", "a out", "b in", "b out", "c in", "c out"]);
    expect(lock.locked()).toBe(false);
  });

  test("acquiring a free lock does not suspend", async () => {
    const lock = new Lock();
    const log: string[] = [];
    function* main() {
      spawn((function* () { log.push("other"); })());
      const f = lock.acquire();
      expect(f.done()).toBe(true);
      yield* f;
      log.push("acquired");
      expect(lock.locked()).toBe(true);
      lock.release();
      yield;
    }
    await run(main());
    expect(log).toEqual(["acquired", "other"]);
  });

  test("releasing an unlocked lock throws", () => {
    expect(() => new Lock().release()).toThrow(/Lock\.release\(\): released more often than acquired/);
  });

  test("a task cancelled while waiting to acquire takes nothing: the lock goes to the next waiter", async () => {
    const lock = new Lock();
    const log: string[] = [];
    function* waiter(name: string) {
      yield* lock.acquire();
      log.push(`${name} has it`);
      lock.release();
    }
    lock.acquire();
    const a = spawn(waiter("a"));
    const b = spawn(waiter("b"));
    await delay(2);
    a.cancel();
    expect(await rejection(a)).toBeInstanceOf(CancelledError);
    lock.release();
    await b;
    expect(log).toEqual(["b has it"]);
    expect(lock.locked()).toBe(false);
  });

  test("a lock handed to a waiter cancelled before it resumed is passed on, not leaked", async () => {
    const lock = new Lock();
    const log: string[] = [];
    function* waiter(name: string) {
      yield* lock.acquire();
      log.push(`${name} has it`);
      lock.release();
    }
    lock.acquire();
    const a = spawn(waiter("a"));
    const b = spawn(waiter("b"));
    await delay(2);
    lock.release();
    a.cancel();
    expect(await rejection(a)).toBeInstanceOf(CancelledError);
    await b;
    expect(log).toEqual(["b has it"]);
    expect(lock.locked()).toBe(false);
  });

  test("acquire under waitFor or in a lost race is withdrawn", async () => {
    const lock = new Lock();
    lock.acquire();
    expect(await rejection(waitFor(lock.acquire(), 2))).toBeInstanceOf(TimeoutError);
    function* main() {
      return yield* race(lock.acquire(), sleep(2, "gave up"));
    }
    expect(await run(main())).toBe("gave up");
    lock.release();
    expect(lock.locked()).toBe(false);
  });
});

describe("Semaphore", () => {
  test("at most n holders at a time", async () => {
    const sem = new Semaphore(3);
    let inside = 0;
    let most = 0;
    function* worker() {
      yield* sem.acquire();
      try {
        most = Math.max(most, ++inside);
        yield* sleep(2);
      } finally {
        inside--;
        sem.release();
      }
    }
    function* main() {
      yield* gather(...Array.from({ length: 10 }, worker));
    }
    await run(main());
    expect(most).toBe(3);
    expect(sem.available).toBe(3);
  });

  test("FIFO: waiters get permits in the order they asked", async () => {
    const sem = new Semaphore(1);
    const log: number[] = [];
    function* worker(i: number) {
      yield* sem.acquire();
      log.push(i);
      yield* sleep(1);
      sem.release();
    }
    function* main() {
      yield* gather(...[0, 1, 2, 3, 4].map(worker));
    }
    await run(main());
    expect(log).toEqual([0, 1, 2, 3, 4]);
  });

  test("bounded: releasing more often than acquiring throws; n must be a positive integer", () => {
    const sem = new Semaphore(2);
    sem.acquire();
    expect(sem.available).toBe(1);
    expect(sem.locked()).toBe(false);
    sem.acquire();
    expect(sem.locked()).toBe(true);
    sem.release();
    sem.release();
    expect(() => sem.release()).toThrow(/Semaphore\.release\(\)/);
    expect(() => new Semaphore(0)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
  });

  test("cancelled waiters never leak a permit", async () => {
    const sem = new Semaphore(2);
    sem.acquire();
    sem.acquire();
    function* waiter() {
      yield* sem.acquire();
      sem.release();
    }
    const waiters = Array.from({ length: 4 }, () => spawn(waiter()));
    await delay(2);
    waiters[0]!.cancel();
    sem.release();
    waiters[1]!.cancel();
    sem.release();
    waiters[2]!.cancel();
    for (const w of waiters.slice(0, 3)) expect(await rejection(w)).toBeInstanceOf(CancelledError);
    await waiters[3];
    expect(sem.available).toBe(2);
  });
});

describe("Event", () => {
  test("wait returns once the event is set; at once if it is set already", async () => {
    const ev = new Event();
    const log: string[] = [];
    function* waiter(name: string) {
      yield* ev.wait();
      log.push(name);
    }
    function* main() {
      const tasks = [spawn(waiter("a")), spawn(waiter("b"))];
      yield* sleep(2);
      expect(log).toEqual([]);
      expect(ev.isSet()).toBe(false);
      ev.set();
      ev.set();
      expect(ev.isSet()).toBe(true);
      yield* gather(...tasks);
      const f = ev.wait();
      expect(f.done()).toBe(true);
      yield* f;
      log.push("no wait");
    }
    await run(main());
    expect(log).toEqual(["a", "b", "no wait"]);
  });

  test("clear: later waits wait for the next set", async () => {
    const ev = new Event();
    ev.set();
    ev.clear();
    expect(ev.isSet()).toBe(false);
    const w = ev.wait();
    expect(w.done()).toBe(false);
    ev.set();
    await w;
  });

  test("a cancelled waiter leaves; the others are still woken", async () => {
    const ev = new Event();
    function* waiter() {
      yield* ev.wait();
      return "woken";
    }
    const a = spawn(waiter());
    const b = spawn(waiter());
    await delay(2);
    a.cancel();
    expect(await rejection(a)).toBeInstanceOf(CancelledError);
    ev.set();
    expect(await b).toBe("woken");
  });

  test("await works from plain async code", async () => {
    const ev = new Event();
    setTimeout(() => ev.set(), 2);
    await ev.wait();
    expect(ev.isSet()).toBe(true);
  });
});
