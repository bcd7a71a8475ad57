import * as t from "@babel/types";
import { compileErrorAt } from "../../errors.js";
import type { ComprehensionMark } from "../../reader.js";
import { requireGeneratorContext } from "../context.js";
import type { DesugarContext } from "../types.js";
import type { Site } from "../walk.js";
import { lower, type Names } from "./lower.js";
import { needsTdzScope, parseComprehension, type Parsed } from "./parse.js";
import { enclosingPlan, inFirstSource, nearestFunction, scanInside, usedBelow, type ComprehensionPlans, type Strategy } from "./scope.js";

export type { ComprehensionPlans } from "./scope.js";

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
  const parsed = parseComprehension(site, mark, markers, context);
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
function comprehensionContext(node: t.Node, plans: ComprehensionPlans): "coroutine" | "plain" | null {
  const strategy = plans.get(node)?.strategy;
  return strategy === "lazy-stream" ? "coroutine" : strategy === "lazy" ? "plain" : null;
}

