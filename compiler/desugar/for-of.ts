import * as t from "@babel/types";
import { compileErrorAt } from "../errors.js";
import type { DesugarContext } from "./types.js";
import { findSites, replaceAt, type Site } from "./walk.js";

/*
 * `for (HEAD of yielding E) BODY` (SPEC §3), in the style of Babel's own `for await`
 * lowering. The runtime's iterator object picks the protocol, takes the fast path when a
 * step is ready, and knows whether the iterator must be closed:
 *
 *   const _it = _iterate(E, "E");
 *   try {
 *     LABELS: for (;;) {
 *       if (!(_it.next() ?? (yield* _it.wait()))) break;
 *       HEAD = _it.value;
 *       BODY
 *     }
 *   } catch (_err) {
 *     yield* _it.abort(_err);      // the body's error wins over return()'s
 *     throw _err;
 *   } finally {
 *     if (_it.open) yield* _it.close();   // break, return, continue to an outer label
 *   }
 *
 * The statements are built with `@babel/types` rather than `@babel/template`: a template
 * deep-clones every node it is given, and here that would be the whole loop body, once per
 * enclosing loop.
 */
/**
 * Plans the lowering of the loop at the end of `site` (whose iterable is the marker call
 * `marker`): names are chosen now, in source order, so outer loops get the plain names;
 * the returned function replaces the loop later, after the loops nested in it. Labels on
 * the loop move to the inner `for (;;)`, so `break L` and `continue L` keep their meaning.
 */
export function planForOf(site: Site, marker: t.CallExpression, context: DesugarContext): () => void {
  if (marker.arguments.length !== 1) {
    // `for (x of yielding a, b)`: the marker call would accept what `for…of` does not.
    const comma = context.source.indexOf(",", marker.arguments[0]!.end ?? 0);
    throw compileErrorAt("E_SYNTAX", 'Unexpected token, expected ")"', context.source, comma, context.filename);
  }
  const it = context.freshName("it");
  const err = context.freshName("err");
  return () => lowerForOf(site, marker, it, err, context);
}

function lowerForOf(site: Site, marker: t.CallExpression, it: t.Identifier, err: t.Identifier, context: DesugarContext): void {
  const loop = site[site.length - 1]!.node as t.ForOfStatement;
  const sourceExpression = marker.arguments[0] as t.Expression;

  const step = stepStatement(it);
  const binding = bindValue(loop.left, member(it, "value"));
  const innerLoop = t.forStatement(null, null, null, t.blockStatement([step, binding, ...bodyStatements(loop)]));
  step.loc = binding.loc = loop.left.loc;

  // `A: B: for (…)` — the labels move inside; the block replaces the outermost label.
  let depth = site.length - 1;
  let labelled: t.Statement = innerLoop;
  const labels: t.Identifier[] = [];
  while (depth > 0 && t.isLabeledStatement(site[depth - 1]!.node)) {
    depth--;
    labels.unshift((site[depth]!.node as t.LabeledStatement).label);
  }
  for (let i = labels.length - 1; i >= 0; i--) labelled = t.labeledStatement(labels[i]!, labelled);

  const prelude = headScopePrelude(loop.left, sourceExpression, context);
  const sourceText = t.stringLiteral(context.source.slice(sourceExpression.start ?? 0, sourceExpression.end ?? 0));
  const iterable = prelude ? t.cloneNode(prelude.value) : sourceExpression;
  const statements: t.Statement[] = [
    ...(prelude ? prelude.statements : []),
    // const _it = _iterate(E, "E");
    t.variableDeclaration("const", [t.variableDeclarator(it, t.callExpression(context.runtimeHelper("iterate"), [iterable, sourceText]))]),
    t.tryStatement(
      t.blockStatement([labelled]),
      // catch (_err) { yield* _it.abort(_err); throw _err; }
      t.catchClause(
        err,
        t.blockStatement([t.expressionStatement(delegate(it, "abort", [t.cloneNode(err)])), t.throwStatement(t.cloneNode(err))]),
      ),
      // finally { if (_it.open) yield* _it.close(); }
      t.blockStatement([t.ifStatement(member(it, "open"), t.expressionStatement(delegate(it, "close", [])))]),
    ),
  ];
  for (const statement of statements) statement.loc ??= loop.loc;
  replaceAt(site.slice(0, depth + 1), t.blockStatement(statements));
}

