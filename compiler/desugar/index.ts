import * as t from "@babel/types";
import type MagicString from "magic-string";
import type { OffsetMap } from "../offsets.js";
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
  offsets: OffsetMap;
  /** The identifier names a generated name could collide with (from the reader). */
  identifiers: ReadonlySet<string>;
  /** The parser's offsets of the marker calls (from the reader). */
  sites: readonly number[];
  /** Import specifier of the runtime. */
  runtime: string;
  module: "esm" | "cjs";
}

/**
 * ARCHITECTURE step 3: finds every marker the reader left, checks each is allowed where it
 * stands (reporting the first problem in source order), then lowers them into `edits` of
 * the original source, from the last to the first (inner loops before the loops around
 * them), and imports the runtime helpers the output uses, once per file.
 */
export function desugar(ast: t.File, edits: MagicString, options: DesugarOptions): void {
  const loopMarker = options.markers.loop;
  const isMarkedLoop = (node: t.Node): boolean =>
    node.type === "ForOfStatement" && t.isCallExpression(node.right) && t.isIdentifier(node.right.callee, { name: loopMarker });
  // A loop holds its marker call, so only subtrees around a marker need a look.
  const loops = findSites(ast.program, isMarkedLoop, options.sites);

  const names = new NameAllocator(options.identifiers);
  const helpers = new Map<string, string>();
  const context: DesugarContext = {
    source: options.source,
    filename: options.filename,
    edits,
    original: (offset) => options.offsets.toOriginal(offset ?? 0),
    freshName: (hint) => names.fresh(hint),
    runtimeHelper(name) {
      let local = helpers.get(name);
      if (!local) {
        local = names.fresh(name);
        helpers.set(name, local);
      }
      return local;
    },
  };

  const markerOf = (site: Site) => (site[site.length - 1]!.node as t.ForOfStatement).right as t.CallExpression;
  for (const site of loops) requireGeneratorContext(site, context.original(markerOf(site).start), context);
  const lowerings = loops.map((site) => planForOf(site, markerOf(site), context));
  for (let i = lowerings.length - 1; i >= 0; i--) lowerings[i]!();
  if (helpers.size > 0) importRuntime(ast.program, helpers, context, options);
}

/**
 * `import { iterate as _iterate } from "yielding/runtime";`, or its CommonJS twin, put on
 * the first line after a hashbang and after any directives (so `"use strict"` stays a
 * directive), without adding a line.
 */
function importRuntime(program: t.Program, helpers: Map<string, string>, context: DesugarContext, options: DesugarOptions): void {
  const names = [...helpers].sort(([a], [b]) => (a < b ? -1 : 1));
  const specifier = JSON.stringify(options.runtime);
  const statement =
    options.module === "cjs"
      ? `const { ${names.map(([name, local]) => `${name}: ${local}`).join(", ")} } = require(${specifier});`
      : `import { ${names.map(([name, local]) => `${name} as ${local}`).join(", ")} } from ${specifier};`;
  const lastDirective = program.directives[program.directives.length - 1];
  if (lastDirective) {
    context.edits.appendLeft(context.original(lastDirective.end), ` ${statement}`);
  } else {
    context.edits.prependRight(afterHashbang(context.source), `${statement} `);
  }
}

/** Where code may start: after a `#!` line, if the file has one. */
function afterHashbang(source: string): number {
  if (!source.startsWith("#!")) return 0;
  const lineEnd = source.search(/\r\n|[\n\r\u2028\u2029]/);
  return lineEnd < 0 ? source.length : lineEnd + (source.startsWith("\r\n", lineEnd) ? 2 : 1);
}
