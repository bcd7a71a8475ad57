/**
 * Offsets between the marked source the parser sees and the original source the user
 * wrote. The reader records every edit it makes; everything after it (errors, code
 * frames, source maps) asks this map where a marked offset came from.
 */
export class OffsetMap {
  private readonly markedStarts: number[] = [];
  private readonly markedEnds: number[] = [];
  private readonly originalStarts: number[] = [];
  private readonly originalEnds: number[] = [];
  private readonly lineStarts: number[];

  constructor(readonly original: string) {
    this.lineStarts = lineStartsOf(original);
  }

  /** Records that `original[originalStart, originalEnd)` became `marked[markedStart, markedEnd)`. Edits arrive in ascending order. */
  record(originalStart: number, originalEnd: number, markedStart: number, markedEnd: number): void {
    this.originalStarts.push(originalStart);
    this.originalEnds.push(originalEnd);
    this.markedStarts.push(markedStart);
    this.markedEnds.push(markedEnd);
  }

  /** The original offset of a marked offset; an offset inside inserted text maps to the start of what it replaced. */
  toOriginal(marked: number): number {
    const edit = lastAtOrBefore(this.markedStarts, marked);
    if (edit < 0) return marked;
    if (marked < this.markedEnds[edit]!) return this.originalStarts[edit]!;
    return marked - this.markedEnds[edit]! + this.originalEnds[edit]!;
  }

  /** Babel-style position of an original offset: 1-based line, 0-based column. */
  position(original: number): { line: number; column: number; index: number } {
    const line = lastAtOrBefore(this.lineStarts, original);
    return { line: line + 1, column: original - this.lineStarts[line]!, index: original };
  }
}

/** Offsets where each line starts, with the line terminators JavaScript knows. */
function lineStartsOf(source: string): number[] {
  const starts = [0];
  for (let i = 0; i < source.length; i++) {
    const ch = source.charCodeAt(i);
    if (ch === 10 || ch === 0x2028 || ch === 0x2029) starts.push(i + 1);
    else if (ch === 13) {
      if (source.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/** Index of the last element `<= value` in an ascending array, or -1. */
function lastAtOrBefore(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= value) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}
