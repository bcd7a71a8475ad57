import { parse } from "@babel/parser";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { describe, expect, it } from "vitest";
import { compile, CompileError } from "../compiler/index.js";

const loop = `function* main(xs) {
  for (const x of yielding xs) {
    console.log(x);
  }
}
`;

function compileError(source: string, filename = "input.js"): CompileError {
  try {
    compile(source, { filename });
  } catch (error) {
    expect(error).toBeInstanceOf(CompileError);
    return error as CompileError;
  }
  throw new Error("expected a CompileError");
}

describe("compile: sources without the syntax", () => {
  it.each([
    ["empty", ""],
    ["plain code", "const a = 1;\r\n  // yielding\n"],
    ["yielding as an identifier", "const yielding = [1]; for (const x of yielding) f(x); yielding(x); yielding - 1;"],
    ["a syntax error is not looked at", "function ( {"],
  ])("%s comes back byte for byte with no map", (_name, source) => {
    expect(compile(source, { sourceMaps: true })).toEqual({ code: source, map: null });
  });
});

describe("compile: output", () => {
  it("imports the runtime helper once per file, as ESM by default", () => {
    const { code } = compile(loop + loop.replace("main", "other"));
    expect(code.match(/from "yielding\/runtime"/g)).toHaveLength(1);
    expect(code.startsWith('import { iterate as _iterate } from "yielding/runtime";')).toBe(true);
  });

  it("uses require() for CommonJS, chosen by option or by the .cjs extension", () => {
    expect(compile(loop, { module: "cjs" }).code).toContain('const { iterate: _iterate } = require("yielding/runtime");');
    expect(compile(loop, { filename: "a.cjs" }).code).toContain('require("yielding/runtime")');
  });

  it("imports from the runtime specifier it is given", () => {
    expect(compile(loop, { runtime: "/abs/runtime.js" }).code).toContain('from "/abs/runtime.js"');
  });

  it("keeps every line where it was, and the user's code as written", () => {
    const source = [
      "function* main(rows) {",
      "  const  spaced = { 'quoted': 1 };   // kept as written",
      "  outer: for (const { id, tags = [] } of yielding rows.list()) {",
      "    for (const tag of yielding tags) {",
      "      if (tag === 'skip') continue outer;",
      "      log(id,",
      "          tag);",
      "    }",
      "  }",
      "  return `a",
      "b`;",
      "}",
      "",
    ].join("\n");
    const { code } = compile(source);
    const inputLines = source.split("\n");
    const outputLines = code.split("\n");
    expect(outputLines).toHaveLength(inputLines.length);
    for (const line of [1, 4, 5, 6, 9, 10, 11]) expect(outputLines[line]).toContain(inputLines[line]!.trim());
    expect(outputLines[0]).toBe('import { iterate as _iterate } from "yielding/runtime"; function* main(rows) {');
  });

  it("puts the runtime import after a hashbang and after directives", () => {
    const hashbang = compile(`#!/usr/bin/env node\n${loop}`).code.split("\n");
    expect(hashbang[0]).toBe("#!/usr/bin/env node");
    expect(hashbang[1]).toMatch(/^import \{ iterate as _iterate \} from "yielding\/runtime"; function\* main/);
    const strict = compile(`"use strict";\n${loop}`, { module: "cjs" }).code.split("\n");
    expect(strict[0]).toBe('"use strict"; const { iterate: _iterate } = require("yielding/runtime");');
  });

  it("keeps the final line break when the source has one", () => {
    expect(compile(loop).code.endsWith("}\n")).toBe(true);
    expect(compile(loop.trimEnd()).code.endsWith("}")).toBe(true);
  });

  it("is deterministic", () => {
    expect(compile(loop, { sourceMaps: true })).toEqual(compile(loop, { sourceMaps: true }));
  });

  it("passes the source text of the iterable, for runtime messages", () => {
    expect(compile("function* f() { for (const x of yielding rows( 1 )) ; }").code).toContain('_iterate(rows( 1 ), "rows( 1 )")');
  });

  it("picks generated names no identifier in the file uses", () => {
    const { code } = compile("function* f(_it, _err, _iterate) { for (const x of yielding _it) _err(_iterate); }");
    expect(code).toContain("const _it2 = _iterate2(_it, ");
    expect(code).toContain("catch (_err2)");
  });

  it("never shows its marker, even when the file spells the marker's name", () => {
    const { code } = compile("function* f() { const yielding$loop = 1; for (const x of yielding [yielding$loop]) ; }");
    expect(code).toContain("const yielding$loop = 1;");
    expect(code).toContain("_iterate([yielding$loop]");
    expect(code).not.toMatch(/yielding\$loop\d/);
  });

  it("keeps TypeScript types in TypeScript output", () => {
    const { code } = compile("function* f(xs: number[]): Generator { for (const x of yielding xs as Iterable<number>) { const y: number = x; } }", {
      filename: "a.ts",
    });
    expect(code).toContain("function* f(xs: number[]): Generator {");
    expect(code).toContain("_iterate(xs as Iterable<number>,");
    expect(code).toContain("const y: number = x;");
  });

  it("keeps JSX in JSX output", () => {
    const { code } = compile("function* f(xs) { for (const x of yielding xs) yield <li key={x}>{x} yielding</li>; }", { filename: "a.jsx" });
    expect(code).toContain("yield <li key={x}>{x} yielding</li>;");
  });

  it("produces code Babel parses as a module", () => {
    const { code } = compile(loop);
    expect(() => parse(code, { sourceType: "module" })).not.toThrow();
  });
});

