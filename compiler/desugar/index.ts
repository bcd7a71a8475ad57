import * as t from "@babel/types";
import type { Markers } from "../reader.js";
import { NameAllocator } from "../names.js";
import { requireGeneratorContext } from "./context.js";
import { planForOf } from "./for-of.js";
import type { DesugarContext } from "./types.js";
import { findSites, type Site } from "./walk.js";

export interface DesugarOptions {
  source: string;
  filename: string;
  markers: Markers;
  /** Every identifier name in the file (from the reader). */
  identifiers: ReadonlySet<string>;
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
  const loopMarker = options.markers.loop;
  const isMarkedLoop = (node: t.Node): boolean =>
    node.type === "ForOfStatement" && t.isCallExpression(node.right) && t.isIdentifier(node.right.callee, { name: loopMarker });
  const loops = findSites(ast.program, isMarkedLoop);

  const names = new NameAllocator(options.identifiers);
  const helpers = new Map<string, t.Identifier>();
  const context: DesugarContext = {
    source: options.source,
    filename: options.filename,
    markers: options.markers,
    freshName: (hint) => names.fresh(hint),
    runtimeHelper(name) {
      let local = helpers.get(name);
      if (!local) {
        local = names.fresh(name);
        helpers.set(name, local);
      }
      return t.cloneNode(local);
    },
  };

  const markerOf = (site: Site) => (site[site.length - 1]!.node as t.ForOfStatement).right as t.CallExpression;
  for (const site of loops) requireGeneratorContext(site, markerOf(site).start ?? 0, context);
  const lowerings = loops.map((site) => planForOf(site, markerOf(site), context));
  for (let i = lowerings.length - 1; i >= 0; i--) lowerings[i]!();
  if (helpers.size > 0) ast.program.body.unshift(runtimeImport(helpers, options));
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
