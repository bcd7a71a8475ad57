import * as t from "@babel/types";
import { forEachChild, type Site } from "../walk.js";

/*
 * What a comprehension takes from its surroundings: the `yield`, `await`, `this`,
 * `arguments`, `new.target` and `super` that belong to the enclosing function, and the
 * decisions already made about the comprehensions around it and in it.
 */

/** The shape a comprehension is lowered to (see ./index.ts). */
export type Strategy = "arrow" | "async-arrow" | "generator" | "lazy" | "lazy-stream";

/** What a generator-shaped comprehension must be handed from outside, and the names it uses inside. */
export interface Captures {
  arguments: string;
  newTarget: string;
  super: string;
}

/** Per comprehension planned so far: its strategy and captured names (for nested ones). */
export type ComprehensionPlans = Map<t.Node, Plan>;

/** What is decided about one comprehension: its shape, its captured names, its first source. */
export interface Plan {
  readonly strategy: Strategy;
  readonly captures: Captures;
  /** The first clause's source, evaluated where the comprehension is even when it is lazy. */
  readonly firstSource: t.Node;
}

/** A `super.x` or `super[k]` that belongs to the enclosing function, and how it is used. */
export interface SuperUse {
  readonly node: t.MemberExpression;
  /** The call whose callee it is, if any. */
  readonly call: t.CallExpression | t.OptionalCallExpression | null;
  /** Assigned to, updated, or the target of a for-in/of head. */
  readonly assigned: boolean;
  /** The tag of a tagged template. */
  readonly tagged: boolean;
  /** The callee of a `new`. */
  readonly constructed: boolean;
}

/** What a comprehension holds that matters to its lowering (nested functions excluded, arrows included). */
export interface Inside {
  yields: t.YieldExpression[];
  awaits: t.AwaitExpression[];
  arguments: t.Identifier[];
  newTargets: t.MetaProperty[];
  supers: SuperUse[];
  /** Array comprehensions in it that become generators (`yield*`), so this one must suspend too. */
  suspending: t.Node[];
}

/**
 * Finds `yield`, `await`, `arguments`, `new.target` and `super` that belong to the
 * enclosing function. A nested comprehension that becomes a generator of its own handles
 * `arguments`, `new.target` and `super` itself, so those are not collected inside it.
 */
export function scanInside(root: t.Node, plans: ComprehensionPlans): Inside {
  const inside: Inside = { yields: [], awaits: [], arguments: [], newTargets: [], supers: [], suspending: [] };
  const visit = (node: t.Node, parent: t.Node | null, key: string, capture: boolean): void => {
    if (node !== root && hasOwnContext(node)) return;
    if (t.isYieldExpression(node)) inside.yields.push(node);
    else if (t.isAwaitExpression(node)) inside.awaits.push(node);
    else if (capture && isArgumentsReference(node, parent)) inside.arguments.push(node);
    else if (capture && isNewTarget(node)) inside.newTargets.push(node);
    else if (capture && t.isMemberExpression(node) && t.isSuper(node.object)) {
      const call = parent && (t.isCallExpression(parent) || t.isOptionalCallExpression(parent)) && key === "callee" ? parent : null;
      const assigned = !!parent && ((t.isAssignmentExpression(parent) && key === "left") || t.isUpdateExpression(parent) || (t.isForXStatement(parent) && key === "left"));
      const tagged = !!parent && t.isTaggedTemplateExpression(parent) && key === "tag";
      const constructed = !!parent && t.isNewExpression(parent) && key === "callee";
      inside.supers.push({ node, call, assigned, tagged, constructed });
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
    forEachChild(node, (child, key) => {
      if (keep(child)) visit(child, node, key, captureInside);
    });
    // A lazy comprehension's first clause: only its binding is inside the body (the source was visited).
    if (!keep((node as t.CallExpression).arguments?.[0] as t.Node)) {
      const head = (node as t.CallExpression).arguments[0] as t.AssignmentExpression;
      visit(head.left, head, "left", captureInside);
    }
  };
  visit(root, null, "", true);
  return inside;
}

/**
 * A nested function (not an arrow) or class: it has its own `this`, `arguments`,
 * `new.target`, `super`, `yield` and `await`, so what is inside is not the enclosing function's.
 */
function hasOwnContext(node: t.Node): boolean {
  return (t.isFunction(node) && !t.isArrowFunctionExpression(node)) || t.isClass(node);
}

/** Whether `node` reads the enclosing function's `arguments` (not a property or key named so). */
function isArgumentsReference(node: t.Node, parent: t.Node | null): node is t.Identifier {
  return t.isIdentifier(node, { name: "arguments" }) && parent !== null && t.isReferenced(node, parent);
}

function isNewTarget(node: t.Node): node is t.MetaProperty {
  return t.isMetaProperty(node) && node.meta.name === "new" && node.property.name === "target";
}

/** The function the comprehension is written in, if any. */
export function nearestFunction(site: Site): t.Function | null {
  for (let depth = site.length - 2; depth >= 0; depth--) {
    const node = site[depth]!.node;
    if (t.isFunction(node)) return node;
  }
  return null;
}

/** The plan of the nearest comprehension around this one, within the same function (not one whose first source holds it). */
export function enclosingPlan(site: Site, plans: ComprehensionPlans): Plan | null {
  for (let depth = site.length - 2; depth >= 0; depth--) {
    const node = site[depth]!.node;
    if (t.isFunction(node) && !t.isArrowFunctionExpression(node)) return null;
    const plan = plans.get(node);
    if (plan && plan.strategy !== "arrow" && plan.strategy !== "async-arrow" && !inFirstSource(site, node, plans)) return plan;
  }
  return null;
}

/** Whether `ancestor` is a lazy comprehension and what `site` leads to is in its first source, evaluated outside its body. */
export function inFirstSource(site: Site, ancestor: t.Node, plans: ComprehensionPlans): boolean {
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
export function usedBelow(root: t.Node, plans: ComprehensionPlans): { this: boolean; arguments: boolean; newTarget: boolean; super: boolean } {
  const used = { this: false, arguments: false, newTarget: false, super: false };
  const plan = plans.get(root)!;
  const skip = plan.strategy === "lazy" || plan.strategy === "lazy-stream" ? plan.firstSource : null;
  const visit = (node: t.Node, parent: t.Node | null): void => {
    if (node === skip || (node !== root && hasOwnContext(node))) return;
    if (t.isThisExpression(node)) used.this = true;
    else if (t.isSuper(node)) used.super = used.this = true;
    else if (isArgumentsReference(node, parent)) used.arguments = true;
    else if (isNewTarget(node)) used.newTarget = true;
    forEachChild(node, (child) => visit(child, node));
  };
  visit(root, null);
  return used;
}

