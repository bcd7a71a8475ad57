import * as t from "@babel/types";
import { compileErrorAt } from "../errors.js";
import type { DesugarContext } from "./types.js";
import { onOneLine, type Range } from "./lines.js";
import { markerArgument } from "./marker.js";
import { forEachChild, referencesAny, type Site } from "./walk.js";

/*
 * `with (const a = yielding E, b = yielding F) BODY` and `with (yielding E) BODY` (SPEC §4),
 * lowered by editing the original text, like for-of: E, F, the bindings and BODY stay as
 * written, and one block per binding goes around them, nesting left to right:
 *
 *   { const _cm = _withContext(E, "E"); if (!_cm.enter()) yield* _cm.wait(); try { const a = _cm.value;
 *     { const _cm2 = _withContext(F, "F"); if (!_cm2.enter()) yield* _cm2.wait(); try { const b = _cm2.value; BODY
 *     } catch (_err2) { if (!_cm2.fail(_err2)) yield* _cm2.wait(); } finally { if (_cm2.open && !_cm2.exit()) yield* _cm2.wait(); } }
 *   } catch (_err) { if (!_cm.fail(_err)) yield* _cm.wait(); } finally { if (_cm.open && !_cm.exit()) yield* _cm.wait(); } }
 *
 * Enter comes before the `try` (exit is not called when enter throws); the binding is made
 * inside it (a failing destructuring exits, as in Python). The runtime's object does the
 * protocol lookup, the suppression and the error chaining; each step runs at once when
 * nothing is pending, and only a step that returned `false` costs a `yield*` into `wait()`;
 * `open` makes exit run exactly once. The parser saw a `for (…;;)` (see reader.ts): it is only a vehicle, and
 * the checks a `with` needs on top of a `for`'s are made here.
 */

/** The parts of one `with` binding (or of the bare `with (yielding E)`). */
interface Binding {
  /** The manager expression (the marker call's argument). */
  readonly manager: t.Expression;
  /** The binding's target with its type annotation, or null for `with (yielding E)`. */
  readonly target: t.Node | null;
  /** The names bound from this binding on: E sees them in their temporal dead zone. */
  readonly laterNames: LaterNames;
}

/**
 * The names bound by one binding of a `with` and by those after it, without a list per
 * binding (a head of thousands of bindings stays linear).
 */
class LaterNames {
  constructor(
    private readonly namesOf: readonly (readonly string[])[],
    private readonly lastBinder: ReadonlyMap<string, number>,
    private readonly from: number,
  ) {}

  has(name: string): boolean {
    return (this.lastBinder.get(name) ?? -1) >= this.from;
  }

  list(): string[] {
    return this.namesOf.slice(this.from).flat();
  }
}

interface Names {
  readonly cm: string;
  readonly err: string;
  /** Set when the manager expression mentions a name in its temporal dead zone. */
  readonly source: string;
}

/**
 * Checks the `with` at the end of `site` (a `for (…;;)` the reader made of it) — every
 * initializer is `yielding …` (`E_WITH_INIT`), no `break`/`continue` relies on the `for` —
 * and plans its lowering: names are chosen now, in source order; the returned function
 * edits the text later, after the constructs nested in it.
 */
export function planWith(site: Site, marker: string, isWith: (node: t.Node) => boolean, context: DesugarContext): () => void {
  const statement = site[site.length - 1]!.node as t.ForStatement;
  const bindings = bindingsOf(statement, marker, context);
  checkJumps(site, isWith, context);
  const names = bindings.map((binding) => ({
    cm: context.freshName("cm"),
    err: context.freshName("err"),
    source: referencesAny(binding.manager, binding.laterNames) ? context.freshName("source") : "",
  }));
  return () => lowerWith(statement, bindings, names, context);
}

/** The marker calls of a `with` statement, in source order: where E_CONTEXT is reported. */
export function withMarkers(statement: t.ForStatement): t.Node[] {
  const init = statement.init;
  if (t.isVariableDeclaration(init)) return init.declarations.map((declarator) => declarator.init ?? declarator);
  return init ? [init] : [statement];
}

function bindingsOf(statement: t.ForStatement, marker: string, context: DesugarContext): Binding[] {
  const init = statement.init!;
  if (!t.isVariableDeclaration(init)) {
    return [{ manager: markerArgument(init as t.CallExpression, context), target: null, laterNames: new LaterNames([], new Map(), 0) }];
  }
  const declarators = init.declarations;
  const namesOf = declarators.map((declarator) => Object.keys(t.getBindingIdentifiers(declarator.id)));
  const lastBinder = new Map<string, number>();
  namesOf.forEach((names, index) => names.forEach((name) => lastBinder.set(name, index)));
  return declarators.map((declarator, index) => {
    const value = declarator.init;
    if (!value || !t.isCallExpression(value) || !t.isIdentifier(value.callee, { name: marker })) {
      const at = context.original((value ?? declarator.id).start);
      throw compileErrorAt(
        "E_WITH_INIT",
        "every `with` binding must be initialized with `yielding`: write `with (const x = yielding manager)`",
        context.source,
        at,
        context.filename,
      );
    }
    return { manager: markerArgument(value, context), target: declarator.id, laterNames: new LaterNames(namesOf, lastBinder, index) };
  });
}

