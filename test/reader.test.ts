import { describe, expect, it } from "vitest";
import { read } from "../compiler/reader.js";

const options = { filename: "input.js", jsx: false };

/** The marked source, with the marker's name replaced by `MARK` for readable expectations. */
function marked(source: string, jsx = false): string | null {
  const result = read(source, { ...options, jsx });
  return result
    ? result.code
        .replaceAll(result.markers.loop, "MARK")
        .replaceAll(result.markers.with, "WITH")
        .replaceAll(result.markers.for, "FOR")
        .replaceAll(result.markers.if, "IF")
    : null;
}

describe("reader: SPEC §2 contextual keyword", () => {
  it.each([
    ["for (x of yielding xs) ;", "for (x of MARK( xs)) ;"],
    ["for (const [a, b] of yielding pairs()) {}", "for (const [a, b] of MARK( pairs())) {}"],
    ["for (x of yielding (y)) ;", "for (x of MARK( (y))) ;"],
    ["for (x of yielding [a, b]) ;", "for (x of MARK( [a, b])) ;"],
    ["for (x of yielding {a}) ;", "for (x of MARK( {a})) ;"],
    ["for (x of yielding (yielding)(x)) ;", "for (x of MARK( (yielding)(x))) ;"],
    ["for (x of yielding 'abc') ;", "for (x of MARK( 'abc')) ;"],
    ["for (x of yielding `a${b}`) ;", "for (x of MARK( `a${b}`)) ;"],
    ["for (x of yielding new Set()) ;", "for (x of MARK( new Set())) ;"],
    ["for (x of yielding !a) ;", "for (x of MARK( !a)) ;"],
    ["for (x of yielding yield* g()) ;", "for (x of MARK( yield* g())) ;"],
    ["L: for\n(x of\n  yielding\n  xs\n) ;", "L: for\n(x of\n  MARK(\n  xs\n)) ;"],
  ])("marks %j", (source, expected) => {
    expect(marked(source)).toBe(expected);
  });

  it("marks nested loops, including one inside the iterable of another", () => {
    expect(marked("for (a of yielding f(function* () { for (b of yielding c) {} })) {}")).toBe(
      "for (a of MARK( f(function* () { for (b of MARK( c)) {} }))) {}",
    );
  });

  it.each([
    "for (x of yielding) ;",
    "for (x of yielding.items) ;",
    "for (x of yielding?.items) ;",
    "for (x of yielding - 1) ;",
    "for (x of yielding / 2 / 3) ;",
    "for (x of yielding < x) ;",
    "for (x of yielding++) ;",
    "for (x of yielding in y) ;",
    "for (x of yielding instanceof Y) ;",
    "for (x of yielding as T) ;",
    "for (const of of yielding of) ;",
    "yielding(x); yielding [0]; const yielding = 1;",
    "f(yielding (x)); [yielding (x)];",
    "a.for (x of yielding (y));",
    "const s = 'for (x of yielding y)'; // for (x of yielding y)\n/* for (x of yielding y) */",
    "const t = `for (x of yielding y)`;",
    "const r = /for (x of yielding y)/;",
    "for (x of [yielding (y)]) ;",
    "for (let i = yielding (0); i < 1; i++) ;",
    "for (k in yielding(4)) ;",
    "for (k in yielding [0]) ;",
    "for (k in yielding `t`) ;",
  ])("leaves %j alone", (source) => {
    expect(marked(source)).toBeNull();
  });

  it("leaves JSX text alone", () => {
    expect(marked("const e = <p>for (x of yielding y)</p>;", true)).toBeNull();
  });

  it("maps offsets in the marked source back to the original", () => {
    const source = "for (x of yielding xs) f();";
    const result = read(source, options)!;
    const at = (text: string) => result.code.indexOf(text);
    expect(result.offsets.toOriginal(at("xs"))).toBe(source.indexOf("xs"));
    expect(result.offsets.toOriginal(at("f()"))).toBe(source.indexOf("f()"));
    expect(result.offsets.toOriginal(at(result.markers.loop))).toBe(source.indexOf("yielding"));
    expect(result.offsets.position(source.indexOf("f()"))).toEqual({ line: 1, column: 23, index: 23 });
  });
});

