import { parse as babelParse, type ParserPlugin } from "@babel/parser";
import type * as t from "@babel/types";
import { compileErrorAt } from "./errors.js";
import type { MarkedSource } from "./reader.js";
import type { OffsetMap } from "./offsets.js";

export interface ParseOptions {
  filename: string;
  typescript: boolean;
  jsx: boolean;
  /** `module` when the output is an ES module, `script` when it is CommonJS. */
  sourceType: "module" | "script";
}

/**
 * Parses the marked source with Babel (ARCHITECTURE step 2) and moves every node's and
 * comment's location back to the original source, so that errors, code frames and source
 * maps all speak of what the user wrote. A syntax error becomes `E_SYNTAX` at its
 * original position.
 */
export function parse(marked: MarkedSource, options: ParseOptions): t.File {
  let ast: t.File;
  try {
    ast = babelParse(marked.code, {
      sourceType: options.sourceType,
      sourceFilename: options.filename,
      allowReturnOutsideFunction: options.sourceType === "script",
      plugins: parserPlugins(options),
    });
  } catch (error) {
    throw syntaxError(error, marked.offsets, options.filename);
  }
  moveToOriginal(ast, marked.offsets);
  return ast;
}

function parserPlugins(options: ParseOptions): ParserPlugin[] {
  const plugins: ParserPlugin[] = ["explicitResourceManagement"];
  if (options.typescript) plugins.push("typescript");
  if (options.jsx) plugins.push("jsx");
  return plugins;
}

/** Babel's error, re-addressed to the original source; anything that is not a located parser error is a bug and passes through. */
function syntaxError(error: unknown, offsets: OffsetMap, filename: string): unknown {
  const pos = (error as { pos?: unknown } | null)?.pos;
  if (!(error instanceof SyntaxError) || typeof pos !== "number") return error;
  const message = error.message.replace(/ \(\d+:\d+\)$/, "");
  return compileErrorAt("E_SYNTAX", message, offsets.original, offsets.toOriginal(pos), filename);
}

type Located = {
  type?: unknown;
  start?: number | null;
  end?: number | null;
  loc?: { start: Position; end: Position } | null;
  extra?: { parenStart?: number } | null;
};
type Position = { line: number; column: number; index: number };

/** Rewrites `start`, `end` and `loc` of every node and comment in place, each exactly once. */
function moveToOriginal(ast: t.File, offsets: OffsetMap): void {
  const seen = new WeakSet<object>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== "object" || value === null || seen.has(value)) return;
    const node = value as Located & Record<string, unknown>;
    if (typeof node.type !== "string") return;
    seen.add(node);
    if (typeof node.start === "number") node.start = offsets.toOriginal(node.start);
    if (typeof node.end === "number") node.end = offsets.toOriginal(node.end);
    if (node.loc) {
      node.loc = { ...node.loc, start: offsets.position(node.start ?? 0), end: offsets.position(node.end ?? 0) };
    }
    if (typeof node.extra?.parenStart === "number") node.extra.parenStart = offsets.toOriginal(node.extra.parenStart);
    for (const key in node) {
      if (key !== "loc" && key !== "extra") visit(node[key]);
    }
  };
  visit(ast);
}
