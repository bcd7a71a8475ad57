import * as t from "@babel/types";
import { compileErrorAt } from "../errors.js";
import type { ClauseMark, ComprehensionMark } from "../reader.js";
import { requireGeneratorContext } from "./context.js";
import { iterationText, loopText } from "./for-of.js";
import type { DesugarContext } from "./types.js";
import { referencesAny, type Site } from "./walk.js";

/*
 * Comprehensions (SPEC §5), lowered by editing the original text. The reader made
 * `[for (const x of yielding xs) if (c) e]` into `[FOR(x = LOOP(xs), IF(c, e))]` for the
 * parser; the clause heads of the original are already statement heads, so they mostly stay:
 *
 *   plain array        ((_r) => { for (const x of xs) if (c) _r.push(e); return _r; })([])
 *   array with await   (await (async (_r) => { …same… })([]))
 *   yielding array     (yield* function* (_r) { …yielding loops… _r.push(e); return _r; }.call(this, []))
 *   plain lazy         (_lazy(_firstIterable(xs, "xs"), function* (_first) { for (let x of _first) if (c) yield e; }))
 *   yielding lazy      (_lazyStream(_iterate(xs, "xs"), function* (_first, _emit) { …loop over _first… yield* _emit(e); }))
 *
 * An arrow keeps `this`, `arguments`, `super` and `new.target`; where the comprehension must
 * become a generator (it suspends, or it is lazy), `this` is passed with `.call` (to a lazy
 * one only when it uses it, so `super(for …)` works), and the others, when used, as
 * parameters (`arguments` → `_arguments`, `new.target` → `_newTarget`, `super.x` →
 * `_super("x")` with `_super = (k) => super[k]` made outside), also when only a comprehension
 * nested in it uses them.
 */