describe("reader: with (… yielding …) (SPEC §2 place 2, §4)", () => {
  it.each([
    ["with (yielding m) S;", "for  (WITH( m);;) S;"],
    ["with (yielding (m)) {}", "for  (WITH( (m));;) {}"],
    ["with (yielding new Lock()) {}", "for  (WITH( new Lock());;) {}"],
    ["with (const a = yielding m) {}", "for  (const a = WITH( m);;) {}"],
    ["with (let a = yielding m) {}", "for  (let a = WITH( m);;) {}"],
    ["with (const a = yielding f(1, 2), b = yielding g) {}", "for  (const a = WITH( f(1, 2)), b = WITH( g);;) {}"],
    ["with (const { a, b } = yielding m, [c] = yielding n) {}", "for  (const { a, b } = WITH( m), [c] = WITH( n);;) {}"],
    ["with (const a: Map<K, V> = yielding m) {}", "for  (const a: Map<K, V> = WITH( m);;) {}"],
    ["with (let [a] = yielding m) {}", "for  (let [a] = WITH( m);;) {}"],
    // A declaration is never plain JavaScript there: the head is ours even without the keyword.
    ["with (const a = m) {}", "for  (const a = m;;) {}"],
    ["with (const { a = yielding } = yielding m) {}", "for  (const { a = yielding } = WITH( m);;) {}"],
    ["L: with\n(\n  yielding m\n) {}", "L: for \n(\n  WITH( m\n);;) {}"],
  ])("marks %j", (source, expected) => {
    expect(marked(`yielding; ${source}`)).toBe(`yielding; ${expected}`);
  });

  it.each([
    "with (yielding) {}",
    "with (yielding.inner) {}",
    "with (yielding - 1) {}",
    "with (yielding in o) {}",
    "with (let) {}",
    "with (let.x) {}",
    "with (let in o) {}",
    "with (o) { yielding(1); }",
    "a.with (yielding (x));",
    "a?.with (yielding (x));",
    "with (o) for (x of [yielding]) ;",
  ])("leaves %j alone", (source) => {
    expect(marked(source)).toBeNull();
  });

  it("records the with-statements among the sites, in order", () => {
    const result = read("function* f() { for (x of yielding a) with (yielding b) {} }", options)!;
    expect(result.withStatements.map((at) => result.code.slice(at, at + 4))).toEqual(["for "]);
    expect(result.sites.map((at) => result.code.slice(at, at + 5))).toEqual([result.markers.loop.slice(0, 5), "for  ", result.markers.with.slice(0, 5)]);
  });

  it("reports `with (var …)` as E_WITH_VAR at `var`", () => {
    expect(() => read("yielding;\nwith (var a = yielding m) {}", options)).toThrow(
      expect.objectContaining({ code: "E_WITH_VAR", line: 2, column: 7 }),
    );
  });
});

describe("reader: comprehensions (SPEC §2 place 3, §5)", () => {
  it.each([
    ["[for (x of xs) x]", "[FOR (x = xs, x)]"],
    ["[for (const x of xs) x]", "[FOR ( x = xs, x)]"],
    ["[for (let [a, b] of xs) a]", "[FOR ( [a, b] = xs, a)]"],
    ["[for (x of yielding xs) if (x > 1) x * 2]", "[FOR (x = MARK( xs), IF (x > 1, x * 2))]"],
    ["[for (x of xs) for (y of ys) [x, y]]", "[FOR (x = xs, FOR (y = ys, [x, y]))]"],
    ["(for (x of xs) x)", "(FOR (x = xs, x))"],
    ["f(for (x of yielding xs) x)", "f(FOR (x = MARK( xs), x))"],
    ["[for (of of ofs) of]", "[FOR (of = ofs, of)]"],
    ["[for (const of of ofs) of]", "[FOR ( of = ofs, of)]"],
    ["[for ({ of } of xs) of]", "[FOR ({ of } = xs, of)]"],
    ["[for (x of [for (y of ys) y]) x]", "[FOR (x = [FOR (y = ys, y)], x)]"],
    ["[ /* c */ for (x of xs) x ]", "[ /* c */ FOR (x = xs, x )]"],
  ])("marks %j", (source, expected) => {
    expect(marked(`yielding; ${source}`)).toBe(`yielding; ${expected}`);
  });

  it("reads a comprehension in a file without the word yielding", () => {
    expect(marked("const squares = [for (x of xs) x * x];")).toBe("const squares = [FOR (x = xs, x * x)];");
  });

  it.each(["for (;;) {}", "[a, b].for (x)", "f(a, b)", "const s = '[for (x of xs) x]';", "[(for)]"])("leaves %j alone", (source) => {
    expect(marked(source)).toBeNull();
  });

  it("records where the brackets and clause heads are", () => {
    const source = "[for (const x of xs) if (x) x]";
    const { comprehensions } = read(source, options)!;
    expect(comprehensions).toHaveLength(1);
    const [mark] = comprehensions;
    expect([mark!.kind, source[mark!.open], source[mark!.close]]).toEqual(["array", "[", "]"]);
    expect(mark!.clauses.map((c) => [c.kind, source.slice(c.keyword, c.headOpen), source[c.headOpen], source[c.headClose]])).toEqual([
      ["for", "for ", "(", ")"],
      ["if", "if ", "(", ")"],
    ]);
    expect(mark!.clauses[0]!.declaration && source.slice(...mark!.clauses[0]!.declaration)).toBe("const");
  });
});

describe("reader: misplaced keywords", () => {
  it.each([
    ["for (x in yielding e) ;", "E_FOR_IN", 11],
    ["for (x in yielding {a}) ;", "E_FOR_IN", 11],
    ["for (x in yielding !a) ;", "E_FOR_IN", 11],
    ["async function f() { for await (x of yielding e) ; }", "E_FOR_AWAIT", 38],
  ])("reports %j", (source, code, column) => {
    expect(() => read(source, options)).toThrow(expect.objectContaining({ code, line: 1, column }));
  });
});
