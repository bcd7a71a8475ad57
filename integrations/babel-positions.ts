// Positions for the Babel plugin: Babel parses the compiled code, and every location in
// that tree is moved back to the source the user wrote, through compile()'s source map, so
// Babel's own source map, code frames and `path.getSource()` all speak of the original.
import { decodedMappings, TraceMap, traceSegment, type SourceMapSegment } from "@jridgewell/trace-mapping";
import type { ParseResult } from "@babel/parser";
import type * as t from "@babel/types";
import { forEachChild } from "../compiler/desugar/walk.js";
import type { SourceMap } from "../compiler/index.js";

/** A Babel position: 1-based line, 0-based column, offset. */
export interface Position {
  line: number;
  column: number;
  index: number;
}

/** Babel's `startLine`, `startColumn` and `startIndex`: where the parsed code sits in a larger text. */
export interface Origin {
  startLine: number;
  startColumn: number;
  startIndex: number;
}

/** The line breaks Babel counts (`\r\n`, `\n`, `\r`, U+2028, U+2029). */
const BABEL_LINE_BREAKS = /\r\n?|[\n\u2028\u2029]/g;
/** The line breaks a source map counts (magic-string splits on `\n` only). */
const MAP_LINE_BREAKS = /\n/g;

/** Where each line of a text starts, under one convention of line breaks. */
class Lines {
  readonly starts: number[] = [0];

  constructor(text: string, breaks: RegExp) {
    for (const match of text.matchAll(breaks)) this.starts.push(match.index + match[0].length);
  }

