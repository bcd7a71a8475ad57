import type { NodePath } from "@babel/traverse";
import { compileErrorAt } from "../errors.js";
import type { DesugarContext } from "./types.js";

const NEEDS_GENERATOR = "`yielding` can only be used inside a generator function (`function*`)";

/**
 * SPEC §1: the yielding constructs compile to `yield*`, so they must sit inside a
 * generator function. Walks out from `path` to the nearest function-like boundary and
 * throws `E_CONTEXT` at the keyword when that boundary is not a plain generator.
 */
export function requireGeneratorContext(path: NodePath, keywordOffset: number, context: DesugarContext): void {
  const message = contextProblem(path);
  if (message) throw compileErrorAt("E_CONTEXT", message, context.source, keywordOffset, context.filename);
}

function contextProblem(path: NodePath): string | null {
  let from = path;
  for (let current = path.parentPath; current; from = current, current = current.parentPath) {
    if (current.isFunction()) {
      const fn = current.node;
      if (fn.async) return "`yielding` inside an async function is not supported yet: use a generator function (`function*`)";
      // Parameters are evaluated before the generator body can suspend.
      return fn.generator && from.key === "body" ? null : NEEDS_GENERATOR;
    }
    // A class field initializer or a static block is a function boundary of its own.
    if (current.isStaticBlock()) return NEEDS_GENERATOR;
    if ((current.isClassProperty() || current.isClassPrivateProperty() || current.isClassAccessorProperty()) && from.key === "value") {
      return NEEDS_GENERATOR;
    }
    if (current.isProgram()) return `${NEEDS_GENERATOR}, not at the top level of a module or script`;
  }
  return null;
}
