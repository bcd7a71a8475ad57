import * as t from "@babel/types";
import { compileErrorAt } from "../../errors.js";
import type { ClauseMark, ComprehensionMark } from "../../reader.js";
import type { DesugarContext } from "../types.js";
import { markerArgument, nextToken } from "../marker.js";
import { referencesAny, type Site } from "../walk.js";

/* What the parser made of a comprehension (see ./index.ts), read back into clauses. */

/** The parsed parts of one clause. */
export interface Clause {
  readonly mark: ClauseMark;
  readonly call: t.CallExpression;
  /** `for`: the binding (identifier or pattern). */
  readonly binding: t.LVal | null;
  /** `for`: the source expression; `if`: the condition. */
  readonly expression: t.Expression;
  /** `for … of yielding`: the marker call around the source (it starts at the keyword). */
  readonly marker: t.CallExpression | null;
}

/** One comprehension, as the parser and the reader saw it. */
export interface Parsed {
  readonly mark: ComprehensionMark;
  readonly clauses: Clause[];
  /** The element expression. */
  readonly element: t.Expression;
}

/**
 * Reads the comprehension whose first clause is the marker call at the end of `site` into
 * its clauses and element, checking what the parser let through: an array comprehension
 * has brackets of its own, every clause call has exactly its two parts, a `for` clause is
 * `binding = source` with an identifier or pattern binding.
 */
export function parseComprehension(site: Site, mark: ComprehensionMark, markers: { loop: string; for: string; if: string }, context: DesugarContext): Parsed {
  const first = site[site.length - 1]!.node as t.CallExpression;
  const parent = site[site.length - 2]?.node;
  if (mark.kind === "array" && !(t.isArrayExpression(parent) && parent.elements.length === 1 && context.original(parent.start) === mark.open)) {
    // `a[for (…) …]`: a member access cannot hold a comprehension without its own brackets.
    throw syntaxError("Unexpected keyword 'for'", mark.clauses[0]!.keyword, context);
  }
  const clauses: Clause[] = [];
  let call: t.Node = first;
  for (const clauseMark of mark.clauses) {
    const isClauseCall = t.isCallExpression(call) && t.isIdentifier(call.callee, { name: clauseMark.kind === "for" ? markers.for : markers.if });
    if (!isClauseCall) throw syntaxError("Unexpected token in a comprehension", clauseMark.keyword, context);
    const args = (call as t.CallExpression).arguments;
    if (args.length === 1) {
      // The last clause's head is followed by the closing bracket: `[for (x of xs) ]`.
      throw syntaxError("Unexpected token: a comprehension ends with its element, as in `[for (x of xs) x]`", mark.close, context);
    }
    if (args.length > 2) {
      // A comma in the head (`for (x of a, b)`, `if (a, b)`) or after the element (`[for (x of xs) a, b]`).
      const inHead = context.original(args[1]!.start) < clauseMark.headClose;
      const expected = inHead || mark.kind === "lazy" ? ")" : "]";
      throw syntaxError(`Unexpected token, expected "${expected}"`, nextToken(context.source, context.original(args[inHead ? 0 : 1]!.end)), context);
    }
    const [head, next] = args as [t.Node, t.Node];
    if (t.isSpreadElement(head) || t.isSpreadElement(next) || t.isArgumentPlaceholder(head) || t.isArgumentPlaceholder(next)) {
      throw syntaxError("Unexpected token in a comprehension", clauseMark.keyword, context);
    }
    if (clauseMark.kind === "for") {
      // The reader spelled the head's `of` as `=`; an `=` the user wrote (`for (x = 1)`) is no `of`.
      const of = clauseMark.of;
      if (!t.isAssignmentExpression(head) || head.operator !== "=" || of < 0 || of < context.original(head.left.end) || of >= context.original(head.right.start)) {
        const at = t.isBinaryExpression(head, { operator: "in" }) ? nextToken(context.source, context.original(head.left.end)) : clauseMark.keyword;
        throw syntaxError("a comprehension's `for` clause iterates with `of`: `for (x of xs)`", at, context);
      }
      checkBinding(head.left, context);
      const right = head.right;
      const marker = t.isCallExpression(right) && t.isIdentifier(right.callee, { name: markers.loop }) ? right : null;
      let expression = right;
      if (marker) {
        expression = markerArgument(marker, context);
      }
      clauses.push({ mark: clauseMark, call: call as t.CallExpression, binding: head.left as t.LVal, expression, marker });
    } else {
      clauses.push({ mark: clauseMark, call: call as t.CallExpression, binding: null, expression: head as t.Expression, marker: null });
    }
    call = next;
  }
  return { mark, clauses, element: call as t.Expression };
}

/** A comprehension binds names: an identifier or a destructuring pattern of them. */
function checkBinding(node: t.Node, context: DesugarContext): void {
  if (t.isIdentifier(node)) return;
  if (t.isObjectPattern(node)) {
    for (const property of node.properties) checkBinding(t.isRestElement(property) ? property.argument : (property.value as t.Node), context);
    return;
  }
  if (t.isArrayPattern(node)) {
    for (const element of node.elements) if (element) checkBinding(element, context);
    return;
  }
  if (t.isAssignmentPattern(node)) return checkBinding(node.left, context);
  if (t.isRestElement(node)) return checkBinding(node.argument, context);
  throw syntaxError(
    "a comprehension binds fresh names: write an identifier or a destructuring pattern",
    context.original(node.start),
    context,
  );
}

function syntaxError(message: string, at: number, context: DesugarContext): Error {
  return compileErrorAt("E_SYNTAX", message, context.source, at, context.filename);
}

/** A `for … of yielding` clause whose source mentions its own binding: evaluated in that binding's TDZ. */
export function needsTdzScope(clause: Clause): boolean {
  return referencesAny(clause.expression, Object.keys(t.getBindingIdentifiers(clause.binding!)));
}

