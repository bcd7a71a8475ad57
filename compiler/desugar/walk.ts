import * as t from "@babel/types";

/** One step down the tree: the node, and where it sits in its parent. */
export interface Step {
  readonly node: t.Node;
  /** The parent's property holding this node (`"body"`, `"value"`, …); `null` for the root. */
  readonly key: string | null;
  /** The index in that property when it is a list. */
  readonly index: number | null;
}

/** A node the visitor picked, with the path of steps from the root down to it (inclusive). */
export type Site = readonly Step[];

/**
 * Walks the tree depth-first in source order and returns every node `pick` accepts,
 * each with its ancestry. A plain walk over Babel's visitor keys: the desugarer needs no
 * scope analysis, and `@babel/traverse` costs several times a parse on large files.
 */
export function findSites(root: t.Node, pick: (node: t.Node) => boolean): Site[] {
  const sites: Site[] = [];
  const path: Step[] = [];
  const visit = (node: t.Node, key: string | null, index: number | null): void => {
    path.push({ node, key, index });
    if (pick(node)) sites.push(path.slice());
    const keys = t.VISITOR_KEYS[node.type];
    if (keys) {
      for (const childKey of keys) {
        const child = (node as unknown as Record<string, unknown>)[childKey];
        if (Array.isArray(child)) {
          for (let i = 0; i < child.length; i++) {
            const item = child[i] as t.Node | null;
            if (item && typeof item.type === "string") visit(item, childKey, i);
          }
        } else if (child && typeof (child as t.Node).type === "string") {
          visit(child as t.Node, childKey, null);
        }
      }
    }
    path.pop();
  };
  visit(root, null, null);
  return sites;
}
