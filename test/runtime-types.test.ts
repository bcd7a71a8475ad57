import { describe, expectTypeOf, test } from "vitest";
import {
  Future,
  Task,
  checkpoint,
  iterate,
  run,
  sleep,
  spawn,
  wait,
  yieldingIterator,
  type Coroutine,
  type Iteration,
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
