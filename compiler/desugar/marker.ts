import type * as t from "@babel/types";
import { compileErrorAt } from "../errors.js";
import type { DesugarContext } from "./types.js";

/**
 * The one expression a marker call wraps: `yielding E` in a loop head, a `with` head or a
 * comprehension clause. The call would accept a list, but `yielding a, b` is not one
 * expression: the second argument is reported as `E_SYNTAX` at its comma, as JavaScript
 * reports `for (x of a, b)`.
 */
export function markerArgument(call: t.CallExpression, context: DesugarContext): t.Expression {
  if (call.arguments.length !== 1) {
    const comma = nextToken(context.source, context.original(call.arguments[0]!.end));
    throw compileErrorAt("E_SYNTAX", 'Unexpected token, expected ")"', context.source, comma, context.filename);
  }
  return call.arguments[0] as t.Expression;
}

/** Where the token after `from` starts: past blanks, comments and closing parentheses (the comma after `(a), b`). */
export function nextToken(source: string, from: number): number {
  return from + /^(?:\s|\)|\/\/[^\n\r\u2028\u2029]*|\/\*[\s\S]*?\*\/)*/.exec(source.slice(from))![0].length;
}