describe("compile: source maps", () => {
  it("maps every user token to where the user wrote it", () => {
    const source = "// header\nfunction* main(items) {\n  for (const item of yielding items.list) {\n    report(item.name);\n  }\n}\n";
    const { code, map } = compile(source, { filename: "main.js", sourceMaps: true });
    expect(map?.sources).toEqual(["main.js"]);
    expect(map?.sourcesContent).toEqual([source]);
    const tracer = new TraceMap(map as never);
    const lines = code.split("\n");
    for (const name of ["report", "list", "main"]) {
      const line = lines.findIndex((text) => text.includes(name));
      const original = originalPositionFor(tracer, { line: line + 1, column: lines[line]!.indexOf(name) });
      const sourceLines = source.split("\n");
      const expectedLine = sourceLines.findIndex((text) => text.includes(name));
      expect(original).toMatchObject({ source: "main.js", line: expectedLine + 1, column: sourceLines[expectedLine]!.indexOf(name) });
    }
  });

  it("appends an inline map as a base64 data URL", () => {
    const { code, map } = compile(loop, { filename: "a.js", sourceMaps: "inline" });
    const match = /\n\/\/# sourceMappingURL=data:application\/json;charset=utf-8;base64,(.+)\n$/.exec(code);
    expect(match).not.toBeNull();
    expect(JSON.parse(Buffer.from(match![1]!, "base64").toString("utf8"))).toEqual(map);
  });
});

describe("compile: errors", () => {
  it("reports syntax errors at their original position, even inside a marked loop", () => {
    const error = compileError("function* f() {\n  for (const x of yielding g(1,, 2)) {}\n}\n");
    expect(error.code).toBe("E_SYNTAX");
    expect([error.line, error.column]).toEqual([2, 33]);
    expect(error.frame).toContain("> 2 |   for (const x of yielding g(1,, 2)) {}");
    expect(error.message).not.toMatch(/\(\d+:\d+\)|yielding\$/);
  });

  it("reports positions after a marked loop in original coordinates", () => {
    const error = compileError("function* f() { for (const x of yielding xs) {} }\nconst a = ;\n");
    expect([error.code, error.line, error.column]).toEqual(["E_SYNTAX", 2, 11]);
  });

  it("rejects a comma expression after `of`, as for…of does", () => {
    const error = compileError("function* f() { for (x of yielding a, b) ; }");
    expect([error.code, error.message, error.column]).toEqual(["E_SYNTAX", 'Unexpected token, expected ")"', 37]);
  });

  it("names the file, line and column in the summary", () => {
    const error = compileError("\n  for (x of yielding xs) {}", "src/app.js");
    expect(error.summary).toBe(
      "src/app.js:2:13: error E_CONTEXT: `yielding` can only be used inside a generator function (`function*`), not at the top level of a module or script",
    );
  });

  it("counts columns in UTF-16 code units after astral characters, as editors do", () => {
    const error = compileError("const s = '😀'; for (x in yielding e) {}");
    expect([error.line, error.column]).toEqual([1, 27]);
  });
});

