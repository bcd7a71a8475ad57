import * as t from "@babel/types";
import type { DesugarContext } from "./types.js";
import { onOneLine } from "./lines.js";
import { markerArgument } from "./marker.js";
import { referencesAny, type Site } from "./walk.js";

/*
 * `for (HEAD of yielding E) BODY` (SPEC §3), lowered by editing the original text: E,
 * HEAD and BODY stay exactly as written (loops inside them are lowered first, in place),
 * and the generated code goes around them on the lines the loop already occupies, so the
 * output keeps the user's formatting and every line number:
 *
 *   { const _it = _iterate(E, "E"); try { LABELS: for (;;) { if (!(_it.next() ?? (yield* _it.wait()))) break; HEAD = _it.value; BODY
 *   } } catch (_err) { yield* _it.abort(_err); throw _err; } finally { if (_it.open) yield* _it.close(); } }
 *
 * The runtime's iterator object picks the protocol, takes the fast path when a step is
 * ready (no `yield*` at all), and knows whether the iterator must be closed: after the
 * body threw (`abort`: the body's error wins over return()'s), or after `break`, `return`
 * or `continue` to an outer label (`close`).
 */

/**
 * Plans the lowering of the loop at the end of `site` (whose iterable is the marker call
 * `marker`): names are chosen now, in source order, so outer loops get the plain names;
 * the returned function edits the loop later, after the loops nested in it. Labels on the
 * loop move to the inner `for (;;)`, so `break L` and `continue L` keep their meaning.
 */
export function planForOf(site: Site, marker: t.CallExpression, context: DesugarContext): () => void {
  markerArgument(marker, context); // `for (x of yielding a, b)` is E_SYNTAX, as in `for…of`
  const names = { it: context.freshName("it"), err: context.freshName("err"), source: "" };
  if (needsHeadScope(site, marker)) names.source = context.freshName("source");
  return () => lowerForOf(site, marker, names, context);
}

function lowerForOf(site: Site, marker: t.CallExpression, names: { it: string; err: string; source: string }, context: DesugarContext): void {
  const { it, err } = names;
  const loop = site[site.length - 1]!.node as t.ForOfStatement;
  const iterable = marker.arguments[0] as t.Expression;
  const at = context.original;

  // `A: B: for (…)`: the labels move onto the inner `for (;;)`.
  let depth = site.length - 1;
  const labels: string[] = [];
  while (depth > 0 && t.isLabeledStatement(site[depth - 1]!.node)) {
    depth--;
    labels.unshift(`${(site[depth]!.node as t.LabeledStatement).label.name}: `);
  }

  const statementStart = at(site[depth]!.node.start);
  const [headStart, headEnd] = [at(loop.left.start), at(loop.left.end)];
  const [iterableStart, iterableEnd] = [at(iterable.start), at(iterable.end)];
  const [bodyStart, bodyEnd] = [at(loop.body.start), at(loop.body.end)];
  const written = context.edits.slice(headStart, headEnd); // with the edits of loops nested in it
  // The head moves below the source: on one line where it can, so its line breaks stay in
  // place; else with them (and the source moves up by as many lines).
  const flat = onOneLine(written);
  const head = flat ?? written;
  const opening = iterationText(iterable, names, Object.keys(t.getBindingIdentifiers(loop.left)), context);
  const text = loopText(it, err, labels.join(""), t.isObjectPattern(loop.left) ? `(${head} = ${it}.value);` : `${head} = ${it}.value;`);
  context.replace(statementStart, iterableStart, opening.before, flat === null ? [[headStart, headEnd]] : []);
  context.replace(iterableEnd, bodyStart, `${opening.after} ${text.enter}`);
  context.edits.appendLeft(bodyEnd, `${text.exit} }`);
}

/**
 * The code that opens a block and starts the iteration `names.it` over `iterable`, which
 * stays in place between `before` and `after`: `{ const _it = _iterate(` E `, "E");`. With
 * `names.source`, E is evaluated where `headNames` are in their temporal dead zone:
 * `{ let _source; { _source = ` E `; let x; } const _it = _iterate(_source, "E");`.
 */
export function iterationText(
  iterable: t.Node,
  names: { it: string; source: string },
  headNames: readonly string[],
  context: DesugarContext,
): { before: string; after: string } {
  const { it, source } = names;
  const iterate = context.runtimeHelper("iterate");
  const sourceText = context.sourceTextOf(iterable);
  // `yielding (a, b)`: a comma expression needs its parentheses as an argument.
  const [open, shut] = t.isSequenceExpression(iterable) ? ["(", ")"] : ["", ""];
  return source
    ? {
        before: `{ let ${source}; { ${source} = ${open}`,
        after: `${shut}; let ${headNames.join(", ")}; } const ${it} = ${iterate}(${source}, ${sourceText});`,
      }
    : { before: `{ const ${it} = ${iterate}(${open}`, after: `${shut}, ${sourceText});` };
}

/**
 * The code around the body of a yielding loop whose iteration object is `it`: `enter` goes
 * before the body (`bind` is the statement that binds the head from `it.value`), `exit`
 * after it. Shared by for-of statements and comprehension clauses.
 */
export function loopText(it: string, err: string, labels: string, bind: string): { enter: string; exit: string } {
  return {
    enter: `try { ${labels}for (;;) { if (!(${it}.next() ?? (yield* ${it}.wait()))) break; ${bind} `,
    exit: ` } } catch (${err}) { yield* ${it}.abort(${err}); throw ${err}; } finally { if (${it}.open) yield* ${it}.close(); }`,
  };
}

/**
 * In `for (const x of f(x))` the inner `x` is the head's, in its temporal dead zone: a
 * ReferenceError. When the iterable mentions a name a `let`/`const` head binds, it is
 * evaluated in a block that declares those names after it, which gives the same error:
 * `{ let _source; { _source = f(x); let x; } const _it = _iterate(_source, "f(x)"); …`
 */
function needsHeadScope(site: Site, marker: t.CallExpression): boolean {
  const head = (site[site.length - 1]!.node as t.ForOfStatement).left;
  if (!t.isVariableDeclaration(head) || head.kind === "var") return false;
  return referencesAny(marker.arguments[0]!, Object.keys(t.getBindingIdentifiers(head)));
}
