import * as t from "@babel/types";
import { iterationText, loopText } from "../for-of.js";
import type { DesugarContext } from "../types.js";
import type { Clause, Parsed } from "./parse.js";
import type { Captures, Inside, Strategy } from "./scope.js";

export interface Names {
  result: string;
  first: string;
  emit: string;
  loops: ({ it: string; err: string; source: string } | null)[];
}

/**
 * Edits the text of one planned comprehension into its shape (see ./index.ts): the
 * captured names in, the element collected, yielded or emitted, the clauses in place.
 */
export function lower(
  parsed: Parsed,
  strategy: Strategy,
  names: Names,
  captures: Captures,
  outer: Captures | null,
  inside: Inside,
  isAsync: boolean,
  usesThis: boolean,
  context: DesugarContext,
): void {
  const at = context.original;
  const edits = context.edits;
  const { mark, clauses, element } = parsed;
  const lazy = strategy === "lazy" || strategy === "lazy-stream";

  // The names used inside for what the enclosing function has, and what is passed in.
  const params: string[] = [];
  const args: string[] = [];
  if (captures.arguments) {
    params.push(captures.arguments);
    args.push(outer?.arguments || "arguments");
    for (const node of inside.arguments) edits.overwrite(at(node.start), at(node.end), captures.arguments);
  }
  if (captures.newTarget) {
    params.push(captures.newTarget);
    args.push(outer?.newTarget || "new.target");
    for (const node of inside.newTargets) edits.overwrite(at(node.start), at(node.end), captures.newTarget);
  }
  if (captures.super) {
    params.push(captures.super);
    // In TypeScript, `(k: PropertyKey) => super[k as never]` type-checks under `strict`.
    args.push(outer?.super || (context.typescript ? "(k: PropertyKey): any => super[k as never]" : "(k) => super[k]"));
    for (const { node, call, tagged } of inside.supers) lowerSuper(node, call, tagged, captures.super, context);
  }

  // The element (everything between the last clause head and the closing bracket, so its
  // parentheses and comments too): collected, yielded or emitted. What follows it goes in
  // first, before the clauses' closing code; what precedes it last, after the clause heads
  // are rewritten (an overwrite drops what was appended at its end).
  const [before, after] =
    strategy === "lazy" ? ["yield ", ";"] : strategy === "lazy-stream" ? [`yield* ${names.emit}(`, ");"] : [`${names.result}.push(`, ");"];
  edits.appendLeft(mark.close, after);
  // The clauses, innermost first: their closing code goes in before the comprehension's.
  for (let index = clauses.length - 1; index >= 0; index--) {
    lowerClause(clauses[index]!, index, names, lazy && index === 0, mark.close, context);
  }
  const extra = element.extra as { parenthesized?: boolean; parenStart?: number } | undefined;
  edits.appendLeft(at(extra?.parenthesized ? extra.parenStart : element.start), before);

  // A lazy one is handed `this` only when it uses it: `super(for …)` runs before `this` exists.
  const thisAndArgs = (usesThis ? ["this", ...args] : args.length > 0 ? ["undefined", ...args] : []).map((arg) => `, ${arg}`).join("");
  // TypeScript output is checked under `strict` too: generated parameters say `any`.
  const any = context.typescript ? ": any" : "";
  const paramList = (first: string[]) => [...(context.typescript ? ["this: any"] : []), ...first, ...params].map((p) => (p === "this: any" ? p : p + any)).join(", ");
  const close = mark.close;
  switch (strategy) {
    case "arrow":
      edits.overwrite(mark.open, mark.open + 1, `((${names.result}${any}) => { `);
      edits.overwrite(close, close + 1, ` return ${names.result}; })([])`);
      break;
    case "async-arrow":
      edits.overwrite(mark.open, mark.open + 1, `(await (async (${names.result}${any}) => { `);
      edits.overwrite(close, close + 1, ` return ${names.result}; })([]))`);
      break;
    case "generator":
      edits.overwrite(mark.open, mark.open + 1, `(yield* ${isAsync ? "async " : ""}function* (${paramList([names.result])}) { `);
      edits.overwrite(close, close + 1, ` return ${names.result}; }.call(${[usesThis ? "this" : "undefined", "[]", ...args].join(", ")}))`);
      break;
    case "lazy":
    case "lazy-stream":
      // The parentheses stay: `(for …)` is `(_lazy(…))`, and `f(for …)` is `f(_lazy(…))`.
      edits.appendLeft(close, ` }${thisAndArgs})`);
      break;
  }
  if (lazy) {
    const firstClause = clauses[0]!;
    const helper = context.runtimeHelper(strategy === "lazy" ? "lazy" : "lazyStream");
    const opener = firstClause.marker ? context.runtimeHelper("iterate") : context.runtimeHelper("firstIterable");
    const [start, end] = [at(firstClause.expression.start), at(firstClause.expression.end)];
    const [open, shut] = t.isSequenceExpression(firstClause.expression) ? ["(", ")"] : ["", ""];
    const sourceText = JSON.stringify(context.source.slice(start, end));
    const bodyParams = paramList(strategy === "lazy" ? [names.first] : [names.first, names.emit]);
    edits.overwrite(firstClause.mark.keyword, start, `${helper}(${opener}(${open}`);
    // After what a comprehension ending there appended: `(for (x of (for …)) …)`.
    edits.appendLeft(end, `${shut}, ${sourceText}), function* (${bodyParams}) {`);
  }
}