/** `if (!(_it.next() ?? (yield* _it.wait()))) break;` — the fast path needs no `yield*` at all. */
function stepStatement(it: t.Identifier): t.Statement {
  const ready = t.logicalExpression("??", t.callExpression(member(it, "next"), []), delegate(it, "wait", []));
  return t.ifStatement(t.unaryExpression("!", ready), t.breakStatement());
}

/** `_it.name` */
function member(it: t.Identifier, name: string): t.MemberExpression {
  return t.memberExpression(t.cloneNode(it), t.identifier(name));
}

/** `yield* _it.method(...args)` */
function delegate(it: t.Identifier, method: string, args: t.Expression[]): t.YieldExpression {
  return t.yieldExpression(t.callExpression(member(it, method), args), true);
}

/**
 * In `for (const x of f(x))` the inner `x` is the head's, in its temporal dead zone: a
 * ReferenceError. When the iterable mentions a name a `let`/`const` head binds, it is
 * evaluated in a block that declares those names after it, which gives the same error:
 *
 *   let _source;
 *   {
 *     _source = f(x);
 *     let x;
 *   }
 */
function headScopePrelude(head: t.ForOfStatement["left"], iterable: t.Expression, context: DesugarContext) {
  if (!t.isVariableDeclaration(head) || head.kind === "var") return null;
  const names = Object.keys(t.getBindingIdentifiers(head));
  const mentioned = findSites(iterable, (node) => t.isIdentifier(node) && names.includes(node.name)).some((site) =>
    t.isReferenced(site[site.length - 1]!.node, site[site.length - 2]?.node ?? iterable, site[site.length - 3]?.node),
  );
  if (!mentioned) return null;
  const value = context.freshName("source");
  const statements = [
    t.variableDeclaration("let", [t.variableDeclarator(value)]),
    t.blockStatement([
      t.expressionStatement(t.assignmentExpression("=", t.cloneNode(value), iterable)),
      t.variableDeclaration("let", names.map((name) => t.variableDeclarator(t.identifier(name)))),
    ]),
  ];
  return { value, statements };
}

/** `const x = value;`, `var {a, b} = value;` or `target = value;`, as the head asked. */
function bindValue(head: t.ForOfStatement["left"], value: t.Expression): t.Statement {
  if (t.isVariableDeclaration(head)) {
    const declarator = head.declarations[0]!;
    return t.variableDeclaration(head.kind, [t.variableDeclarator(declarator.id, value)]);
  }
  return t.expressionStatement(t.assignmentExpression("=", head as t.LVal, value));
}

/**
 * The loop body as statements to follow the binding. A block body is spliced in unless it
 * declares a name the head also binds (legal in `for…of`, whose body is its own scope);
 * then it stays a nested block.
 */
function bodyStatements(loop: t.ForOfStatement): t.Statement[] {
  const body = loop.body;
  if (!t.isBlockStatement(body)) return [body];
  const headNames = new Set(Object.keys(t.getBindingIdentifiers(loop.left)));
  const clashes = body.body.some((statement) => declaredNames(statement).some((name) => headNames.has(name)));
  return clashes ? [body] : body.body;
}

function declaredNames(statement: t.Statement): string[] {
  if (t.isVariableDeclaration(statement) || t.isClassDeclaration(statement) || t.isFunctionDeclaration(statement)) {
    return Object.keys(t.getBindingIdentifiers(statement));
  }
  return [];
}
