import type { NodePath } from "@babel/traverse";
import * as t from "@babel/types";
import { traverse } from "../babel.js";
import type { Markers } from "../reader.js";
import { requireGeneratorContext } from "./context.js";
import { planForOf } from "./for-of.js";
import type { DesugarContext } from "./types.js";

export interface DesugarOptions {
  source: string;
  filename: string;
  markers: Markers;
  /** Import specifier of the runtime. */
  runtime: string;
  module: "esm" | "cjs";
}

/**
 * ARCHITECTURE step 3: finds every marker the reader left, checks each is allowed where it
 * stands (reporting the first problem in source order), then lowers them from the last
 * to the first (inner loops before the loops around them) and imports the runtime helpers the output uses, once per file.
 */
export function desugar(ast: t.File, options: DesugarOptions): void {
  const loops: { path: NodePath<t.ForOfStatement>; marker: t.CallExpression }[] = [];
  let program!: NodePath<t.Program>;
  traverse(ast, {
    Program(path) {
      program = path;
    },
    ForOfStatement(path) {
      const right = path.node.right;
      if (t.isCallExpression(right) && t.isIdentifier(right.callee, { name: options.markers.loop })) {
        loops.push({ path, marker: right });
      }
    },
  });

  const helpers = new Map<string, t.Identifier>();
  const context: DesugarContext = {
    source: options.source,
    filename: options.filename,
    markers: options.markers,
    runtimeHelper(name) {
      let local = helpers.get(name);
      if (!local) {
        local = program.scope.generateUidIdentifier(name);
        helpers.set(name, local);
      }
      return t.cloneNode(local);
    },
  };

  for (const { path, marker } of loops) requireGeneratorContext(path, marker.start ?? 0, context);
  const lowerings = loops.map(({ path, marker }) => planForOf(path, marker, context));
  for (let i = lowerings.length - 1; i >= 0; i--) lowerings[i]!();
  if (helpers.size > 0) program.unshiftContainer("body", runtimeImport(helpers, options));
}

/** `import { iterate as _iterate } from "yielding/runtime";` or its CommonJS twin. */
function runtimeImport(helpers: Map<string, t.Identifier>, options: DesugarOptions): t.Statement {
  const names = [...helpers].sort(([a], [b]) => (a < b ? -1 : 1));
  const source = t.stringLiteral(options.runtime);
  if (options.module === "cjs") {
    const pattern = t.objectPattern(names.map(([name, local]) => t.objectProperty(t.identifier(name), t.cloneNode(local), false, name === local.name)));
    return t.variableDeclaration("const", [t.variableDeclarator(pattern, t.callExpression(t.identifier("require"), [source]))]);
  }
  return t.importDeclaration(
    names.map(([name, local]) => t.importSpecifier(t.cloneNode(local), t.identifier(name))),
    source,
  );
}
