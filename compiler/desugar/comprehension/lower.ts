import * as t from "@babel/types";
import { iterationText, loopText } from "../for-of.js";
import type { DesugarContext } from "../types.js";
import type { Clause, Parsed } from "./parse.js";
import type { Captures, Inside, Strategy, SuperUse } from "./scope.js";
import { onOneLine, stringLiteral, type Range } from "../lines.js";

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
    for (const node of inside.arguments) context.replace(at(node.start), at(node.end), captures.arguments);
  }
  if (captures.newTarget) {
    params.push(captures.newTarget);
    args.push(outer?.newTarget || "new.target");
    for (const node of inside.newTargets) context.replace(at(node.start), at(node.end), captures.newTarget);
  }
  if (captures.super) {
    params.push(captures.super);
    // In TypeScript, `(k: PropertyKey) => super[k as never]` type-checks under `strict`.
    args.push(outer?.super || (context.typescript ? "(k: PropertyKey): any => super[k as never]" : "(k) => super[k]"));
    for (const use of inside.supers) lowerSuper(use, captures.super, context);
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
      context.replace(mark.open, mark.open + 1, `((${names.result}${any}) => { `);
      context.replace(close, close + 1, ` return ${names.result}; })([])`);
      break;
    case "async-arrow":
      context.replace(mark.open, mark.open + 1, `(await (async (${names.result}${any}) => { `);
      context.replace(close, close + 1, ` return ${names.result}; })([]))`);
      break;
    case "generator":
      context.replace(mark.open, mark.open + 1, `(yield* ${isAsync ? "async " : ""}function* (${paramList([names.result])}) { `);
      context.replace(close, close + 1, ` return ${names.result}; }.call(${[usesThis ? "this" : "undefined", "[]", ...args].join(", ")}))`);
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
    const sourceText = context.sourceTextOf(firstClause.expression);
    const bodyParams = paramList(strategy === "lazy" ? [names.first] : [names.first, names.emit]);
    // The binding is re-emitted in the body's loop head (see lowerClause).
    context.replace(firstClause.mark.keyword, start, `${helper}(${opener}(${open}`, movedBinding(firstClause, context));
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
  const written = edits.slice(...bindingRange(clause, context));
  const binding = onOneLine(written) ?? written;
  const loop = names.loops[index];

  if (isLazyFirst) {
    // The source was moved out (evaluated at creation); the head iterates `names.first`.
    if (!loop) {
      context.replace(at(clause.expression.end), mark.headClose + 1, ` for (${declaration} ${binding} of ${names.first})`);
      return;
    }
    const text = loopText(names.first, loop.err, "", `${declaration} ${binding} = ${names.first}.value;`);
    context.replace(at(clause.expression.end), mark.headClose + 1, ` ${text.enter.trimEnd()}`);
    edits.appendLeft(close, text.exit);
    return;
  }

  if (!loop) {
    if (!mark.declaration) edits.appendLeft(mark.headOpen + 1, "let ");
    return;
  }
  const opening = iterationText(clause.expression, loop, Object.keys(t.getBindingIdentifiers(clause.binding!)), context);
  const text = loopText(loop.it, loop.err, "", `${declaration} ${binding} = ${loop.it}.value;`);
  context.replace(mark.keyword, at(clause.expression.start), opening.before, movedBinding(clause, context));
  context.replace(at(clause.expression.end), mark.headClose + 1, `${opening.after} ${text.enter.trimEnd()}`);
  edits.appendLeft(close, `${text.exit} }`);
}

/**
 * `super.x` → `_super("x")`, `super[k]` → `_super(k)`; a called or tagged one is bound to
 * `this`: `super.m(a)` → `_super("m").bind(this)(a)`, `super.m?.(a)` →
 * `_super("m")?.bind(this)?.(a)`, ``super.t`s` `` → ``_super("t").bind(this)`s` ``. Only the
 * member expression is rewritten, so comments and type arguments before the call's `(` stay
 * as they are. In TypeScript, a call with type arguments gets a generic signature to take them.
 */
function lowerSuper(use: SuperUse, name: string, context: DesugarContext): void {
  const { node, call, tagged, constructed } = use;
  const at = context.original;
  const [keyStart, keyEnd] = [at(node.property.start), at(node.property.end)];
  const key = node.computed ? context.edits.slice(keyStart, keyEnd) : stringLiteral((node.property as t.Identifier).name);
  let text = `${name}(${key})`;
  if (tagged) text += ".bind(this)";
  else if (call) text += call.optional ? "?.bind(this)" : ".bind(this)";
  const typeArguments = call ? ((call as { typeArguments?: t.TSTypeParameterInstantiation }).typeArguments ?? call.typeParameters) : null;
  if (context.typescript && typeArguments && t.isTSTypeParameterInstantiation(typeArguments)) {
    const params = typeArguments.params.map((_, index) => `T${index}`).join(", ");
    text = `(${text} as <${params}>(...args: any[]) => any)`;
  } else if (constructed) {
    text = `(${text})`; // `new super.C()` → `new (_super("C"))()`
  }
  context.replace(at(node.start), at(node.end), text, node.computed ? [[keyStart, keyEnd]] : []);
}

/**
 * What of a `for` clause's head moves with its line breaks: nothing when the binding fits on
 * one line (its breaks then stay in place, see `onOneLine`), else the binding.
 */
function movedBinding(clause: Clause, context: DesugarContext): Range[] {
  const range = bindingRange(clause, context);
  return onOneLine(context.edits.slice(...range)) === null ? [range] : [];
}

/** Where a `for` clause's binding is in the original source. */
function bindingRange(clause: Clause, context: DesugarContext): Range {
  return [context.original(clause.binding!.start), context.original(clause.binding!.end)];
}