/** The parsed parts of one clause. */
interface Clause {
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
interface Parsed {
  readonly mark: ComprehensionMark;
  readonly clauses: Clause[];
  /** The element expression. */
  readonly element: t.Expression;
}

type Strategy = "arrow" | "async-arrow" | "generator" | "lazy" | "lazy-stream";

/** What a generator-shaped comprehension must be handed from outside, and the names it uses inside. */
interface Captures {
  arguments: string;
  newTarget: string;
  super: string;
}

/** Per comprehension planned so far: its strategy and captured names (for nested ones). */
export type ComprehensionPlans = Map<t.Node, Plan>;

/** What is decided about one comprehension: its shape, its captured names, its first source. */
interface Plan {
  readonly strategy: Strategy;
  readonly captures: Captures;
  /** The first clause's source, evaluated where the comprehension is even when it is lazy. */
  readonly firstSource: t.Node;
}

/** A comprehension checked and classified, before its captures are planned. */
export interface Classified {
  readonly parsed: Parsed;
  readonly strategy: Strategy;
}

/**
 * Checks the comprehension whose first clause is the marker call at the end of `site`, and
 * chooses its shape (`E_COMP_YIELD` for a `yield` or `await` in a lazy one). Every
 * comprehension is classified before any is planned: an outer one must know which nested
 * ones become generators of their own.
 */
export function classifyComprehension(
  site: Site,
  mark: ComprehensionMark,
  markers: { loop: string; for: string; if: string },
  plans: ComprehensionPlans,
  context: DesugarContext,
): Classified {
  const parsed = parse(site, mark, markers, context);
  const keyword = parsed.clauses.find((clause) => clause.marker !== null)?.marker ?? null;
  const { yields, awaits, suspending } = scanInside(site[site.length - 1]!.node, plans);
  let strategy: Strategy;
  if (mark.kind === "lazy") {
    const suspension = yields[0] ?? awaits[0];
    if (suspension) {
      throw compileErrorAt(
        "E_COMP_YIELD",
        `\`${t.isYieldExpression(suspension) ? "yield" : "await"}\` cannot be used in a lazy comprehension: it runs later, as its consumer pulls; use an array comprehension \`[for …]\``,
        context.source,
        context.original(suspension.start),
        context.filename,
      );
    }
    strategy = keyword ? "lazy-stream" : "lazy";
  } else if (keyword || yields.length > 0 || suspending.length > 0) {
    strategy = "generator";
  } else {
    strategy = awaits.length > 0 ? "async-arrow" : "arrow";
  }
  plans.set(site[site.length - 1]!.node, { strategy, captures: { arguments: "", newTarget: "", super: "" }, firstSource: parsed.clauses[0]!.expression });
  return { parsed, strategy };
}

/**
 * Plans the lowering of a classified comprehension (names are chosen now, in source order);
 * the returned function edits the text later, after what is nested in it.
 */
export function planComprehension(site: Site, classified: Classified, plans: ComprehensionPlans, context: DesugarContext): () => void {
  const { parsed, strategy } = classified;
  const node = site[site.length - 1]!.node;
  const keyword = parsed.clauses.find((clause) => clause.marker !== null)?.marker;
  if (keyword && strategy === "generator") {
    requireGeneratorContext(site, context.original(keyword.start), context, (ancestor) =>
      // A lazy comprehension's first source runs where the comprehension is created.
      inFirstSource(site, ancestor, plans) ? null : comprehensionContext(ancestor, plans),
    );
  }
  const inner = scanInside(node, plans);
  const captures = plans.get(node)!.captures;
  // Nested comprehensions that become generators of their own take these from this one.
  const used = usedBelow(node, plans);
  if (strategy === "generator" || strategy === "lazy" || strategy === "lazy-stream") {
    if (used.arguments) captures.arguments = context.freshName("arguments");
    if (used.newTarget) captures.newTarget = context.freshName("newTarget");
    if (used.super) {
      const assigned = inner.supers.find((s) => s.assigned);
      if (assigned) {
        throw compileErrorAt(
          "E_SYNTAX",
          "assigning to a `super` property inside a lazy or yielding comprehension is not supported: assign it outside the comprehension",
          context.source,
          context.original(assigned.node.start),
          context.filename,
        );
      }
      captures.super = context.freshName("super");
    }
  }
  const outer = enclosingPlan(site, plans);
  const names: Names = {
    result: strategy === "lazy" || strategy === "lazy-stream" ? "" : context.freshName("r"),
    first: strategy === "lazy" || strategy === "lazy-stream" ? context.freshName("first") : "",
    emit: strategy === "lazy-stream" ? context.freshName("emit") : "",
    loops: parsed.clauses.map((clause, index) =>
      clause.marker
        ? {
            it: index === 0 && (strategy === "lazy" || strategy === "lazy-stream") ? "" : context.freshName("it"),
            err: context.freshName("err"),
            source: needsTdzScope(clause) ? context.freshName("source") : "",
          }
        : null,
    ),
  };
  const isAsync = nearestFunction(site)?.async === true;
  return () => lower(parsed, strategy, names, captures, outer?.captures ?? null, inner, isAsync, used.this, context);
}

/**
 * Whether `node` is a lazy comprehension, whose body is a function of its own: a yielding
 * one's body runs as a coroutine (in its consumer's task), a plain one's as a Generator its
 * consumer drives, which cannot wait. Array comprehensions stay in the enclosing function.
 */
export function comprehensionContext(node: t.Node, plans: ComprehensionPlans): "coroutine" | "plain" | null {
  const strategy = plans.get(node)?.strategy;
  return strategy === "lazy-stream" ? "coroutine" : strategy === "lazy" ? "plain" : null;
}

function parse(site: Site, mark: ComprehensionMark, markers: { loop: string; for: string; if: string }, context: DesugarContext): Parsed {
  const first = site[site.length - 1]!.node as t.CallExpression;
  const parent = site[site.length - 2]?.node;
  if (mark.kind === "array" && !(t.isArrayExpression(parent) && parent.elements.length === 1 && context.original(parent.start) === mark.open)) {
    // `a[for (…) …]`: a member access cannot hold a comprehension without its own brackets.
    throw syntaxError("Unexpected keyword 'for'", mark.clauses[0]!.keyword, context);
  }
  const clauses: Clause[] = [];
  let call: t.Node = first;
  for (const clauseMark of mark.clauses) {
    const isClauseCall =
      t.isCallExpression(call) && t.isIdentifier(call.callee, { name: clauseMark.kind === "for" ? markers.for : markers.if }) && call.arguments.length >= 2;
    if (!isClauseCall) throw syntaxError("Unexpected token in a comprehension", clauseMark.keyword, context);
    const args = (call as t.CallExpression).arguments;
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
      if (!t.isAssignmentExpression(head) || head.operator !== "=") {
        const at = t.isBinaryExpression(head, { operator: "in" }) ? nextToken(context.source, context.original(head.left.end)) : clauseMark.keyword;
        throw syntaxError("a comprehension's `for` clause iterates with `of`: `for (x of xs)`", at, context);
      }
      checkBinding(head.left, context);
      const right = head.right;
      const marker = t.isCallExpression(right) && t.isIdentifier(right.callee, { name: markers.loop }) ? right : null;
      let expression = right;
      if (marker) {
        if (marker.arguments.length !== 1) throw syntaxError('Unexpected token, expected ")"', nextToken(context.source, context.original(marker.arguments[0]!.end)), context);
        expression = marker.arguments[0] as t.Expression;
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

/** Where the token after `from` starts: past blanks, comments and closing parentheses (the comma after `(a), b`). */
function nextToken(source: string, from: number): number {
  return from + /^(?:\s|\)|\/\/[^\n\r\u2028\u2029]*|\/\*[\s\S]*?\*\/)*/.exec(source.slice(from))![0].length;
}

function syntaxError(message: string, at: number, context: DesugarContext): Error {
  return compileErrorAt("E_SYNTAX", message, context.source, at, context.filename);
}

/** A `for … of yielding` clause whose source mentions its own binding: evaluated in that binding's TDZ. */
function needsTdzScope(clause: Clause): boolean {
  return referencesAny(clause.expression, Object.keys(t.getBindingIdentifiers(clause.binding!)));
}

/** What a comprehension holds that matters to its lowering (nested functions excluded, arrows included). */
interface Inside {
  yields: t.YieldExpression[];
  awaits: t.AwaitExpression[];
  arguments: t.Identifier[];
  newTargets: t.MetaProperty[];
  supers: { node: t.MemberExpression; call: t.CallExpression | t.OptionalCallExpression | null; assigned: boolean; tagged: boolean }[];
  /** Array comprehensions in it that become generators (`yield*`), so this one must suspend too. */
  suspending: t.Node[];
}

/**
 * Finds `yield`, `await`, `arguments`, `new.target` and `super` that belong to the
 * enclosing function. A nested comprehension that becomes a generator of its own handles
 * `arguments`, `new.target` and `super` itself, so those are not collected inside it.
 */
function scanInside(root: t.Node, plans: ComprehensionPlans): Inside {
  const inside: Inside = { yields: [], awaits: [], arguments: [], newTargets: [], supers: [], suspending: [] };
  const visit = (node: t.Node, parent: t.Node | null, key: string, capture: boolean): void => {
    if (node !== root && t.isFunction(node) && !t.isArrowFunctionExpression(node)) {
      // A nested function has its own `arguments`…; only its computed keys and defaults… are not ours either.
      return;
    }
    if (t.isClass(node) && node !== root) return;
    if (t.isYieldExpression(node)) inside.yields.push(node);
    else if (t.isAwaitExpression(node)) inside.awaits.push(node);
    else if (capture && t.isIdentifier(node, { name: "arguments" }) && parent && t.isReferenced(node, parent)) inside.arguments.push(node);
    else if (capture && t.isMetaProperty(node) && node.meta.name === "new" && node.property.name === "target") inside.newTargets.push(node);
    else if (capture && t.isMemberExpression(node) && t.isSuper(node.object)) {
      const call = parent && (t.isCallExpression(parent) || t.isOptionalCallExpression(parent)) && key === "callee" ? parent : null;
      const assigned = !!parent && ((t.isAssignmentExpression(parent) && key === "left") || t.isUpdateExpression(parent) || (t.isForXStatement(parent) && key === "left"));
      const tagged = !!parent && t.isTaggedTemplateExpression(parent) && key === "tag";
      inside.supers.push({ node, call, assigned, tagged });
    }
    const strategy = plans.get(node)?.strategy;
    const lazy = strategy === "lazy" || strategy === "lazy-stream";
    if (lazy) {
      // A lazy comprehension's first source is evaluated where the comprehension is; the
      // rest is the body of a function of its own (whose yields cannot make an outer one suspend).
      const source = plans.get(node)!.firstSource;
      if (node !== root) return visit(source, null, "", capture);
      visit(source, null, "", false);
      visitChildren(node, (child) => child !== (node as t.CallExpression).arguments[0], capture);
      return;
    }
    if (node !== root && strategy === "generator") inside.suspending.push(node);
    // Inside a nested comprehension that becomes a generator, captures are its own.
    visitChildren(node, () => true, capture && (node === root || strategy !== "generator"));
  };
  const visitChildren = (node: t.Node, keep: (child: t.Node) => boolean, captureInside: boolean): void => {
    for (const childKey of t.VISITOR_KEYS[node.type] ?? []) {
      const child = (node as unknown as Record<string, unknown>)[childKey];
      for (const item of Array.isArray(child) ? child : [child]) {
        if (item && typeof (item as t.Node).type === "string" && keep(item as t.Node)) visit(item as t.Node, node, childKey, captureInside);
      }
    }
    // A lazy comprehension's first clause: only its binding is inside the body (the source was visited).
    if (!keep((node as t.CallExpression).arguments?.[0] as t.Node)) {
      const head = (node as t.CallExpression).arguments[0] as t.AssignmentExpression;
      visit(head.left, head, "left", captureInside);
    }
  };
  visit(root, null, "", true);
  return inside;
}

/** The function the comprehension is written in, if any. */
function nearestFunction(site: Site): t.Function | null {
  for (let depth = site.length - 2; depth >= 0; depth--) {
    const node = site[depth]!.node;
    if (t.isFunction(node)) return node;
  }
  return null;
}

/** The plan of the nearest comprehension around this one, within the same function (not one whose first source holds it). */
function enclosingPlan(site: Site, plans: ComprehensionPlans): Plan | null {
  for (let depth = site.length - 2; depth >= 0; depth--) {
    const node = site[depth]!.node;
    if (t.isFunction(node) && !t.isArrowFunctionExpression(node)) return null;
    const plan = plans.get(node);
    if (plan && plan.strategy !== "arrow" && plan.strategy !== "async-arrow" && !inFirstSource(site, node, plans)) return plan;
  }
  return null;
}

/** Whether `ancestor` is a lazy comprehension and what `site` leads to is in its first source, evaluated outside its body. */
function inFirstSource(site: Site, ancestor: t.Node, plans: ComprehensionPlans): boolean {
  const plan = plans.get(ancestor);
  if (!plan || (plan.strategy !== "lazy" && plan.strategy !== "lazy-stream")) return false;
  return site.some((step) => step.node === plan.firstSource);
}

/**
 * What of the enclosing function's the comprehension `root` uses, at any depth (nested
 * comprehensions included, nested functions and classes excluded): a nested one that becomes
 * a generator of its own takes `arguments`, `new.target` and `super` from this one, and its
 * `this` too. A lazy one's first source is evaluated outside its body and does not count.
 */
function usedBelow(root: t.Node, plans: ComprehensionPlans): { this: boolean; arguments: boolean; newTarget: boolean; super: boolean } {
  const used = { this: false, arguments: false, newTarget: false, super: false };
  const plan = plans.get(root)!;
  const skip = plan.strategy === "lazy" || plan.strategy === "lazy-stream" ? plan.firstSource : null;
  const visit = (node: t.Node, parent: t.Node | null): void => {
    if (node === skip || (node !== root && ((t.isFunction(node) && !t.isArrowFunctionExpression(node)) || t.isClass(node)))) return;
    if (t.isThisExpression(node)) used.this = true;
    else if (t.isSuper(node)) used.super = used.this = true;
    else if (t.isIdentifier(node, { name: "arguments" }) && parent && t.isReferenced(node, parent)) used.arguments = true;
    else if (t.isMetaProperty(node) && node.meta.name === "new" && node.property.name === "target") used.newTarget = true;
    for (const key of t.VISITOR_KEYS[node.type] ?? []) {
      const child = (node as unknown as Record<string, unknown>)[key];
      for (const item of Array.isArray(child) ? child : [child]) {
        if (item && typeof (item as t.Node).type === "string") visit(item as t.Node, node);
      }
    }
  };
  visit(root, null);
  return used;
}

interface Names {
  result: string;
  first: string;
  emit: string;
  loops: ({ it: string; err: string; source: string } | null)[];
}

function lower(
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
