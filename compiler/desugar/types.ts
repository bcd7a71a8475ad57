import type MagicString from "magic-string";
import type { Range } from "./lines.js";

/** What every desugaring step needs to know about the file being compiled. */
export interface DesugarContext {
  /** The original source, for messages and for the source text of expressions. */
  readonly source: string;
  readonly filename: string;
  /** Whether the output is TypeScript (generated parameters are then annotated, for `strict`). */
  readonly typescript: boolean;
  /** The edits to the original source that make the output. */
  readonly edits: MagicString;
  /**
   * Replaces the original `[start, end)` with `text`, keeping the line breaks of the
   * stretch (after `text`) except those inside `moved`, which the lowering re-emits
   * elsewhere: every lowering edits through here, so no line is ever lost.
   */
  replace(start: number, end: number, text: string, moved?: readonly Range[]): void;
  /** The source text of `node` (as the user wrote it) as a string literal, for runtime messages. */
  sourceTextOf(node: { start?: number | null; end?: number | null }): string;
  /** The original offset of a parser offset (the parser read the marked source). */
  original(markedOffset: number | null | undefined): number;
  /** A new hygienic name for a generated binding. */
  freshName(hint: string): string;
  /** A local name bound to the runtime export `name`, imported once per file. */
  runtimeHelper(name: string): string;
}
