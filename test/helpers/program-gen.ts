import fc from "fast-check";

/**
 * Random valid programs for the property tests: a generator function `main` with nested
 * loops (yielding and plain), `with (… yielding …)` statements, random head forms, labels,
 * break/continue/return/throw, try/finally and bare `yield`. Each program is rendered twice,
 * with and without the `yielding` keyword, so the compiled program can be checked against
 * plain JavaScript: every source here is a sync iterable of plain values, where a yielding
 * loop MUST behave like `for…of`, and every context manager has plain enter/exit methods,
 * where a `with` MUST behave like the try/catch/finally SPEC §4 describes, written by hand.
 */

type Jump = "break" | "continue" | "return" | "throw";

export type Stmt =
  | { kind: "log" }
  | { kind: "jump"; jump: Jump; labelPick: number; modulo: number; remainder: number }
  | { kind: "loop"; yielding: boolean; shape: number; source: number; labelled: boolean; body: Stmt[] }
  | { kind: "try"; body: Stmt[]; handler: "finally" | "catch" }
  | { kind: "with"; bindings: number; suppress: boolean[]; binds: boolean; body: Stmt[] }
  | { kind: "comp"; lazy: boolean; clauses: CompClause[]; throwModulo: number }
  | { kind: "yield" };

/** A comprehension clause: `for (… of [yielding] SOURCE)` or `if (log.length % m === r)`. */
export interface CompClause {
  kind: "for" | "if";
  yielding: boolean;
  source: number;
  modulo: number;
  remainder: number;
}

export interface Program {
  body: Stmt[];
}

/** Head forms, each with the sources whose values suit it. `V`/`W` become the loop's names. */
const SHAPES: { head: string; values: string[]; sources: string[] }[] = [
  { head: "const V", values: ["V"], sources: ["simple"] },
  { head: "let V", values: ["V"], sources: ["simple"] },
  { head: "var V", values: ["V"], sources: ["simple"] },
  { head: "T", values: ["T"], sources: ["simple"] },
  { head: "o.M", values: ["o.M"], sources: ["simple"] },
  { head: "const [V, W = \"d\"]", values: ["V", "W"], sources: ["pairs"] },
  { head: "let [V, ...W]", values: ["V", "W"], sources: ["pairs"] },
  { head: "[T, o.M = 0]", values: ["T", "o.M"], sources: ["pairs"] },
  { head: "const { a: V, b: W = 0 }", values: ["V", "W"], sources: ["records"] },
  { head: "{ a: T, ...o.M }", values: ["T", "o.M"], sources: ["records"] },
];

const SOURCES: Record<string, string[]> = {
  simple: [
    "[1, 2, 3]",
    "new Set([\"a\", \"b\"])",
    "\"xy\"",
    "mk(\"S\", [1, 2])",
    "[]",
    "new Map([[1, \"m\"]]).keys()",
    "(function* () { yield 7; yield 8; })()",
  ],
  pairs: ["[[1, 2], [3]]", "mk(\"S\", [[4], [5, 6]])", "[\"ab\", \"c\"]"],
  records: ["[{ a: 1 }, { a: 2, b: 3 }]", "mk(\"S\", [{ a: 4, b: 5 }])"],
};

const MAX_DEPTH = 3;

export const programArbitrary: fc.Arbitrary<Program> = (() => {
  const { stmts } = fc.letrec<{ stmts: Stmt[]; stmt: Stmt }>((tie) => ({
    stmts: fc.array(tie("stmt"), { minLength: 1, maxLength: 4 }),
    stmt: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      { weight: 3, arbitrary: fc.constant<Stmt>({ kind: "log" }) },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant("jump" as const),
          jump: fc.constantFrom<Jump>("break", "continue", "break", "continue", "return", "throw"),
          labelPick: fc.nat(4),
          modulo: fc.integer({ min: 2, max: 5 }),
          remainder: fc.nat(4),
        }),
      },
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant("loop" as const),
          yielding: fc.constantFrom(true, true, false),
          shape: fc.nat(SHAPES.length - 1),
          source: fc.nat(10),
          labelled: fc.boolean(),
          body: tie("stmts") as fc.Arbitrary<Stmt[]>,
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("try" as const),
          body: tie("stmts") as fc.Arbitrary<Stmt[]>,
          handler: fc.constantFrom<"finally" | "catch">("finally", "catch"),
        }),
      },
      { weight: 1, arbitrary: fc.constant<Stmt>({ kind: "yield" }) },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant("comp" as const),
          lazy: fc.boolean(),
          clauses: fc
            .array(
              fc.record({
                kind: fc.constantFrom<"for" | "if">("for", "for", "if"),
                yielding: fc.boolean(),
                source: fc.nat(10),
                modulo: fc.integer({ min: 2, max: 4 }),
                remainder: fc.nat(3),
              }),
              { minLength: 1, maxLength: 3 },
            )
            .map((clauses) => [{ ...clauses[0]!, kind: "for" as const }, ...clauses.slice(1)]),
          throwModulo: fc.integer({ min: 0, max: 7 }),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant("with" as const),
          bindings: fc.integer({ min: 1, max: 2 }),
          suppress: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
          binds: fc.boolean(),
          body: tie("stmts") as fc.Arbitrary<Stmt[]>,
        }),
      },
    ),
  }));
  // The top level always has at least one yielding loop.
  return fc
    .tuple(stmts, fc.nat(SHAPES.length - 1), fc.nat(10), stmts)
    .map(([before, shape, source, body]) => ({
      body: [...before, { kind: "loop", yielding: true, shape, source, labelled: true, body } satisfies Stmt],
    }));
})();

