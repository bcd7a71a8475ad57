/**
 * Small projects in temporary folders, for the tests that drive a real tool (a bundler,
 * Babel, vitest, Node's loader) on user code and run what it produced.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
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

/** How a process spawned by `spawnDetached` ended, and what it printed. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of `spawnDetached`. */
export interface SpawnOptions {
  /** Added to the environment; the caller's NODE_OPTIONS is dropped unless given here. */
  env?: Record<string, string>;
  /** Called with the child each time its stdout has printed one more whole line. */
  onLine?: (line: string, child: ChildProcess) => void;
  /** After this long the whole process group is killed (default 25 s). */
  timeoutMs?: number;
}

/**
 * Runs `command args…` in `cwd` in a session of its own (detached: away from any terminal
 * vitest runs in, so a signal the test sends is the only one the process gets), collecting
 * its output. On timeout it kills the whole group: `yielding run` and the program it started.
 */
export function spawnDetached(command: string, args: string[], cwd: string, options: SpawnOptions = {}): Promise<Exit> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (options.env?.NODE_OPTIONS === undefined) delete env.NODE_OPTIONS;
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let seen = 0;
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    const lines = stdout.split("\n");
    for (; seen < lines.length - 1; seen++) options.onLine?.(lines[seen]!, child);
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), options.timeoutMs ?? 25_000);
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
