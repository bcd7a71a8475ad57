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
    throw syntaxError(error, marked.offsets, options.filename);
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
function syntaxError(error: unknown, offsets: OffsetMap, filename: string): unknown {
  const pos = (error as { pos?: unknown } | null)?.pos;
  if (!(error instanceof SyntaxError) || typeof pos !== "number") return error;
  const message = error.message.replace(/ \(\d+:\d+\)$/, "");
  return compileErrorAt("E_SYNTAX", message, offsets.original, offsets.toOriginal(pos), filename);
}
