import { parse as babelParse, type ParserPlugin } from "@babel/parser";
import { VISITOR_KEYS } from "@babel/types";
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

type Position = { line: number; column: number; index: number };

/**
 * Rewrites `start`, `end` and `loc` of every node and comment in place. Babel shares one
 * position object between nodes that start at the same token, so each position object is
 * moved exactly once. Walks the visitor keys only: this runs on every node of every file
 * that uses the syntax, and a walk over all properties costs several times more.
 */
function moveToOriginal(ast: t.File, offsets: OffsetMap): void {
  const moved = new WeakSet<Position>();
  const movePosition = (position: Position): void => {
    if (moved.has(position)) return;
    moved.add(position);
    const original = offsets.position(offsets.toOriginal(position.index));
    position.line = original.line;
    position.column = original.column;
    position.index = original.index;
  };
  const moveNode = (node: t.Node | t.Comment): void => {
    if (typeof node.start === "number") node.start = offsets.toOriginal(node.start);
    if (typeof node.end === "number") node.end = offsets.toOriginal(node.end);
    if (node.loc) {
      movePosition(node.loc.start as Position);
      movePosition(node.loc.end as Position);
    }
  };
  const visit = (node: t.Node): void => {
    moveNode(node);
    const extra = node.extra as { parenStart?: number } | undefined;
    if (typeof extra?.parenStart === "number") extra.parenStart = offsets.toOriginal(extra.parenStart);
    const keys = VISITOR_KEYS[node.type];
    if (!keys) return;
    for (const key of keys) {
      const child = (node as unknown as Record<string, unknown>)[key];
      if (Array.isArray(child)) {
        for (const item of child) if (item) visit(item as t.Node);
      } else if (child) visit(child as t.Node);
    }
  };
  visit(ast);
  for (const comment of ast.comments ?? []) moveNode(comment);
}
