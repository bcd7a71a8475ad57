import * as t from "@babel/types";
import { compileErrorAt } from "../errors.js";
import type { DesugarContext } from "./types.js";
import type { Site } from "./walk.js";

const NEEDS_GENERATOR = "`yielding` can only be used inside a generator function (`function*`)";

/**
 * SPEC §1: the yielding constructs compile to `yield*`, so they must sit inside a
 * generator function. Walks out from the construct at the end of `site` to the nearest
 * function-like boundary and throws `E_CONTEXT` at the keyword when that boundary is not
 * a plain generator's body.
 */
export function requireGeneratorContext(
  site: Site,
  keywordOffset: number,
  context: DesugarContext,
  comprehensionBody?: (node: t.Node) => "coroutine" | "plain" | null,
): void {
  const message = contextProblem(site, comprehensionBody);
  if (message) throw compileErrorAt("E_CONTEXT", message, context.source, keywordOffset, context.filename);
}

/**
 * `comprehensionBody` says whether a node is a lazy comprehension whose body the construct
 * sits in: a yielding one's body runs as a coroutine (in its consumer's task), a plain
 * one's as a plain generator, which cannot wait.
 */
function contextProblem(site: Site, comprehensionBody?: (node: t.Node) => "coroutine" | "plain" | null): string | null {
  for (let depth = site.length - 2; depth >= 0; depth--) {
    const node = site[depth]!.node;
    const from = site[depth + 1]!;
    const body = comprehensionBody?.(node);
    if (body === "coroutine") return null;
    if (body === "plain") return `${NEEDS_GENERATOR}: a lazy comprehension without \`yielding\` cannot wait`;
    if (t.isFunction(node)) {
      if (node.async) return "`yielding` inside an async function is not supported yet: use a generator function (`function*`)";
      // Parameters are evaluated before the generator body can suspend.
      return node.generator && from.key === "body" ? null : NEEDS_GENERATOR;
    }
    // A class field initializer or a static block is a function boundary of its own.
    if (t.isStaticBlock(node)) return NEEDS_GENERATOR;
    if ((t.isClassProperty(node) || t.isClassPrivateProperty(node) || t.isClassAccessorProperty(node)) && from.key === "value") {
      return NEEDS_GENERATOR;
    }
  }
  return `${NEEDS_GENERATOR}, not at the top level of a module or script`;
}
