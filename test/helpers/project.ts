/**
 * Small projects in temporary folders, for the tests that drive a real tool (a bundler,
 * Babel, vitest, Node's loader) on user code and run what it produced.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ROOT } from "./fixtures.js";

/**
 * Writes `files` (relative path → contents) into a new folder under the package's tmp/
 * (git-ignored), where `yielding`, `yielding/runtime` and every integration resolve to
 * this package through its self-reference, as they would from a user's node_modules.
 * Returns the folder; `remove()` deletes it.
 */
export function writeProject(prefix: string, files: Record<string, string>): { root: string; remove(): void } {
  mkdirSync(join(ROOT, "tmp"), { recursive: true });
  const root = mkdtempSync(join(ROOT, "tmp", `${prefix}-`));
  writeFiles(root, files);
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** Writes `files` (relative path → contents) under `root`, making folders as needed. */
export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/** What a child process did: its output, and its exit code (null when killed by a signal). */
export interface ProcessResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/**
 * Runs `node args…` in `cwd` without NODE_OPTIONS and the VITEST* variables (the test
 * runner's own must not leak in), with a timeout; never rejects.
 */
export function runNodeIn(cwd: string, args: string[], timeoutMs = 20_000): Promise<ProcessResult> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== "NODE_OPTIONS" && !name.startsWith("VITEST")));
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, env, timeout: timeoutMs, encoding: "utf8" }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      resolve({ stdout, stderr, exitCode: error === null ? 0 : typeof code === "number" ? code : null });
    });
  });
}
