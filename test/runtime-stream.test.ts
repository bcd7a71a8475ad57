import { describe, expect, test } from "vitest";
import {
  CancelledError,
  Queue,
  Stream,
  currentTask,
  run,
  sleep,
  spawn,
  stream,
  toAsyncIterable,
  wait,
  yieldingIterator,
  type Emit,
  type Task,
  type YieldingIterable,
} from "../runtime/index.js";
import { delay, guardReports, rejection } from "./helpers/runtime.js";

guardReports();

describe("stream()", () => {
  test("emits values to a yielding loop; the body may wait in between", async () => {
    const numbers = stream<number>(function* (emit) {
      for (let i = 0; i < 3; i++) {
        yield* sleep(1);
        yield* emit(i);
      }
      yield* emit(yield* wait(Promise.resolve(10)));
    });
    expect(numbers).toBeInstanceOf(Stream);
    expect(await run((function* () { return [for (x of yielding numbers) x]; })())).toEqual([0, 1, 2, 10]);
  });

  test("backpressure: the body runs only as the consumer pulls, never ahead of it", async () => {
    const log: string[] = [];
    const s = stream<number>(function* (emit) {
      for (let i = 0; i < 3; i++) {
        log.push(`produce ${i}`);
        yield* emit(i);
        log.push(`resumed after ${i}`);
      }
      log.push("body ended");
    });
    function* main() {
      for (const x of yielding s) {
        log.push(`consume ${x}`);
        yield* sleep(2);
      }
    }
    await run(main());
    expect(log).toEqual([
      "produce 0",
      "consume 0",
      "resumed after 0",
      "produce 1",
      "consume 1",
      "resumed after 1",
      "produce 2",
      "consume 2",
      "resumed after 2",
      "body ended",
    ]);
  });

  test("the body runs in the consumer's task: no task of its own", async () => {
    const tasks = new Set<unknown>();
    const s = stream<number>(function* (emit) {
      tasks.add(currentTask());
      yield* sleep(1);
      tasks.add(currentTask());
      yield* emit(1);
      tasks.add(currentTask());
    });
    let consumer!: Task<unknown>;
    function* main() {
      consumer = currentTask()!;
      return [for (x of yielding s) x];
    }
    expect(await run(main())).toEqual([1]);
    expect([...tasks]).toEqual([consumer]);
  });

  test("nothing runs until the first pull; each loop runs the body afresh", async () => {
    let runs = 0;
    const s = stream<number>(function* (emit) {
      runs++;
      yield* emit(runs);
    });
    expect(runs).toBe(0);
    expect(await run((function* () { return [for (x of yielding s) x]; })())).toEqual([1]);
    expect(await run((function* () { return [for (x of yielding s) x]; })())).toEqual([2]);
  });

  test("a consumer that stops early closes the body: its finally runs, and may wait", async () => {
    const log: string[] = [];
    const ticks = stream<number>(function* (emit) {
      try {
        for (let i = 0; ; i++) yield* emit(i);
      } finally {
        yield* sleep(2);
        log.push("ticker stopped");
      }
    });
    function* main() {
      const seen: unknown[] = [];
      for (const t of yielding ticks) {
        seen.push(t);
        if (t === 3) break;
      }
      log.push("after loop");
      return seen;
    }
    expect(await run(main())).toEqual([0, 1, 2, 3]);
    expect(log).toEqual(["ticker stopped", "after loop"]);
  });

  test("an error in the body propagates to the consumer", async () => {
    const boom = new Error("producer failed");
    const s = stream<number>(function* (emit) {
      yield* emit(1);
      yield* sleep(1);
      throw boom;
    });
    const seen: unknown[] = [];
    function* main() {
      for (const x of yielding s) seen.push(x);
    }
    expect(await rejection(run(main()))).toBe(boom);
    expect(seen).toEqual([1]);
  });

  test("an error in the consumer's body closes the stream (its finally runs) and wins", async () => {
    const log: string[] = [];
    const oops = new Error("consumer failed");
    const s = stream<number>(function* (emit) {
      try {
        yield* emit(1);
        yield* emit(2);
      } finally {
        log.push("stream closed");
      }
    });
    function* main() {
      for (const _ of yielding s) throw oops;
    }
    expect(await rejection(run(main()))).toBe(oops);
    expect(log).toEqual(["stream closed"]);
  });

  test("a consumer cancelled while the body waits: the body gets the CancelledError there and cleans up", async () => {
    const log: string[] = [];
    const s = stream<number>(function* (emit) {
      try {
        yield* emit(1);
        yield* sleep(10_000);
        yield* emit(2);
      } catch (e) {
        log.push(`body caught ${(e as Error).name}`);
        throw e;
      } finally {
        yield* sleep(1);
        log.push("body finally");
      }
    });
    function* consumer() {
      for (const x of yielding s) log.push(`got ${x}`);
    }
    const t = spawn(consumer());
    await delay(5);
    t.cancel();
    expect(await rejection(t)).toBeInstanceOf(CancelledError);
    expect(log).toEqual(["got 1", "body caught CancelledError", "body finally"]);
  });

  test("emit while being closed, or another stream's emit, is a TypeError in the body", async () => {
    const stubborn = stream<number>(function* (emit) {
      try {
        yield* emit(1);
      } finally {
        yield* emit(2);
      }
    });
    function* main() {
      for (const _ of yielding stubborn) break;
    }
    expect(await rejection(run(main()))).toMatchObject({ message: expect.stringMatching(/cannot emit while it is being closed/) });

    let outerEmit!: Emit<number>;
    const outer = stream<number>(function* (emit) {
      outerEmit = emit;
      yield* emit(0);
    });
    const inner = stream<number>(function* () {
      yield* outerEmit(1);
    });
    function* both() {
      for (const _ of yielding outer) {
        for (const _inner of yielding inner) {}
      }
    }
    expect(await rejection(run(both()))).toMatchObject({ message: expect.stringMatching(/outside the body of the stream/) });
  });

  test("one run is for one consumer at a time", async () => {
    const s = stream<number>(function* (emit) {
      yield* sleep(5);
      yield* emit(1);
    });
    const it = s[yieldingIterator]();
    function* pull() {
      const step = it.next();
      return yield* step as Generator<unknown, IteratorResult<number>, unknown>;
    }
    function* main() {
      const first = spawn(pull());
      yield* sleep(1);
      expect(() => it.next()).toThrow(/already being stepped by another task/);
      return yield* first;
    }
    expect(await run(main())).toEqual({ done: false, value: 1 });
  });

  test("stream() takes a generator function", () => {
    expect(() => stream(42 as never)).toThrow(/stream\(\) takes a generator function, not 42/);
    expect(() => stream((() => 1) as never)[yieldingIterator]()).toThrow(/its body returned 1/);
  });
});

