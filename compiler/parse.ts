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
 * Parses the marked source with Babel (ARCHITECTURE step 2). Node positions are offsets
 * of the marked source: the desugarer maps the few it needs back to the original with the
 * reader's offset map. A syntax error becomes `E_SYNTAX` at its original position.
 */
export function parse(marked: MarkedSource, options: ParseOptions): t.File {
  let ast: t.File;
  try {
    ast = babelParse(marked.code, {
      sourceType: options.sourceType,
      sourceFilename: options.filename,
      allowReturnOutsideFunction: options.sourceType === "script",
      // The desugarer edits text and never reads comments from the tree: skip attaching them.
      attachComment: false,
      plugins: parserPlugins(options),
    });
  } catch (error) {
    throw syntaxError(error, marked, options.filename);
  }
  return ast;
}

function parserPlugins(options: ParseOptions): ParserPlugin[] {
  const plugins: ParserPlugin[] = ["explicitResourceManagement"];
  if (options.typescript) plugins.push("typescript");
  if (options.jsx) plugins.push("jsx");
  return plugins;
}

/** Babel's error, re-addressed to the original source; anything that is not a located parser error is a bug and passes through. */
function syntaxError(error: unknown, marked: MarkedSource, filename: string): unknown {
  const pos = (error as { pos?: unknown } | null)?.pos;
  if (!(error instanceof SyntaxError) || typeof pos !== "number") return error;
  const at = marked.offsets.toOriginal(pos);
  let message = error.message.replace(/ \(\d+:\d+\)$/, "");
  if (message === "'with' in strict mode.") message = withHint(marked, at) ?? message;
  return compileErrorAt("E_SYNTAX", message, marked.offsets.original, at, filename);
}

/**
 * A module rejects JavaScript's own `with (E)`: the user most likely meant ours, so the
 * message says how to write it, with their E.
 */
function withHint(marked: MarkedSource, at: number): string | null {
  const head = marked.plainWithHeads.find((candidate) => candidate.keyword === at);
  if (!head) return null;
  const expression = marked.offsets.original.slice(head.open + 1, head.close).trim().replace(/\s+/g, " ");
  const shown = expression.length > 40 ? "…" : expression;
  return `'with' in strict mode: to enter a context manager, write \`with (yielding ${shown})\``;
}
