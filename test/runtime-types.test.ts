import { describe, expectTypeOf, test } from "vitest";
import {
  Future,
  Queue,
  Task,
  asCompleted,
  checkpoint,
  gather,
  iterate,
  race,
  run,
  sleep,
  spawn,
  stream,
  toAsyncIterable,
  wait,
  waitFor,
  yieldingIterator,
  type Coroutine,
  type Iteration,
  type TryGetResult,
  type YieldingIterable,
} from "../runtime/index.js";

describe("types", () => {
  test("yield* future, task, sleep and wait(...) infer the result type", async () => {
    const answer = new Future<number>();
    answer.setResult(42);
    function* main() {
      const a = yield* answer;
      expectTypeOf(a).toEqualTypeOf<number>();
      const b = yield* wait(Promise.resolve("text"));
      expectTypeOf(b).toEqualTypeOf<string>();
      const c = yield* wait(answer);
      expectTypeOf(c).toEqualTypeOf<number>();
      const d = yield* spawn(child());
      expectTypeOf(d).toEqualTypeOf<boolean>();
      const e = yield* wait(child());
      expectTypeOf(e).toEqualTypeOf<boolean>();
      const f = yield* sleep(1, { ok: true });
      expectTypeOf(f).toEqualTypeOf<{ ok: boolean }>();
      const g = yield* sleep(1);
      expectTypeOf(g).toEqualTypeOf<void>();
      const h = yield* checkpoint();
      expectTypeOf(h).toEqualTypeOf<void>();
      return [a, b] as const;
    }
    function* child() {
      yield* sleep(1);
      return true;
    }
    const result = run(main());
    expectTypeOf(result).toEqualTypeOf<Promise<readonly [number, string]>>();
    expectTypeOf(await result).toEqualTypeOf<readonly [number, string]>();
  });

  test("spawn gives a Task of the coroutine's result; a Task is a Future and awaitable", async () => {
    function* job(): Coroutine<string> {
      yield* sleep(1);
      return "done";
    }
    const t = spawn(job());
    expectTypeOf(t).toEqualTypeOf<Task<string>>();
    expectTypeOf(t).toMatchTypeOf<Future<string>>();
    expectTypeOf(t).toMatchTypeOf<Future<unknown>>();
    expectTypeOf(await t).toEqualTypeOf<string>();
    expectTypeOf(t.result()).toEqualTypeOf<string>();
  });

  test("iterate(...).value has the element type, waited for sync iterables", () => {
    expectTypeOf(iterate([1, 2], "xs")).toEqualTypeOf<Iteration<number>>();
    expectTypeOf(iterate([Promise.resolve("a")], "xs").value).toEqualTypeOf<string>();
    expectTypeOf(iterate([new Future<Date>()], "xs").value).toEqualTypeOf<Date>();
    async function* agen() {
      yield 1n;
    }
    expectTypeOf(iterate(agen(), "agen()").value).toEqualTypeOf<bigint>();
    const feed = {
      [yieldingIterator]() {
        return { next: () => ({ done: false as const, value: "tick" }) };
      },
    };
    expectTypeOf(iterate(feed, "feed").value).toEqualTypeOf<string>();
    expectTypeOf(iterate([1], "xs").next()).toEqualTypeOf<boolean | undefined>();
    expectTypeOf(iterate([1], "xs").wait()).toEqualTypeOf<Generator<unknown, boolean, unknown>>();
  });
});

// The type tests of the runtime tests that use the yielding syntax (tsc does not check those
// files yet), written here with plain yield* so that tsc checks them.

function* sleepy(n: number) {
  yield* sleep(1);
  return n;
}

describe("types: gather", () => {
  test("yield* gather(...) is a tuple of the results", async () => {
    function* child() {
      yield* sleep(1);
      return { ok: true };
    }
    function* main() {
      const [a, b] = yield* gather(sleep(1, 1), wait(Promise.resolve("x")));
      expectTypeOf(a).toEqualTypeOf<number>();
      expectTypeOf(b).toEqualTypeOf<string>();
      const all = yield* gather(child(), Promise.resolve(1n), spawn(child()));
      expectTypeOf(all).toEqualTypeOf<[{ ok: boolean }, bigint, { ok: boolean }]>();
    }
    await run(main());
  });

  test("yield* gather(...tasks) over an array is an array of the results", async () => {
    function* main() {
      const tasks: Task<number>[] = [spawn(sleepy(1)), spawn(sleepy(2))];
      const many = yield* gather(...tasks);
      expectTypeOf(many).toEqualTypeOf<number[]>();
    }
    await run(main());
  });
});

describe("types: gather.settled", () => {
  test("each element is a PromiseSettledResult of that waitable's result", async () => {
    function* main() {
      const [a, b] = yield* gather.settled(sleep(1, 1), wait(Promise.resolve("x")));
      expectTypeOf(a).toEqualTypeOf<PromiseSettledResult<number>>();
      expectTypeOf(b).toEqualTypeOf<PromiseSettledResult<string>>();
      if (a.status === "fulfilled") expectTypeOf(a.value).toEqualTypeOf<number>();
    }
    await run(main());
  });

  test("over an array of tasks, an array of PromiseSettledResult", async () => {
    function* main() {
      const tasks: Task<number>[] = [spawn(sleepy(1)), spawn(sleepy(2))];
      const many = yield* gather.settled(...tasks);
      expectTypeOf(many).toEqualTypeOf<PromiseSettledResult<number>[]>();
    }
    await run(main());
  });
});

describe("types: race", () => {
  test("yield* race(...) is the union of the results", async () => {
    function* main() {
      const r = yield* race(sleep(1, 1), wait(Promise.resolve("x")));
      expectTypeOf(r).toEqualTypeOf<number | string>();
    }
    await run(main());
  });
});

describe("types: asCompleted", () => {
  test("futures of the union of the results", async () => {
    const fs = asCompleted([sleep(1, 1), wait(Promise.resolve("x"))]);
    expectTypeOf(fs).toEqualTypeOf<Future<number | string>[]>();
    await Promise.all(fs);
  });
});

describe("types: waitFor", () => {
  test("yield* waitFor(...) is the waitable's result", async () => {
    function* main() {
      const a = yield* waitFor(sleep(5, "a"), 1000);
      expectTypeOf(a).toEqualTypeOf<string>();
    }
    await run(main());
  });
});

describe("types: Queue", () => {
  test("tryGet gives a TryGetResult of the item type", () => {
    const q = new Queue<number>(1);
    expectTypeOf(q.tryGet()).toEqualTypeOf<TryGetResult<number>>();
  });

  test("yield* get() gives the item type", async () => {
    const q = new Queue<{ id: number }>();
    q.tryPut({ id: 1 });
    function* main() {
      const item = yield* q.get();
      expectTypeOf(item).toEqualTypeOf<{ id: number }>();
    }
    await run(main());
  });
});

describe("types: stream", () => {
  test("a stream is a YieldingIterable and an AsyncIterable of what it emits", () => {
    const s = stream<string>(function* (emit) {
      yield* emit("x");
    });
    expectTypeOf(s).toMatchTypeOf<YieldingIterable<string>>();
    expectTypeOf(s).toMatchTypeOf<AsyncIterable<string>>();
  });
});

describe("types: toAsyncIterable", () => {
  test("a sync iterable of futures is an AsyncIterable of their results", async () => {
    const it = toAsyncIterable([sleep(1, 1)]);
    expectTypeOf(it).toEqualTypeOf<AsyncIterable<number>>();
    for await (const _ of it);
  });
});
