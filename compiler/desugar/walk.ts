import * as t from "@babel/types";

/** One step down the tree: the node, and the parent's property holding it. */
export interface Step {
  readonly node: t.Node;
  /** `"body"`, `"value"`, …; `null` for the root. */
  readonly key: string | null;
}

/** A node the visitor picked, with the path of steps from the root down to it (inclusive). */
export type Site = readonly Step[];

/**
 * Walks the tree depth-first in source order and returns every node `pick` accepts,
 * each with its ancestry. A plain walk over Babel's visitor keys: the desugarer needs no
 * scope analysis, and `@babel/traverse` costs several times a parse on large files.
 * `within`, when given, lists the only offsets (ascending) a picked node can start at:
 * subtrees that hold none of them are skipped.
 */
export function findSites(root: t.Node, pick: (node: t.Node) => boolean, within?: readonly number[]): Site[] {
  const sites: Site[] = [];
  // The path down to the current node, as parallel stacks: a Step object is made only for
  // the nodes on the path to a picked node, not for every node visited.
  const nodes: t.Node[] = [];
  const keys: (string | null)[] = [];
  const visit = (node: t.Node, key: string | null): void => {
    if (within && !holdsAny(within, node.start ?? 0, node.end ?? Infinity)) return;
    nodes.push(node);
    keys.push(key);
    if (pick(node)) sites.push(nodes.map((n, depth) => ({ node: n, key: keys[depth]! })));
    forEachChild(node, visit);
    nodes.pop();
    keys.pop();
  };
  visit(root, null);
  return sites;
}

/**
 * Calls `visit` with each child node of `node`, in source order, and the property of
 * `node` that holds it (Babel's visitor keys): the one step every walk of the desugarer takes.
 */
export function forEachChild(node: t.Node, visit: (child: t.Node, key: string) => void): void {
  const childKeys = t.VISITOR_KEYS[node.type];
  if (!childKeys) return;
  for (const key of childKeys) {
    const child = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(child)) {
      for (const item of child as (t.Node | null)[]) {
        if (item && typeof item.type === "string") visit(item, key);
      }
    } else if (child && typeof (child as t.Node).type === "string") {
      visit(child as t.Node, key);
    }
  }
}

/** Whether an ascending list has a value in [start, end). */
function holdsAny(sorted: readonly number[], start: number, end: number): boolean {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < start) low = mid + 1;
    else high = mid;
  }
  return low < sorted.length && sorted[low]! < end;
}

/**
 * Whether `expression` refers to (reads or writes, not merely spells as a property key) a
 * variable named in `names`: used to find expressions evaluated in their own bindings'
 * temporal dead zone, such as `f(x)` in `for (const x of yielding f(x))`.
 */
export function referencesAny(expression: t.Node, names: readonly string[] | { has(name: string): boolean }): boolean {
  const named = Array.isArray(names) ? new Set(names) : (names as { has(name: string): boolean });
  return findSites(expression, (node) => t.isIdentifier(node) && named.has(node.name)).some((found) =>
    t.isReferenced(found[found.length - 1]!.node, found[found.length - 2]?.node ?? expression, found[found.length - 3]?.node),
  );
}
