import * as t from "@babel/types";
import { compileErrorAt } from "../errors.js";
import { OffsetMap } from "../offsets.js";
import type { DesugarContext } from "./types.js";
import type { Site } from "./walk.js";

const NEEDS_GENERATOR = "`yielding` can only be used inside a generator function (`function*`)";

/**
 * The yielding constructs compile to `yield*`, so they must sit inside a generator
 * function. Walks out from the construct at the end of `site` to the nearest function-like
 * boundary and throws `E_CONTEXT` at the keyword when that boundary is not a plain
 * generator's body; the message names the boundary and says why it cannot wait.
 */
export function requireGeneratorContext(
  site: Site,
  keywordOffset: number,
  context: DesugarContext,
  comprehensionBody?: (node: t.Node) => "coroutine" | "plain" | null,
): void {
  const message = contextProblem(site, context, comprehensionBody);
  if (message) throw compileErrorAt("E_CONTEXT", message, context.source, keywordOffset, context.filename);
}

/**
 * `comprehensionBody` says whether a node is a lazy comprehension whose body the construct
 * sits in: a yielding one's body runs as a coroutine (in its consumer's task), a plain
 * one's as a plain generator, which cannot wait.
 */
function contextProblem(site: Site, context: DesugarContext, comprehensionBody?: (node: t.Node) => "coroutine" | "plain" | null): string | null {
  for (let depth = site.length - 2; depth >= 0; depth--) {
    const node = site[depth]!.node;
    const from = site[depth + 1]!;
    const body = comprehensionBody?.(node);
    if (body === "coroutine") return null;
    if (body === "plain") return `${NEEDS_GENERATOR}: a lazy comprehension without \`yielding\` cannot wait`;
    if (t.isFunction(node)) {
      if (node.async) return "`yielding` inside an async function is not supported yet: use a generator function (`function*`)";
      if (node.generator && from.key === "body") return null;
      return `${NEEDS_GENERATOR}: ${whyNot(node, site[depth - 1]?.node, context)}`;
    }
    // A class field initializer or a static block is a function boundary of its own.
    if (t.isStaticBlock(node)) return `${NEEDS_GENERATOR}: it is in a class static block, which cannot suspend`;
    if ((t.isClassProperty(node) || t.isClassPrivateProperty(node) || t.isClassAccessorProperty(node)) && from.key === "value") {
      const name = keyName(node.key);
      return `${NEEDS_GENERATOR}: it is in the initializer of ${name ? `the class field \`${name}\`` : "a class field"}, which cannot suspend`;
    }
  }
  return `${NEEDS_GENERATOR}, not at the top level of a module or script`;
}

/** Why the function `fn` (whose parent is `parent`) cannot hold the construct, naming it. */
function whyNot(fn: t.Function, parent: t.Node | undefined, context: DesugarContext): string {
  const line = new OffsetMap(context.source).position(context.original(fn.start)).line;
  const name = functionName(fn, parent);
  const called = (kind: string, article: string) => (name ? `the ${kind} \`${name}\`` : `${article} ${kind}`);
  if (fn.generator) return `it is in the parameters of ${name ? `\`${name}\`` : "a generator"} (line ${line}), which are evaluated before the generator can suspend`;
  if (t.isArrowFunctionExpression(fn)) return `it is inside ${called("arrow function", "an")} (line ${line}), and an arrow function cannot be a generator`;
  if (t.isClassMethod(fn) || t.isObjectMethod(fn) || t.isClassPrivateMethod(fn)) {
    if (fn.kind === "constructor") return `it is inside a constructor (line ${line}), and a constructor cannot be a generator`;
    if (fn.kind === "get" || fn.kind === "set") {
      const kind = fn.kind === "get" ? "getter" : "setter";
      return `it is inside ${called(kind, "a")} (line ${line}), and a ${kind} cannot be a generator`;
    }
    return `it is inside ${called("method", "a")} (line ${line}), which is not a generator: write \`*${name ?? "method"}(…)\``;
  }
  return name
    ? `it is inside the function \`${name}\` (line ${line}), which is not a generator: write \`function* ${name}\``
    : `it is inside a function (line ${line}) that is not a generator: write \`function*\``;
}

/** The name a function goes by: its own, its key's, or the variable, property or field it initializes. */
function functionName(fn: t.Function, parent: t.Node | undefined): string | null {
  if ((t.isFunctionDeclaration(fn) || t.isFunctionExpression(fn)) && fn.id) return fn.id.name;
  if (t.isClassMethod(fn) || t.isObjectMethod(fn) || t.isClassPrivateMethod(fn)) return keyName(fn.key);
  if (t.isVariableDeclarator(parent) && t.isIdentifier(parent.id)) return parent.id.name;
  if ((t.isObjectProperty(parent) || t.isClassProperty(parent) || t.isClassPrivateProperty(parent)) && parent.value === fn) return keyName(parent.key);
  if (t.isAssignmentExpression(parent) && t.isIdentifier(parent.left)) return parent.left.name;
  return null;
}

/** An identifier, string or private key as written (`x`, `"x"` → `x`, `#x`); null for computed keys. */
function keyName(key: t.Node): string | null {
  if (t.isIdentifier(key)) return key.name;
  if (t.isStringLiteral(key)) return key.value;
  if (t.isPrivateName(key)) return `#${key.id.name}`;
  return null;
}
