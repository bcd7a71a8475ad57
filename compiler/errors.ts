import { codeFrameColumns } from "@babel/code-frame";
import { OffsetMap } from "./offsets.js";

/** The error codes of SPEC §10. */
export type ErrorCode =
  | "E_SYNTAX"
  | "E_CONTEXT"
  | "E_FOR_IN"
  | "E_FOR_AWAIT"
  | "E_WITH_INIT"
  | "E_WITH_VAR"
  | "E_COMP_YIELD";

/**
 * The one error `compile` throws for bad input (SPEC §8): a code, a message without
 * internal names, the file, the 1-based line and column of the offending token in the
 * ORIGINAL source, and a code frame pointing at it.
 */
export class CompileError extends Error {
  readonly code: ErrorCode;
  readonly filename: string;
  readonly line: number;
  readonly column: number;
  readonly frame: string;

  constructor(code: ErrorCode, message: string, filename: string, line: number, column: number, frame: string) {
    super(message);
    this.name = "CompileError";
    this.code = code;
    this.filename = filename;
    this.line = line;
    this.column = column;
    this.frame = frame;
  }

  /** `path:line:column: error CODE: message`, the CLI's first line of a report (SPEC §9). */
  get summary(): string {
    return `${this.filename}:${this.line}:${this.column}: error ${this.code}: ${this.message}`;
  }
}

/**
 * Builds a CompileError at a 0-based `offset` of the original `source`, with the frame.
 * Every stage reports through here so positions and frames are computed one way.
 */
export function compileErrorAt(
  code: ErrorCode,
  message: string,
  source: string,
  offset: number,
  filename: string,
): CompileError {
  const position = new OffsetMap(source).position(offset);
  const line = position.line;
  const column = position.column + 1;
  const frame = codeFrameColumns(source, { start: { line, column } }, { highlightCode: false });
  return new CompileError(code, message, filename, line, column, frame);
}
