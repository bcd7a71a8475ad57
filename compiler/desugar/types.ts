import type * as t from "@babel/types";
import type { Markers } from "../reader.js";

/** What every desugaring step needs to know about the file being compiled. */
export interface DesugarContext {
  /** The original source, for messages and for the source text of expressions. */
  readonly source: string;
  readonly filename: string;
  readonly markers: Markers;
  /** A new hygienic name for a generated binding. */
  freshName(hint: string): t.Identifier;
  /** A local name bound to the runtime export `name`, imported once per file. */
  runtimeHelper(name: string): t.Identifier;
}