  /** 0-based line holding `offset`. */
  lineOf(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

/** Babel positions in the original source, placed where Babel's `startLine`, `startColumn` and `startIndex` put the code. */
export class Placement {
  private readonly lines: Lines;

  constructor(
    readonly original: string,
    private readonly origin: Origin,
  ) {
    this.lines = new Lines(original, BABEL_LINE_BREAKS);
  }

  /** The Babel position of an original offset. */
  at(offset: number): Position {
    const line = this.lines.lineOf(offset);
    const column = offset - this.lines.starts[line]!;
    return {
      line: line + this.origin.startLine,
      column: line === 0 ? column + this.origin.startColumn : column,
      index: offset + this.origin.startIndex,
    };
  }

  /** The Babel position of a 1-based line and 1-based column of the original (a CompileError's). */
  fromLineColumn(line: number, column: number): Position {
    return this.at(this.lines.starts[line - 1]! + column - 1);
  }
}

/**
 * Translates offsets of the compiled code into Babel positions of the original source.
 * A position inside text the user wrote maps exactly; one inside generated code maps to
 * the nearest original position the source map knows (the last one before it on its line,
 * else the first one after it, else the closest line that has one).
 */
export class Relocation {
  private readonly tracer: TraceMap;
  private readonly compiledLines: Lines;
  private readonly originalLines: Lines;

  constructor(
    private readonly placement: Placement,
    private readonly compiled: string,
    map: SourceMap,
  ) {
    this.tracer = new TraceMap({ ...map, version: 3 });
    this.compiledLines = new Lines(compiled, MAP_LINE_BREAKS);
    this.originalLines = new Lines(placement.original, MAP_LINE_BREAKS);
  }

  /** The original position of the compiled offset where something starts. */
  start(compiledOffset: number): Position {
    return this.placement.at(this.trace(compiledOffset).offset);
  }

  /** The original position of the compiled offset where something ends: just after its last character. */
  end(compiledOffset: number): Position {
    if (compiledOffset === 0) return this.placement.at(0);
    const last = this.trace(compiledOffset - 1);
    return this.placement.at(last.exact ? last.offset + 1 : last.offset);
  }

  /**
   * The original offset of the compiled character at `compiledOffset`: `exact` when it is a
   * character the user wrote, else the offset where the user's text before it stops.
   */
  private trace(compiledOffset: number): { offset: number; exact: boolean } {
    const line = this.compiledLines.lineOf(compiledOffset);
    const lineStart = this.compiledLines.starts[line]!;
    const segment = traceSegment(this.tracer, line, compiledOffset - lineStart);
    if (!segment || segment.length === 1) return { offset: this.nearestOffset(line), exact: false };
    // The segment starts a run of the user's text: follow it for as long as both texts agree.
    let compiledAt = lineStart + segment[0];
    let originalAt = this.originalLines.starts[segment[2]]! + segment[3];
    while (compiledAt <= compiledOffset && this.compiled.charCodeAt(compiledAt) === this.placement.original.charCodeAt(originalAt)) {
      compiledAt++;
      originalAt++;
    }
    return compiledAt > compiledOffset ? { offset: originalAt - 1, exact: true } : { offset: originalAt, exact: false };
  }

  /** For a compiled line with no mapping at or before the column: the closest original position the map has. */
  private nearestOffset(line: number): number {
    const lines = decodedMappings(this.tracer);
    const sameLine = mapped(lines[line]);
    if (sameLine.length > 0) return this.offsetOf(sameLine[0]!);
    for (let before = line - 1; before >= 0; before--) {
      const segments = mapped(lines[before]);
      if (segments.length > 0) return this.offsetOf(segments[segments.length - 1]!);
    }
    for (let after = line + 1; after < lines.length; after++) {
      const segments = mapped(lines[after]);
      if (segments.length > 0) return this.offsetOf(segments[0]!);
    }
    return 0;
  }

  private offsetOf(segment: MappedSegment): number {
    return this.originalLines.starts[segment[2]]! + segment[3];
  }
}

type MappedSegment = Extract<SourceMapSegment, [number, number, number, number, ...number[]]>;

function mapped(segments: readonly SourceMapSegment[] | undefined): MappedSegment[] {
  return (segments ?? []).filter((segment): segment is MappedSegment => segment.length > 1);
}

/** Anything in a Babel tree that has a place in the source: a node, a comment, a token. */
interface Located {
  start?: number | null;
  end?: number | null;
  loc?: { start: Position; end: Position } | null;
  range?: [number, number];
}

/**
 * Moves every node, comment and token of a tree Babel parsed from the compiled code to its
 * place in the original source (`start`, `end`, `loc`, and `range` when asked for), and
 * re-addresses the errors a recovering parse kept.
 */
export function relocateTree(ast: ParseResult<t.File>, relocation: Relocation): void {
  // Every comment is in `comments`; the nodes around it and `tokens` share the same object.
  for (const comment of ast.comments ?? []) move(comment, relocation);
  for (const token of ast.tokens ?? []) if (!isComment(token)) move(token as Located, relocation);
  move(ast, relocation);
  if (ast.program.interpreter) move(ast.program.interpreter, relocation);
  const pending: t.Node[] = [ast.program];
  const push = (child: t.Node): void => void pending.push(child);
  for (let node = pending.pop(); node; node = pending.pop()) {
    move(node, relocation);
    forEachChild(node, push);
  }
  for (const error of ast.errors ?? []) relocateParseError(error, relocation);
}

function isComment(token: unknown): boolean {
  const type = (token as { type?: unknown }).type;
  return type === "CommentLine" || type === "CommentBlock";
}

function move(item: Located, relocation: Relocation): void {
  if (typeof item.start !== "number" || typeof item.end !== "number" || !item.loc) return;
  const start = relocation.start(item.start);
  let end = relocation.end(item.end);
  // Generated code may span user code that moved: a node never ends before it starts.
  if (end.index < start.index) end = start;
  item.start = start.index;
  item.end = end.index;
  item.loc.start = start;
  item.loc.end = end;
  if (item.range) item.range = [start.index, end.index];
}

/**
 * Re-addresses a Babel parser error raised on the compiled code to the original source:
 * `loc`, `pos`, and the `(line:column)` Babel ends its message with.
 */
export function relocateParseError(error: unknown, relocation: Relocation): void {
  const located = error as { pos?: unknown; loc?: unknown; message?: unknown };
  if (typeof located.pos !== "number" || !located.loc || typeof located.message !== "string") return;
  const loc = relocation.start(located.pos);
  located.loc = loc;
  located.pos = loc.index;
  located.message = located.message.replace(/ \(\d+:\d+\)$/, ` (${loc.line}:${loc.column})`);
}
