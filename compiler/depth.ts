import jsTokens from "js-tokens";
import { compileErrorAt, type CompileError } from "./errors.js";
import { isCloser, isOpener, type SignificantToken } from "./tokens.js";

/**
 * Whether `error` is the engine running out of stack: a source nested deeper than the
 * parser (a recursive descent) can follow. V8 and Safari throw a RangeError, Firefox an
 * InternalError ("too much recursion").
 */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof Error && (error instanceof RangeError || error.name === "InternalError") && /call stack|recursion/i.test(error.message);
}

/**
 * The `E_SYNTAX` error for a source nested too deeply, at the bracket where the nesting is
 * deepest, found by a flat scan of the tokens (no recursion, so it cannot overflow itself).
 */
export function tooDeeplyNested(source: string, filename: string, jsx: boolean): CompileError {
  let depth = 0;
  let deepest = 0;
  let at = 0;
  let offset = 0;
  for (const token of jsTokens(source, { jsx }) as Iterable<SignificantToken>) {
    if (isOpener(token)) {
      if (++depth > deepest) [deepest, at] = [depth, offset];
    } else if (isCloser(token)) {
      depth--;
    }
    offset += token.value.length;
  }
  return compileErrorAt(
    "E_SYNTAX",
    `nested too deeply: ${deepest} brackets and blocks deep here, more than the parser can follow; split this expression or statement up`,
    source,
    at,
    filename,
  );
}