interface Scope {
  depth: number;
  /** Labels of the enclosing loops, innermost last. */
  labels: string[];
  inLoop: boolean;
  values: string[];
}

/** Renders the body of `main` with or without the keyword. */
function render(stmts: Stmt[], scope: Scope, withKeyword: boolean, counter: { n: number }): string[] {
  const lines: string[] = [];
  for (const s of stmts) {
    const id = counter.n++;
    switch (s.kind) {
      case "log":
        lines.push(`log.push(JSON.stringify([${scope.values.join(", ")}]));`);
        break;
      case "yield":
        lines.push("yield;");
        break;
      case "jump": {
        const cond = `if (log.length % ${s.modulo} === ${s.remainder % s.modulo}) `;
        if (s.jump === "return") lines.push(`${cond}return "r${id}";`);
        else if (s.jump === "throw") lines.push(`${cond}throw new Error("e${id}");`);
        else if (!scope.inLoop) lines.push(`log.push("no loop ${id}");`);
        else {
          const useLabel = scope.labels.length > 0 && s.labelPick % 2 === 1;
          const label = useLabel ? ` ${scope.labels[s.labelPick % scope.labels.length]}` : "";
          lines.push(`${cond}${s.jump}${label};`);
        }
        break;
      }
      case "try": {
        const inner = render(s.body, scope, withKeyword, counter);
        const handler =
          s.handler === "finally"
            ? `finally { log.push("finally ${id}"); }`
            : `catch (e) { log.push("caught " + e.message); }`;
        lines.push("try {", ...inner.map((l) => "  " + l), `} ${handler}`);
        break;
      }
      case "with": {
        if (scope.depth >= MAX_DEPTH) {
          lines.push(`log.push("too deep ${id}");`);
          break;
        }
        const names = Array.from({ length: s.bindings }, (_, k) => `c${id}_${k}`);
        const manager = (k: number) => `cm("c${id}_${k}", ${s.suppress[k]})`;
        // Without a binding, the statement has one manager and binds nothing (`with (yielding m)`).
        const bound = s.binds ? names : [];
        const inner = render(s.body, { ...scope, depth: scope.depth + 1, values: [...scope.values, ...bound] }, withKeyword, counter);
        if (withKeyword) {
          const head = s.binds ? `const ${names.map((n, k) => `${n} = yielding ${manager(k)}`).join(", ")}` : `yielding ${manager(0)}`;
          lines.push(`with (${head}) {`, ...inner.map((l) => "  " + l), "}");
        } else {
          // SPEC §4 by hand, one block per binding, nesting left to right.
          const count = s.binds ? names.length : 1;
          let body = inner;
          for (let k = count - 1; k >= 0; k--) {
            const m = `m${id}_${k}`;
            const threw = `threw${id}_${k}`;
            body = [
              `{ const ${m} = ${manager(k)}; const ${s.binds ? names[k] : `unused${id}_${k}`} = ${m}[ENTER](); let ${threw} = false;`,
              "try {",
              ...body.map((l) => "  " + l),
              `} catch (e) { ${threw} = true; if (!${m}[EXIT](true, e)) throw e; } finally { if (!${threw}) ${m}[EXIT](false, undefined); } }`,
            ];
          }
          lines.push(...body);
        }
        break;
      }
      case "comp": {
        // An array comprehension (or a lazy one, spread), against the loops SPEC §5 says it is.
        const pool = SOURCES.simple!;
        const names: string[] = [];
        const heads = s.clauses.map((clause, k) => {
          if (clause.kind === "if") return { clause, text: `if (log.length % ${clause.modulo} === ${clause.remainder % clause.modulo})` };
          const name = `z${id}_${k}`;
          names.push(name);
          const source = pool[clause.source % pool.length]!.replace("\"S\"", `"s${id}_${k}"`);
          const yielding = clause.yielding && withKeyword && !s.lazy ? "yielding " : "";
          return { clause, text: `for (${withKeyword ? "" : "let "}${name} of ${yielding}${source})` };
        });
        // Sometimes the element throws, which must close every open iterator, innermost first.
        const element = `(log.length % 8 === ${s.throwModulo} ? fail("c${id}") : [${[...scope.values, ...names].join(", ")}])`;
        let expression: string;
        if (withKeyword) {
          const comprehension = `${heads.map((h) => h.text).join(" ")} ${element}`;
          expression = s.lazy ? `[...(${comprehension})]` : `[${comprehension}]`;
        } else {
          expression = `(() => { const r = []; ${heads.map((h) => h.text).join(" ")} r.push(${element}); return r; })()`;
        }
        lines.push(`try { log.push(JSON.stringify(${expression})); } catch (e) { log.push("caught " + e.message); }`);
        break;
      }
      case "loop": {
        if (scope.depth >= MAX_DEPTH) {
          lines.push(`log.push("too deep ${id}");`);
          break;
        }
        const d = scope.depth;
        const shape = SHAPES[s.shape % SHAPES.length]!;
        const names = (t: string) =>
          t.replace(/\bV\b/g, `v${d}`).replace(/\bW\b/g, `w${d}`).replace(/\bT\b/g, `t${d}`).replace(/\bM\b/g, `m${d}`);
        const kind = shape.sources[0]!;
        const pool = SOURCES[kind]!;
        const source = pool[s.source % pool.length]!.replace("\"S\"", `"s${id}"`);
        const label = s.labelled ? `l${id}` : null;
        const inner = render(
          s.body,
          {
            depth: d + 1,
            labels: label ? [...scope.labels, label] : scope.labels,
            inLoop: true,
            values: [...scope.values, ...shape.values.map(names)],
          },
          withKeyword,
          counter,
        );
        const keyword = s.yielding && withKeyword ? "yielding " : "";
        lines.push(`${label ? label + ": " : ""}for (${names(shape.head)} of ${keyword}${source}) {`, ...inner.map((l) => "  " + l), "}");
        break;
      }
    }
  }
  return lines;
}

