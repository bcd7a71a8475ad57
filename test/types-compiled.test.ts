import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../compiler/index.js";
import { ROOT } from "./helpers/fixtures.js";

/**
 * TypeScript in, TypeScript out: the compiled code must type-check against the runtime's
 * types, with the loop variable typed from the source. Each `@ts-expect-error` line below
 * would be an unused directive (an error) if the variable were `any`.
 */
const program = `import { Future, Lock, contextManager, run, sleep, wait, yieldingEnter, yieldingExit } from "yielding/runtime";

interface Connection { query(sql: string): Future<string[]> }
function* connect(): Generator<unknown, { [yieldingEnter](): Future<Connection>; [yieldingExit](): void }, unknown> {
  yield* sleep(1);
  return { [yieldingEnter]: () => sleep(1, { query: (sql: string) => sleep(1, [sql]) }), [yieldingExit]() {} };
}
const session = contextManager<{ user: string }>(function* (provide) {
  yield* provide({ user: "ada" });
});

async function* names(): AsyncGenerator<string> {
  yield "ada";
}

function* main(): Generator<unknown, number, unknown> {
  let total = 0;
  for (const n of yielding [1, 2, 3]) {
    total += n;
    // @ts-expect-error a number is not a string
    const s: string = n;
  }
  for (const name of yielding names()) {
    const upper: string = name.toUpperCase();
    // @ts-expect-error a string is not a number
    const k: number = name;
  }
  for (const flag of yielding [sleep(1, true), new Future<boolean>()]) {
    const b: boolean = flag;
    // @ts-expect-error waited values are unwrapped: a boolean, not a Future
    const f: Future<boolean> = flag;
  }
  with (const s = yielding session, t = yielding Promise.resolve(session)) {
    const user: string = s.user + t.user;
    // @ts-expect-error the bound value is what enter provides, not the manager
    const m: typeof session = t;
  }
  with (const conn = yielding connect()) {
    const rows: string[] = yield* conn.query("select 1");
  }
  with (yielding new Lock()) total++;
  const fromPromise: string = yield* wait(Promise.resolve("x"));
  const slept: number = yield* sleep(1, 5);
  return total + fromPromise.length + slept;
}

run(main()).then((n: number) => n);
`;

/** Every comprehension shape, in TypeScript, must type-check under `strict` too. */
const comprehensions = `import { run, sleep } from "yielding/runtime";
class Base { greet(n: number): string { return \`hi \${n}\`; } }
class C extends Base {
  name = "c";
  *arr(xs: number[]): Generator<unknown, string[], unknown> {
    return [for (x of yielding xs) \`\${this.name}/\${arguments.length}/\${super.greet(x)}\`];
  }
  lazyOnes(xs: number[]): Generator<string, void, unknown> {
    return (for (x of xs) super.greet(x));
  }
}
const doubled: number[] = [for (x of [1, 2]) x * 2];
const squares = (for (x of [1, 2]) if (x > 0) x * x);
async function f(ids: number[]) { return [for (id of ids) await Promise.resolve(id)]; }
function* g(xs: number[]) {
  const s = (for (x of yielding xs) x + 1);
  const out = [for (y of yielding s) y];
  return out;
}
run(g([1])).then(console.log);
export { C, doubled, squares, f };
`;

mkdirSync(join(ROOT, "tmp"), { recursive: true });
const tmp = mkdtempSync(join(ROOT, "tmp", "types-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Compiles `source` as main.ts and type-checks the output against the runtime's types. */
function typeCheck(source: string, name: string): string[] {
  const file = join(tmp, name);
  writeFileSync(file, compile(source, { filename: name }).code);
  const host = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: [],
    skipLibCheck: true,
    paths: { "yielding/runtime": [join(ROOT, "runtime/index.ts")] },
    allowImportingTsExtensions: true,
  });
  return ts
    .getPreEmitDiagnostics(host)
    .map((d) => `${d.file ? `${d.file.fileName}:` : ""}${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}

describe("compiled TypeScript", () => {
  it("type-checks, with loop variables and with-bindings typed from their source", () => {
    expect(typeCheck(program, "main.ts")).toEqual([]);
  });

  it("type-checks every comprehension shape under strict (generated parameters are annotated)", () => {
    expect(typeCheck(comprehensions, "comprehensions.ts")).toEqual([]);
  });
});
