import { describe, expect, test } from "vitest";
import {
  CancelledError,
  Future,
  Queue,
  QueueClosedError,
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

/** Everything left in the queue, taken without waiting. */
function drain<T>(q: Queue<T>): T[] {
  const out: T[] = [];
  while (q.size > 0) out.push((q.tryGet() as { value: T }).value);
  return out;
}

describe("put and get", () => {
  test("first in, first out; unbounded without a capacity", async () => {
    const q = new Queue<number>();
    expect(q.capacity).toBe(Infinity);
    function* main() {
      for (let i = 0; i < 1000; i++) yield* q.put(i);
      expect(q.size).toBe(1000);
      const got: number[] = [];
      for (let i = 0; i < 1000; i++) got.push(yield* q.get());
      return got;
    }
    expect(await run(main())).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(q.size).toBe(0);
  });

  test("get of an available item is a settled future: yield* does not suspend", async () => {
    const q = new Queue<string>();
    const log: string[] = [];
    function* other() {
      log.push("other ran");
    }
    function* main() {
      q.tryPut("a");
      spawn(other());
      const f = q.get();
      expect(f.done()).toBe(true);
      log.push(`got ${yield* f}`);
      const p = q.put("b");
      expect(p.done()).toBe(true);
      yield* p;
      log.push("put did not suspend");
      yield;
    }
    await run(main());
    expect(log).toEqual(["got a", "put did not suspend", "other ran"]);
  });

  test("a put to a waiting getter hands the item straight over", async () => {
    const q = new Queue<string>(1);
    function* getter() {
      return yield* q.get();
    }
    const t = spawn(getter());
    await delay(1);
    q.tryPut("direct");
    expect(q.size).toBe(0);
    expect(await t).toBe("direct");
  });

  test("waiting getters are served first come, first served", async () => {
    const q = new Queue<number>();
    const log: string[] = [];
    function* getter(name: string) {
      log.push(`${name} got ${yield* q.get()}`);
    }
    function* main() {
      const tasks = ["a", "b", "c"].map((n) => spawn(getter(n)));
      yield* sleep(1);
      for (let i = 1; i <= 3; i++) yield* q.put(i);
      yield* gather(...tasks);
    }
    await run(main());
    expect(log).toEqual(["a got 1", "b got 2", "c got 3"]);
  });

  test("a bounded queue makes put wait for room; waiting putters are served in order", async () => {
    const q = new Queue<string>(2);
    const log: string[] = [];
    function* putter(item: string) {
      yield* q.put(item);
      log.push(`put ${item}`);
    }
    function* main() {
      const tasks = ["a", "b", "c", "d"].map((item) => spawn(putter(item)));
      yield* sleep(2);
      expect(q.size).toBe(2);
      expect(log).toEqual(["put a", "put b"]);
      const got: string[] = [];
      for (let i = 0; i < 4; i++) got.push(yield* q.get());
      yield* gather(...tasks);
      return got;
    }
    expect(await run(main())).toEqual(["a", "b", "c", "d"]);
    expect(log).toEqual(["put a", "put b", "put c", "put d"]);
  });

  test("tryPut and tryGet never wait", () => {
    const q = new Queue<number>(1);
    expect(q.tryPut(1)).toBe(true);
    expect(q.tryPut(2)).toBe(false);
    expect(q.tryGet()).toEqual({ ok: true, value: 1 });
    expect(q.tryGet()).toEqual({ ok: false });
  });

  test("capacity 0 is a rendezvous: a put waits for a get, and the queue holds no item", async () => {
    const q = new Queue<string>(0);
    expect(q.tryPut("x")).toBe(false);
    const log: string[] = [];
    function* putter() {
      yield* q.put("hello");
      log.push("put returned");
    }
    function* getter() {
      return yield* q.get();
    }
    const t = spawn(putter());
    await delay(2);
    expect(log).toEqual([]);
    expect(q.size).toBe(0);
    expect(q.tryGet()).toEqual({ ok: false });
    expect(await spawn(getter())).toBe("hello");
    await t;
    expect(log).toEqual(["put returned"]);
    const waiting = spawn(getter());
    await delay(2);
    expect(q.tryPut("direct")).toBe(true);
    expect(await waiting).toBe("direct");
    expect(q.size).toBe(0);
  });

  test("a capacity that is not a non-negative integer is a RangeError", () => {
    expect(() => new Queue(-1)).toThrow(RangeError);
    expect(() => new Queue(1.5)).toThrow(/non-negative integer/);
    expect(() => new Queue(Number.NaN)).toThrow(RangeError);
  });

  test("yield* get() gives an item tryPut put in", async () => {
    const q = new Queue<{ id: number }>();
    q.tryPut({ id: 1 });
    function* main() {
      const item = yield* q.get();
      return item.id;
    }
    expect(await run(main())).toBe(1);
  });
});

describe("close", () => {
  test("items put before close are still delivered, then get throws QueueClosedError", async () => {
    const q = new Queue<number>();
    q.tryPut(1);
    q.tryPut(2);
    q.close();
    expect(q.closed).toBe(true);
    function* main() {
      const got = [yield* q.get(), yield* q.get()];
      try {
        yield* q.get();
      } catch (e) {
        got.push(e instanceof QueueClosedError ? -1 : -2);
      }
      return got;
    }
    expect(await run(main())).toEqual([1, 2, -1]);
    expect(() => q.tryGet()).toThrow(QueueClosedError);
  });

  test("put and tryPut on a closed queue throw QueueClosedError", async () => {
    const q = new Queue<number>();
    q.close();
    q.close();
    expect(() => q.tryPut(1)).toThrow(QueueClosedError);
    expect(await rejection(q.put(1))).toBeInstanceOf(QueueClosedError);
  });

  test("consumers waiting when the queue closes get QueueClosedError", async () => {
    const q = new Queue<number>();
    const log: string[] = [];
    function* consumer(name: string) {
      try {
        yield* q.get();
      } catch (e) {
        log.push(`${name}: ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    function* main() {
      const tasks = [spawn(consumer("a")), spawn(consumer("b"))];
      yield* sleep(2);
      q.close();
      yield* gather(...tasks);
    }
    await run(main());
    expect(log).toEqual([
      "a: QueueClosedError: The queue is closed: the queue closed while get() waited",
      "b: QueueClosedError: The queue is closed: the queue closed while get() waited",
    ]);
  });

  test("putters waiting when the queue closes get QueueClosedError, and their items are not added", async () => {
    const q = new Queue<string>(1);
    q.tryPut("kept");
    function* putter() {
      yield* q.put("dropped");
    }
    const t = spawn(putter());
    await delay(2);
    q.close();
    expect(await rejection(t)).toBeInstanceOf(QueueClosedError);
    expect(drain(q)).toEqual(["kept"]);
  });
});

describe("iteration", () => {
  test("a yielding loop takes items until the queue is closed and drained", async () => {
    const q = new Queue<number>(2);
    function* producer() {
      for (let i = 0; i < 10; i++) yield* q.put(i);
      q.close();
    }
    function* main() {
      spawn(producer());
      const got: unknown[] = [];
      for (const x of yielding q) got.push(x);
      return got;
    }
    expect(await run(main())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("several loops share one queue; each item goes to one of them", async () => {
    const q = new Queue<number>();
    const seen: number[][] = [[], []];
    function* consumer(k: number) {
      for (const x of yielding q) {
        seen[k]!.push(x);
        yield* sleep(1);
      }
    }
    function* main() {
      const consumers = [spawn(consumer(0)), spawn(consumer(1))];
      for (let i = 0; i < 20; i++) yield* q.put(i);
      q.close();
      yield* gather(...consumers);
    }
    await run(main());
    expect(seen[0]!.length).toBeGreaterThan(0);
    expect(seen[1]!.length).toBeGreaterThan(0);
    expect([...seen[0]!, ...seen[1]!].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  test("for await works too", async () => {
    const q = new Queue<string>();
    setTimeout(() => {
      q.tryPut("a");
      q.tryPut("b");
      q.close();
    }, 2);
    const got: string[] = [];
    for await (const item of q) got.push(item);
    expect(got).toEqual(["a", "b"]);
  });
});

describe("cancellation and no lost items", () => {
  test("a cancelled waiting getter leaves the line: the next put goes to the next getter", async () => {
    const q = new Queue<string>();
    function* getter() {
      return yield* q.get();
    }
    const first = spawn(getter());
    const second = spawn(getter());
    await delay(2);
    first.cancel();
    expect(await rejection(first)).toBeInstanceOf(CancelledError);
    q.tryPut("item");
    expect(await second).toBe("item");
  });

  test("an item handed to a getter cancelled before it resumed goes back to the front of the queue", async () => {
    const q = new Queue<string>();
    function* getter() {
      return yield* q.get();
    }
    const t = spawn(getter());
    await delay(2);
    q.tryPut("handed");
    q.tryPut("second");
    t.cancel();
    expect(await rejection(t)).toBeInstanceOf(CancelledError);
    expect(drain(q)).toEqual(["handed", "second"]);
  });

  test("...or to the next waiting getter", async () => {
    const q = new Queue<string>();
    function* getter() {
      return yield* q.get();
    }
    const first = spawn(getter());
    const second = spawn(getter());
    await delay(2);
    q.tryPut("handed");
    first.cancel();
    expect(await rejection(first)).toBeInstanceOf(CancelledError);
    expect(await second).toBe("handed");
  });

  test("a loop over the queue cancelled while waiting for an item loses nothing", async () => {
    const q = new Queue<number>();
    const got: unknown[] = [];
    function* consumer() {
      for (const x of yielding q) got.push(x);
    }
    const t = spawn(consumer());
    await delay(2);
    q.tryPut(1);
    t.cancel();
    expect(await rejection(t)).toBeInstanceOf(CancelledError);
    q.tryPut(2);
    expect(got).toEqual([]);
    expect(drain(q)).toEqual([1, 2]);
  });

  test("a loop told the queue closed, then cancelled before it resumed, puts nothing back", async () => {
    const q = new Queue<number>();
    function* consumer() {
      for (const _ of yielding q) {}
    }
    const t = spawn(consumer());
    await delay(2);
    q.close();
    t.cancel();
    expect(await rejection(t)).toBeInstanceOf(CancelledError);
    expect(q.size).toBe(0);
  });

  test("a cancelled waiting putter leaves the line and its item is not added", async () => {
    const q = new Queue<string>(1);
    q.tryPut("first");
    function* putter(item: string) {
      yield* q.put(item);
    }
    const a = spawn(putter("cancelled"));
    const b = spawn(putter("kept"));
    await delay(2);
    a.cancel();
    expect(await rejection(a)).toBeInstanceOf(CancelledError);
    expect(q.tryGet()).toEqual({ ok: true, value: "first" });
    await b;
    expect(drain(q)).toEqual(["kept"]);
  });

  test("a putter cancelled after a get made room adds nothing and passes its turn to the next putter", async () => {
    const q = new Queue<string>(1);
    q.tryPut("first");
    function* putter(item: string) {
      yield* q.put(item);
    }
    const a = spawn(putter("cancelled"));
    const b = spawn(putter("next"));
    await delay(2);
    expect(q.tryGet()).toEqual({ ok: true, value: "first" });
    a.cancel();
    expect(await rejection(a)).toBeInstanceOf(CancelledError);
    await delay(2);
    expect(b.done()).toBe(true);
    expect(drain(q)).toEqual(["next"]);
  });

  test("retrying a put that was cancelled after a get made room does not duplicate its item", async () => {
    const q = new Queue<string>(1);
    q.tryPut("first");
    function* stubbornPutter(item: string) {
      for (;;) {
        try {
          yield* q.put(item);
          return;
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
        }
      }
    }
    const t = spawn(stubbornPutter("once"));
    await delay(2);
    expect(q.tryGet()).toEqual({ ok: true, value: "first" });
    t.cancel();
    await t;
    expect(drain(q)).toEqual(["once"]);
  });

  test("a get that makes room reserves it for the longest waiting putter: a tryPut in between cannot take it", async () => {
    const q = new Queue<string>(1);
    q.tryPut("first");
    function* putter() {
      yield* q.put("waited");
    }
    const t = spawn(putter());
    await delay(2);
    expect(q.tryGet()).toEqual({ ok: true, value: "first" });
    expect(q.size).toBe(0);
    expect(q.tryPut("late")).toBe(false);
    await t;
    expect(drain(q)).toEqual(["waited"]);
  });

  test("a putter let in but not yet resumed when the queue closes gets QueueClosedError, and its item is not added", async () => {
    const q = new Queue<string>(1);
    q.tryPut("kept");
    function* putter() {
      yield* q.put("dropped");
    }
    const t = spawn(putter());
    await delay(2);
    expect(q.tryGet()).toEqual({ ok: true, value: "kept" });
    q.close();
    expect(await rejection(t)).toBeInstanceOf(QueueClosedError);
    expect(q.size).toBe(0);
    expect(() => q.tryGet()).toThrow(QueueClosedError);
  });

  test("a put awaited from async code, let in by a get, adds its item at once", async () => {
    const q = new Queue<string>(1);
    q.tryPut("first");
    const put = q.put("awaited");
    const done = put.then(() => "resolved");
    expect(q.tryGet()).toEqual({ ok: true, value: "first" });
    expect(q.size).toBe(1);
    expect(await done).toBe("resolved");
    expect(drain(q)).toEqual(["awaited"]);
  });

  test("a rendezvous putter cancelled after a get called for it delivers nothing; the get takes the next putter's item", async () => {
    const q = new Queue<string>(0);
    function* putter(item: string) {
      yield* q.put(item);
    }
    const a = spawn(putter("cancelled"));
    const b = spawn(putter("next"));
    await delay(2);
    function* getter() {
      const get = q.get(); // lets the first putter in
      a.cancel(); // before it resumes
      return yield* get;
    }
    const get = spawn(getter());
    expect(await rejection(a)).toBeInstanceOf(CancelledError);
    expect(await get).toBe("next");
    await b;
    expect(q.size).toBe(0);
  });

  test("a rendezvous getter cancelled before the putter it let in resumed: that put still completes, and its item waits in the queue", async () => {
    const q = new Queue<string>(0);
    function* putter() {
      yield* q.put("kept");
    }
    const p = spawn(putter());
    await delay(2);
    function* getter() {
      return yield* q.get(); // lets the putter in
    }
    const g = spawn(getter());
    function* canceller() {
      g.cancel();
    }
    spawn(canceller());
    expect(await rejection(g)).toBeInstanceOf(CancelledError);
    await p;
    expect(drain(q)).toEqual(["kept"]);
  });

  test("a get that loses a race is withdrawn, so it never eats an item", async () => {
    const q = new Queue<string>();
    function* main() {
      const first = yield* race(q.get(), sleep(2, "timeout"));
      q.tryPut("item");
      const second = yield* q.get();
      return [first, second];
    }
    expect(await run(main())).toEqual(["timeout", "item"]);
    expect(q.size).toBe(0);
  });

  test("a get that settled but lost the race is given back", async () => {
    const q = new Queue<string>();
    const gate = new Future<string>();
    function* main() {
      const get = q.get();
      const r = race(gate, get);
      gate.setResult("gate");
      q.tryPut("item");
      return yield* r;
    }
    expect(await run(main())).toBe("gate");
    expect(drain(q)).toEqual(["item"]);
  });

  test("waitFor(q.get(), ms) times out without losing the next item", async () => {
    const q = new Queue<string>();
    expect(await rejection(waitFor(q.get(), 2))).toBeInstanceOf(TimeoutError);
    q.tryPut("next");
    expect(drain(q)).toEqual(["next"]);
  });

  test("gets a failed gather no longer needs give their items back", async () => {
    const q = new Queue<string>();
    const boom = new Error("boom");
    function* fails(): Generator<unknown, never, unknown> {
      yield* sleep(1);
      throw boom;
    }
    function* main() {
      try {
        yield* gather(fails(), q.get());
      } catch (e) {
        expect(e).toBe(boom);
      }
      q.tryPut("item");
      yield* sleep(2);
    }
    await run(main());
    expect(drain(q)).toEqual(["item"]);
  });
});

describe("join and taskDone", () => {
  test("join waits until taskDone was called once for every item put", async () => {
    const q = new Queue<number>();
    const log: string[] = [];
    function* worker() {
      for (;;) {
        const n = yield* q.get();
        yield* sleep(1);
        log.push(`done ${n}`);
        q.taskDone();
      }
    }
    function* main() {
      spawn(worker());
      for (let i = 1; i <= 3; i++) yield* q.put(i);
      expect(q.unfinished).toBe(3);
      yield* q.join();
      log.push("joined");
      expect(q.unfinished).toBe(0);
    }
    await run(main());
    expect(log).toEqual(["done 1", "done 2", "done 3", "joined"]);
  });

  test("join returns at once, without suspending, when nothing is unfinished", async () => {
    const q = new Queue<number>();
    expect(q.join().done()).toBe(true);
    q.tryPut(1);
    expect(q.join().done()).toBe(false);
    q.tryGet();
    expect(q.join().done()).toBe(false);
    q.taskDone();
    expect(q.join().done()).toBe(true);
  });

  test("an item handed straight to a getter counts, and so does one given back by a cancelled getter, once", async () => {
    const q = new Queue<string>();
    function* getter() {
      return yield* q.get();
    }
    const t = spawn(getter());
    await delay(2);
    q.tryPut("handed");
    expect(q.unfinished).toBe(1);
    t.cancel();
    expect(await rejection(t)).toBeInstanceOf(CancelledError);
    expect(q.unfinished).toBe(1);
    expect(q.tryGet()).toEqual({ ok: true, value: "handed" });
    q.taskDone();
    expect(q.unfinished).toBe(0);
  });

  test("a cancelled put adds no unfinished task", async () => {
    const q = new Queue<string>(1);
    q.tryPut("first");
    function* putter() {
      yield* q.put("cancelled");
    }
    const t = spawn(putter());
    await delay(2);
    q.tryGet();
    t.cancel();
    expect(await rejection(t)).toBeInstanceOf(CancelledError);
    q.taskDone();
    expect(q.join().done()).toBe(true);
  });

  test("taskDone more often than items were put is a RangeError", () => {
    const q = new Queue<number>();
    expect(() => q.taskDone()).toThrow(RangeError);
    q.tryPut(1);
    q.taskDone();
    expect(() => q.taskDone()).toThrow(/more often than items were put/);
  });

  test("a task cancelled in join leaves no trace; other joiners still wake", async () => {
    const q = new Queue<number>();
    q.tryPut(1);
    function* joiner() {
      yield* q.join();
      return "joined";
    }
    const cancelled = spawn(joiner());
    const other = spawn(joiner());
    await delay(2);
    cancelled.cancel();
    expect(await rejection(cancelled)).toBeInstanceOf(CancelledError);
    q.tryGet();
    q.taskDone();
    expect(await other).toBe("joined");
  });
});

describe("scheduler quality", () => {
  test("a busy ping-pong through two queues lets a 10 ms setTimeout fire on time", async () => {
    const start = performance.now();
    let firedAfter = -1;
    setTimeout(() => (firedAfter = performance.now() - start), 10);
    const ping = new Queue<number>(1);
    const pong = new Queue<number>(1);
    let rounds = 0;
    function* player(inbox: Queue<number>, outbox: Queue<number>) {
      for (;;) {
        const n = yield* inbox.get();
        rounds++;
        if (performance.now() - start > 300) {
          outbox.close();
          return;
        }
        yield* outbox.put(n + 1);
      }
    }
    function* main() {
      const a = spawn(player(ping, pong));
      const b = spawn(player(pong, ping));
      yield* ping.put(0);
      yield* race(a, b);
      a.cancel();
      b.cancel();
    }
    await run(main());
    expect(rounds).toBeGreaterThan(1000);
    expect(firedAfter).toBeGreaterThan(0);
    expect(firedAfter).toBeLessThan(100);
  });

  test("300,000 items through a small queue, producer and consumer in step", async () => {
    const N = 300_000;
    const q = new Queue<number>(16);
    function* producer() {
      for (let i = 0; i < N; i++) yield* q.put(i);
      q.close();
    }
    function* consumer(): Generator<unknown, number, unknown> {
      let sum = 0;
      let count = 0;
      for (;;) {
        let item: number;
        try {
          item = yield* q.get();
        } catch (e) {
          if (e instanceof QueueClosedError) break;
          throw e;
        }
        sum += item;
        count++;
      }
      expect(count).toBe(N);
      return sum;
    }
    function* main() {
      spawn(producer());
      return yield* spawn(consumer());
    }
    expect(await run(main())).toBe((N * (N - 1)) / 2);
  });
});