const PRELUDE = `const log = [];
const ENTER = Symbol.for("yielding.enter");
const EXIT = Symbol.for("yielding.exit");
function fail(name) {
  throw new Error(name);
}
function cm(name, suppress) {
  return {
    [ENTER]() {
      log.push(name + " enter");
      return name.toUpperCase();
    },
    [EXIT](hasError, error) {
      log.push(name + " exit " + (hasError ? "error " + (error && error.message) : "ok"));
      return suppress;
    },
  };
}
function mk(name, values) {
  return {
    [Symbol.iterator]() {
      let i = 0;
      return {
        next() {
          log.push(name + " next");
          return i < values.length ? { done: false, value: values[i++] } : { done: true, value: undefined };
        },
        return() {
          log.push(name + " return");
          return { done: true, value: undefined };
        },
      };
    },
  };
}`;

/** The generator function `main`, with or without the keyword. */
export function renderMain(program: Program, withKeyword: boolean): string {
  const body = render(program.body, { depth: 0, labels: [], inLoop: false, values: [] }, withKeyword, { n: 0 });
  return [
    "function* main() {",
    "  let t0, t1, t2, t3;",
    "  const o = {};",
    ...body.map((l) => "  " + l),
    "  return \"end\";",
    "}",
  ].join("\n");
}

/** A module that runs `main` on the runtime at `runtimeUrl` and exports `result`: the log. */
export function renderYieldingModule(program: Program, runtimeUrl: string): string {
  return `import { run } from ${JSON.stringify(runtimeUrl)};
${PRELUDE}
${renderMain(program, true)}
export const result = run(main()).then(
  (v) => [...log, "return " + v],
  (e) => [...log, "throw " + (e && e.message)],
);
`;
}

/** Runs the keyword-free rendering synchronously (plain for…of) and returns its log. */
export function runPlain(program: Program): string[] {
  const body = `${PRELUDE}
${renderMain(program, false)}
const g = main();
try {
  let r;
  do r = g.next(); while (!r.done);
  log.push("return " + r.value);
} catch (e) {
  log.push("throw " + (e && e.message));
}
return log;`;
  return new Function(body)() as string[];
}