/**
 * One clause, in place. A plain `for` keeps its head (made a fresh binding: `let` when it
 * had no declaration); `if` keeps its head; a yielding `for` becomes a yielding loop whose
 * body is the rest of the comprehension (its closing code goes in before `close`). The
 * first clause of a lazy comprehension iterates what was obtained at creation (`names.first`).
 */
function lowerClause(clause: Clause, index: number, names: Names, isLazyFirst: boolean, close: number, context: DesugarContext): void {
  const at = context.original;
  const edits = context.edits;
  const { mark } = clause;
  if (mark.kind === "if") return;
  const declaration = mark.declaration ? context.source.slice(mark.declaration[0], mark.declaration[1]) : "let";
  const bindingStart = at(clause.binding!.start);
  const bindingEnd = at(clause.binding!.end);
  const binding = edits.slice(bindingStart, bindingEnd);
  const loop = names.loops[index];

  if (isLazyFirst) {
    // The source was moved out (evaluated at creation); the head iterates `names.first`.
    if (!loop) {
      edits.overwrite(at(clause.expression.end), mark.headClose + 1, ` for (${declaration} ${binding} of ${names.first})`);
      return;
    }
    const text = loopText(names.first, loop.err, "", `${declaration} ${binding} = ${names.first}.value;`);
    edits.overwrite(at(clause.expression.end), mark.headClose + 1, ` ${text.enter.trimEnd()}`);
    edits.appendLeft(close, text.exit);
    return;
  }

  if (!loop) {
    if (!mark.declaration) edits.appendLeft(mark.headOpen + 1, "let ");
    return;
  }
  const opening = iterationText(clause.expression, loop, Object.keys(t.getBindingIdentifiers(clause.binding!)), context);
  const text = loopText(loop.it, loop.err, "", `${declaration} ${binding} = ${loop.it}.value;`);
  edits.overwrite(mark.keyword, at(clause.expression.start), opening.before);
  edits.overwrite(at(clause.expression.end), mark.headClose + 1, `${opening.after} ${text.enter.trimEnd()}`);
  edits.appendLeft(close, `${text.exit} }`);
}

/**
 * `super.x` → `_super("x")`, `super[k]` → `_super(k)`, `super.m(a)` → `_super("m").call(this, a)`,
 * `super.m?.(a)` → `_super("m")?.call(this, a)`, ``super.t`s` `` → ``_super("t").bind(this)`s` ``.
 */
function lowerSuper(
  node: t.MemberExpression,
  call: t.CallExpression | t.OptionalCallExpression | null,
  tagged: boolean,
  name: string,
  context: DesugarContext,
): void {
  const at = context.original;
  const edits = context.edits;
  const key = node.computed ? edits.slice(at(node.property.start), at(node.property.end)) : JSON.stringify((node.property as t.Identifier).name);
  // ``super.tag`…` `` calls the method with `this`, as a tagged template does.
  if (tagged) return void edits.overwrite(at(node.start), at(node.end), `${name}(${key}).bind(this)`);
  const optional = t.isOptionalCallExpression(call);
  edits.overwrite(at(node.start), at(node.end), `${name}(${key})${call && !optional ? ".call" : ""}`);
  if (call) {
    const open = context.source.indexOf("(", at(node.end));
    const thisArg = call.arguments.length > 0 ? "this, " : "this";
    if (optional) edits.overwrite(at(node.end), open + 1, `?.call(${thisArg}`);
    else edits.appendLeft(open + 1, thisArg);
  }
}