describe("compile: where the runtime import goes", () => {
  const body = "function* f(xs) { for (const x of yielding xs) {} }";
  it("after a directive written without its semicolon, which stays a directive", () => {
    const { code } = compile(`'use strict'\n${body}`);
    expect(code.startsWith(`'use strict'; import { iterate as _iterate } from "yielding/runtime";\n`)).toBe(true);
    expect(parse(code, { sourceType: "module" }).program.directives.map((d) => d.value.value)).toEqual(["use strict"]);
  });
  it("after a hashbang and two directives, in CommonJS too", () => {
    const { code } = compile(`#!/usr/bin/env node\n"use strict"\n'use client'\n${body}`, { filename: "a.cjs" });
    expect(code.split("\n").slice(0, 3)).toEqual([
      "#!/usr/bin/env node",
      '"use strict"',
      `'use client'; const { iterate: _iterate } = require("yielding/runtime");`,
    ]);
  });
  it("after a byte order mark, which stays first", () => {
    const { code } = compile(`\uFEFF${body}`);
    expect(code.startsWith('\uFEFFimport { iterate as _iterate } from "yielding/runtime"; function*')).toBe(true);
  });
});

describe("compile: line breaks", () => {
  it("keeps the line breaks of a head as written (CRLF included), with their indentation", () => {
    const source = "function* f(xs) {\r\n  for (const x of\r\n      yielding xs)\r\n  {\r\n  }\r\n}\r\n";
    const { code } = compile(source);
    expect(code.split("\r\n")).toHaveLength(source.split("\r\n").length);
    expect(code.split("\r\n")[2]!.startsWith("      xs, \"xs\");")).toBe(true);
    expect(code).not.toMatch(/(^|[^\r])\n/);
  });
  it("escapes U+2028 and U+2029 in the source text it copies into a string", () => {
    const { code } = compile('function* f(t) { for (const x of yielding t["\u2028\u2029"]) {} }');
    expect(code).toContain('"t[\\"\\u2028\\u2029\\"]"');
    expect(code.split(/[\u2028\u2029]/)).toHaveLength(3);
  });
});

describe("compile: deep nesting", () => {
  const shapes: Record<string, (n: number) => string> = {
    "array comprehensions": (n) => `const a = ${"[for (x of xs) ".repeat(n)}x${"]".repeat(n)};`,
    "lazy comprehensions": (n) => `const a = ${"(for (x of xs) ".repeat(n)}x${")".repeat(n)};`,
    "comprehension clauses": (n) => `const a = [${"for (x of xs) ".repeat(n)}x];`,
    "braced yielding loops": (n) => `function* f(xs) { ${"for (const x of yielding xs) { ".repeat(n)}${"}".repeat(n)} }`,
    "parentheses in a head": (n) => `function* f(xs) { for (const x of yielding ${"(".repeat(n)}xs${")".repeat(n)}) {} }`,
    "with statements": (n) => `function* f(m) { ${"with (yielding m) { ".repeat(n)}${"}".repeat(n)} }`,
  };
  it.each(Object.keys(shapes))("%s compile at depth 150, and at depth 5,000 are E_SYNTAX, never a RangeError", (shape) => {
    const make = shapes[shape]!;
    expect(compile(make(150)).code).not.toBe(make(150));
    const error = compileError(make(5_000));
    expect(error.code).toBe("E_SYNTAX");
    expect(error.message).toMatch(/^nested too deeply: \d+ brackets and blocks deep here/);
  });
  it("a with statement of 4,000 bindings compiles (its lowering is linear in the bindings)", () => {
    const head = Array.from({ length: 4_000 }, (_, i) => `a${i} = yielding m`).join(", ");
    const { code } = compile(`function* f(m) { with (const ${head}) {} }`);
    expect(code.match(/_withContext\(/g)).toHaveLength(4_000);
  });
});
