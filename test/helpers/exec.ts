import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "@babel/parser";
import ts from "typescript";
import { ROOT } from "./fixtures.js";

/** The built runtime (`npm test` builds it first through `pretest`). */
export const RUNTIME_PATH = join(ROOT, "dist/runtime/index.js");
export const RUNTIME_URL = pathToFileURL(RUNTIME_PATH).href;

/** Throws a clear message when the runtime has not been built. */
export function assertRuntimeBuilt(): void {
  if (!existsSync(RUNTIME_PATH)) {
    throw new Error(`${RUNTIME_PATH} does not exist: run \`npm run build\` (or \`npm test\`, which builds first)`);
  }
}

/**
 * Makes compiled output runnable by Node 20: TypeScript and JSX are stripped or
 * transformed with the TypeScript compiler (`jsxFactory` `h`, which the fixtures define;
 * a `@jsx` pragma in the file wins). Plain JavaScript is returned unchanged.
 */
export function toRunnableJavaScript(code: string, filename: string): string {
  if (!/\.(ts|tsx|jsx|mts|cts)$/.test(filename)) return code;
  const result = ts.transpileModule(code, {
    fileName: filename,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      jsx: ts.JsxEmit.React,
      jsxFactory: "h",
      verbatimModuleSyntax: false,
      isolatedModules: true,
      sourceMap: false,
    },
  });
  return result.outputText;
}

/**
 * `.cjs` for a sloppy script (no import or export: e.g. one using `with`), `.mjs` otherwise,
 * so Node runs the file the way its author meant. Unparseable code runs as a module and
 * lets Node report the error.
 */
export function runnableExtension(code: string): ".mjs" | ".cjs" {
  try {
    const ast = parse(code, { sourceType: "unambiguous", allowReturnOutsideFunction: true });
    return ast.program.sourceType === "script" ? ".cjs" : ".mjs";
  } catch {
    return ".mjs";
  }
}

export interface NodeRun {
  stdout: string;
  stderr: string;
  /** Exit code, or null when killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

/** Runs `node file` with a timeout, never rejecting: the result says what happened. */
export function runNode(file: string, timeoutMs = 10_000): Promise<NodeRun> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [file],
      { cwd: ROOT, env, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        const failure = error as (Error & { code?: unknown; signal?: NodeJS.Signals | null; killed?: boolean }) | null;
        resolvePromise({
          stdout,
          stderr,
          exitCode: failure ? (typeof failure.code === "number" ? failure.code : null) : 0,
          signal: failure?.signal ?? null,
          timedOut: Boolean(failure?.killed && failure.signal === "SIGKILL"),
        });
      },
    );
  });
}

/** A readable account of a failed run, for assertion messages. */
export function describeRun(run: NodeRun): string {
  const how = run.timedOut ? "timed out" : run.signal ? `killed by ${run.signal}` : `exit code ${run.exitCode}`;
  return `${how}\n--- stderr ---\n${run.stderr}--- stdout ---\n${run.stdout}`;
}