describe("stream() from for await", () => {
  test("a stream is async-iterable: each step runs in a task when it has to wait", async () => {
    const log: string[] = [];
    const s = stream<number>(function* (emit) {
      try {
        for (let i = 0; ; i++) {
          yield* sleep(1);
          yield* emit(i);
        }
      } finally {
        yield* sleep(1);
        log.push("closed");
      }
    });
    const got: number[] = [];
    for await (const x of s) {
      got.push(x);
      if (x === 2) break;
    }
    expect(got).toEqual([0, 1, 2]);
    expect(log).toEqual(["closed"]);
  });

  test("errors reach the for await loop", async () => {
    const boom = new Error("boom");
    const s = stream<number>(function* (emit) {
      yield* emit(1);
      throw boom;
    });
    const got: number[] = [];
    const e = await (async () => {
      try {
        for await (const x of s) got.push(x);
      } catch (error) {
        return error;
      }
    })();
    expect(e).toBe(boom);
    expect(got).toEqual([1]);
  });
});

describe("toAsyncIterable()", () => {
  test("hands a yielding iterable (a Queue) to for await code", async () => {
    const q = new Queue<number>();
    setTimeout(() => {
      q.tryPut(1);
      q.tryPut(2);
      q.close();
    }, 2);
    const got: number[] = [];
    for await (const x of toAsyncIterable(q)) got.push(x);
    expect(got).toEqual([1, 2]);
  });

  test("a hand-written yielding iterator with *next() and *return()", async () => {
    const log: string[] = [];
    const source: YieldingIterable<number> = {
      [yieldingIterator]() {
        let n = 0;
        return {
          *next() {
            yield* sleep(1);
            return { done: false, value: n++ };
          },
          *return() {
            yield* sleep(1);
            log.push("returned");
            return { done: true, value: undefined };
          },
        };
      },
    };
    const got: number[] = [];
    for await (const x of toAsyncIterable(source)) {
      got.push(x);
      if (x === 2) break;
    }
    expect(got).toEqual([0, 1, 2]);
    expect(log).toEqual(["returned"]);
  });

  test("async iterables are returned as they are; sync iterables' futures and promises are waited for", async () => {
    async function* agen() {
      yield 1;
    }
    const a = agen();
    expect(toAsyncIterable(a)).toBe(a);
    const got: unknown[] = [];
    for await (const x of toAsyncIterable([sleep(2, "a"), Promise.resolve("b"), "c"])) got.push(x);
    expect(got).toEqual(["a", "b", "c"]);
  });

  test("a sync iterator's final done value and return() value are waited, as for await waits them", async () => {
    const late = new Error("late");
    const finalRejects = (): Iterator<unknown> => {
      let n = 0;
      return { next: () => (n++ === 0 ? { done: false, value: 1 } : { done: true, value: Promise.reject(late) }) };
    };
    const direct = await rejection((async () => { for await (const _ of { [Symbol.iterator]: finalRejects }) void _; })());
    const through = await rejection((async () => { for await (const _ of toAsyncIterable({ [Symbol.iterator]: finalRejects })) void _; })());
    expect(through).toBe(direct);
    expect(through).toBe(late);

    const closing = new Error("closing");
    const returnRejects = (): Iterator<unknown> => ({
      next: () => ({ done: false, value: 1 }),
      return: () => ({ done: true, value: Promise.reject(closing) }),
    });
    const directBroke = await rejection((async () => { for await (const _ of { [Symbol.iterator]: returnRejects }) break; })());
    const broke = await rejection((async () => { for await (const _ of toAsyncIterable({ [Symbol.iterator]: returnRejects })) break; })());
    expect(broke).toBe(directBroke);
    expect(broke).toBe(closing);
  });

  test("a sync iterable is closed when the for await loop leaves early", async () => {
    const log: string[] = [];
    function* gen() {
      try {
        yield 1;
        yield 2;
      } finally {
        log.push("closed");
      }
    }
    for await (const x of toAsyncIterable(gen())) {
      if (x === 1) break;
    }
    expect(log).toEqual(["closed"]);
  });

  test("anything else is a TypeError; a Promise must be waited for first", () => {
    expect(() => toAsyncIterable(42 as never)).toThrow(/42 is not yielding-iterable/);
    expect(() => toAsyncIterable(null as never)).toThrow(TypeError);
    expect(() => toAsyncIterable(Promise.resolve([1]) as never)).toThrow(/wait for it first/);
  });
});
