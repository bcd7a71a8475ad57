import * as t from "@babel/types";
import type MagicString from "magic-string";
import type { OffsetMap } from "../offsets.js";
import type { ComprehensionMark, Markers } from "../reader.js";
import { NameAllocator } from "../names.js";
import { requireGeneratorContext } from "./context.js";
import { planForOf } from "./for-of.js";
import { planWith, withMarkers } from "./with.js";
import { classifyComprehension, planComprehension, type Classified, type ComprehensionPlans } from "./comprehension/index.js";
import type { DesugarContext } from "./types.js";
import { findSites, type Site } from "./walk.js";
import { lineBreaksIn, stringLiteral } from "./lines.js";

export interface DesugarOptions {
  source: string;
  filename: string;
  markers: Markers;
  offsets: OffsetMap;
  /** The identifier names a generated name could collide with (from the reader). */
  identifiers: ReadonlySet<string>;
  /** The parser's offsets of the marker calls and of the `with` statements (from the reader). */
  sites: readonly number[];
  /** The parser's offsets of the `for (…;;)` statements that are `with` statements (from the reader). */
  withStatements: readonly number[];
  /** The comprehensions (from the reader). */
  comprehensions: readonly ComprehensionMark[];
  /** Import specifier of the runtime. */
  runtime: string;
  module: "esm" | "cjs";
  /** Whether the output is TypeScript: generated parameters then get annotations. */
  typescript: boolean;
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
  const withStarts = new Set(options.withStatements);
  const isWith = (node: t.Node): boolean => node.type === "ForStatement" && withStarts.has(node.start!);
  const comprehensionAt = new Map(options.comprehensions.map((mark) => [mark.first, mark]));
  const forMarker = options.markers.for;
  const isComprehension = (node: t.Node): boolean =>
    node.type === "CallExpression" && comprehensionAt.has(node.start!) && t.isIdentifier(node.callee, { name: forMarker });
  // Only subtrees around a marker call, a `with` or a comprehension need a look.
  const sites = findSites(ast.program, (node) => isMarkedLoop(node) || isWith(node) || isComprehension(node), options.sites);

  const names = new NameAllocator(options.identifiers);
  const helpers = new Map<string, string>();
  const context: DesugarContext = {
    source: options.source,
    filename: options.filename,
    typescript: options.typescript,
    edits,
    original: (offset) => options.offsets.toOriginal(offset ?? 0),
    replace(start, end, text, moved) {
      const breaks = lineBreaksIn(options.source, start, end, moved);
      edits.overwrite(start, end, breaks ? text.trimEnd() + breaks : text);
    },
    sourceTextOf(node) {
      return stringLiteral(options.source.slice(context.original(node.start), context.original(node.end)));
    },
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

  const nodeOf = (site: Site) => site[site.length - 1]!.node;
  // Comprehensions are classified innermost first: an outer one must know what the ones in it become.
  const plans: ComprehensionPlans = new Map();
  const classified = new Map<t.Node, Classified>();
  for (let i = sites.length - 1; i >= 0; i--) {
    const node = nodeOf(sites[i]!);
    if (isComprehension(node)) classified.set(node, classifyComprehension(sites[i]!, comprehensionAt.get(node.start!)!, options.markers, plans, context));
  }
  const lowerings = sites.map((site) => {
    const node = nodeOf(site);
    const comprehension = classified.get(node);
    // A comprehension checks its own context: only it knows which of its parts run where.
    if (comprehension) return planComprehension(site, comprehension, plans, context);
    if (node.type === "ForOfStatement") {
      const marker = node.right as t.CallExpression;
      requireGeneratorContext(site, context.original(marker.start), context);
      return planForOf(site, marker, context);
    }
    const lowering = planWith(site, options.markers.with, isWith, context);
    requireGeneratorContext(site, context.original(withMarkers(node as t.ForStatement)[0]!.start), context);
    return lowering;
  });
  for (let i = lowerings.length - 1; i >= 0; i--) lowerings[i]!();
  if (helpers.size > 0) importRuntime(ast.program, helpers, context, options);
}

/**
 * `import { iterate as _iterate } from "yielding/runtime";`, or its CommonJS twin, put on
 * the first line after a byte order mark and a hashbang, and after any directives (so
 * `"use strict"` stays a directive), without adding a line. A directive written without
 * its semicolon gets one: `'use strict' import …` would not parse.
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
    const end = context.original(lastDirective.end);
    context.edits.appendLeft(end, `${context.source[end - 1] === ";" ? "" : ";"} ${statement}`);
  } else {
    context.edits.prependRight(codeStart(context.source), `${statement} `);
  }
}

/** Where code may start: after a byte order mark, or after a `#!` line (which cannot follow one). */
function codeStart(source: string): number {
  if (source.charCodeAt(0) === 0xfeff) return 1;
  if (!source.startsWith("#!")) return 0;
  const lineEnd = source.search(/\r\n|[\n\r\u2028\u2029]/);
  return lineEnd < 0 ? source.length : lineEnd + (source.startsWith("\r\n", lineEnd) ? 2 : 1);
}
