// Types of bench/corpus-check.mjs, for test/corpus.test.ts.

/** The compiler under check: `compile` and the error class it throws for bad input. */
export interface Compiler {
  compile(source: string, options?: { filename?: string; module?: "esm" | "cjs" }): { code: string };
  CompileError: abstract new (...args: never[]) => Error & { summary: string };
}

/** One transplant that went wrong in one file. */
export interface Failure {
  transplant: string;
  kind: "threw" | "compile error" | "unchanged" | "invalid output" | "line count";
  message: string;
}

export type FileResult = { skipped: "too large" | "unparsable" } | { failures: Failure[] };

export interface CorpusReport {
  scanned: number;
  checked: number;
  skipped: { "too large": number; unparsable: number };
  failures: (Failure & { file: string })[];
}

export const MAX_BYTES: number;
export const TRANSPLANTS: readonly { name: string; where: "start" | "end"; code: string }[];
export function listCorpus(root: string): string[];
export function checkFile(path: string, source: string, compiler: Compiler): FileResult;
export function checkCorpus(files: readonly string[], base: string, compiler: Compiler): CorpusReport;