/**
 * The parser took the `with` for a loop, so it accepted jumps that a `with` does not allow:
 * a `break` or `continue` with no enclosing loop (or switch) other than the `with`, and a
 * `continue` to a label on the `with`. Those are the parser's own errors, reported here.
 */
function checkJumps(site: Site, isWith: (node: t.Node) => boolean, context: DesugarContext): void {
  const statement = site[site.length - 1]!.node as t.ForStatement;
  let outerLoop = false;
  let outerBreakable = false;
  const labels = new Set<string>();
  let depth = site.length - 2;
  for (; depth >= 0 && t.isLabeledStatement(site[depth]!.node); depth--) labels.add((site[depth]!.node as t.LabeledStatement).label.name);
  for (; depth >= 0; depth--) {
    const node = site[depth]!.node;
    if (t.isFunction(node) || t.isStaticBlock(node)) break;
    if (t.isLoop(node) && !isWith(node)) outerLoop = outerBreakable = true;
    if (t.isSwitchStatement(node)) outerBreakable = true;
  }
  const unsyntactic = (jump: t.BreakStatement | t.ContinueStatement): never => {
    const word = t.isBreakStatement(jump) ? "break" : "continue";
    throw compileErrorAt("E_SYNTAX", `Unsyntactic ${word}.`, context.source, context.original(jump.start), context.filename);
  };
  const visit = (node: t.Node, loops: number, breakables: number): void => {
    if (t.isFunction(node) || t.isStaticBlock(node)) return;
    if (t.isBreakStatement(node) && !node.label && breakables === 0 && !outerBreakable) unsyntactic(node);
    if (t.isContinueStatement(node)) {
      if (node.label ? labels.has(node.label.name) : loops === 0 && !outerLoop) unsyntactic(node);
    }
    const loop = t.isLoop(node) && !isWith(node) ? 1 : 0;
    const breakable = loop || t.isSwitchStatement(node) ? 1 : 0;
    forEachChild(node, (child) => visit(child, loops + loop, breakables + breakable));
  };
  visit(statement.body, 0, 0);
}

function lowerWith(statement: t.ForStatement, bindings: readonly Binding[], names: readonly Names[], context: DesugarContext): void {
  const at = context.original;
  const edits = context.edits;
  const helper = context.runtimeHelper("withContext");
  const kind = t.isVariableDeclaration(statement.init) ? statement.init.kind : "";
  // The targets as written (with annotations, and with the edits of anything nested in them),
  // read before the edits below overwrite the text around them.
  const written = bindings.map((binding) => (binding.target ? edits.slice(at(binding.target.start), at(binding.target.end)) : ""));
  // Each target is re-emitted after its enter: on one line where it can, so its line breaks
  // stay in place; else with them.
  const targets = written.map((target) => onOneLine(target) ?? target);

  // Per binding: the text before its manager expression, and the text after it up to the next
  // manager (or the body); the text between is the binding's target, re-emitted after enter.
  const before: string[] = [];
  const after: string[] = [];
  let closers = "";
  bindings.forEach((binding, index) => {
    const { cm, err, source } = names[index]!;
    const sourceText = context.sourceTextOf(binding.manager);
    // `yielding (a, b)`: a comma expression needs its parentheses as an argument.
    const [open, shut] = t.isSequenceExpression(binding.manager) ? ["(", ")"] : ["", ""];
    before.push(source ? `{ let ${source}; { ${source} = ${open}` : `{ const ${cm} = ${helper}(${open}`);
    const made = source
      ? `${shut}; let ${binding.laterNames.list().join(", ")}; } const ${cm} = ${helper}(${source}, ${sourceText});`
      : `${shut}, ${sourceText});`;
    const bind = binding.target ? ` ${kind} ${targets[index]} = ${cm}.value;` : "";
    after.push(`${made} if (!${cm}.enter()) yield* ${cm}.wait(); try {${bind} `);
    closers = ` } catch (${err}) { if (!${cm}.fail(${err})) yield* ${cm}.wait(); } finally { if (${cm}.open && !${cm}.exit()) yield* ${cm}.wait(); } }${closers}`;
  });
  const moved = bindings.flatMap((binding, index): Range[] =>
    binding.target && targets[index] === written[index] ? [[at(binding.target.start), at(binding.target.end)]] : [],
  );
  context.replace(at(statement.start), at(bindings[0]!.manager.start), before[0]!, moved);
  bindings.forEach((binding, index) => {
    const next = bindings[index + 1];
    const upTo = next ? at(next.manager.start) : at(statement.body.start);
    context.replace(at(binding.manager.end), upTo, after[index]! + (next ? before[index + 1]! : ""), moved);
  });
  edits.appendLeft(at(statement.body.end), closers);
}
