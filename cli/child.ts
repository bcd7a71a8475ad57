// The Node process `yielding run` starts: it shares this process's terminal, gets the
// signals sent to this process, and ends it as it ends.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { constants } from "node:os";

/**
 * Signals that come from elsewhere than the terminal: always passed on to the child
 * (Windows has none of them: there, killing a process ends it at once).
 */
const PASSED_ON: readonly NodeJS.Signals[] = process.platform === "win32" ? [] : ["SIGTERM", "SIGHUP", "SIGUSR2"];

/**
 * Runs `node ...argv` (this process's own Node) with this process's stdio, environment
 * and working folder, and ends as it ends: resolves with its exit code, or, when a signal
 * killed it, kills this process with the same signal (resolving with 128 + its number
 * should this process survive that). SIGTERM, SIGHUP and SIGUSR2 sent to this process
 * are passed on to the child. So is SIGINT, unless this process is in the foreground of
 * its terminal: a Ctrl-C there reaches the child directly, and passing it on as well
 * would deliver it twice (which a yielding program takes as a second, forceful Ctrl-C).
 * Either way this process waits for the child to end.
 */
export function runNodeChild(argv: string[]): Promise<number> {
  const child = spawn(process.execPath, argv, { stdio: "inherit" });
  const listeners = new Map<NodeJS.Signals, () => void>();
  for (const signal of [...PASSED_ON, "SIGINT" as const]) {
    const listener = (): void => {
      if (signal !== "SIGINT" || !inTerminalForeground()) child.kill(signal);
    };
    listeners.set(signal, listener);
    process.on(signal, listener);
  }
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      for (const [name, listener] of listeners) process.off(name, listener);
      if (signal === null) return resolve(code ?? 1);
      process.kill(process.pid, signal);
      resolve(128 + (constants.signals[signal] ?? 0));
    });
  });
}

/**
 * Whether this process belongs to the foreground process group of its controlling
 * terminal, the group a Ctrl-C signals as a whole. Read from /proc on Linux and from
 * `ps` elsewhere; on Windows, where a console's Ctrl-C reaches every process attached to
 * it, always true. When it cannot tell, also true.
 */
function inTerminalForeground(): boolean {
  if (process.platform === "win32") return true;
  try {
    let group: number;
    let foreground: number;
    if (process.platform === "linux") {
      // pid (comm) state ppid pgrp session tty_nr tpgid …; comm may hold spaces and parentheses.
      const stat = readFileSync("/proc/self/stat", "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      group = Number(fields[2]);
      foreground = Number(fields[5]);
    } else {
      const out = execFileSync("ps", ["-o", "pgid=,tpgid=", "-p", String(process.pid)], { encoding: "utf8" });
      [group, foreground] = out.trim().split(/\s+/).map(Number) as [number, number];
    }
    return foreground > 0 && foreground === group;
  } catch {
    // Cannot tell: a Ctrl-C delivered twice would do more harm than a SIGINT kept back.
    return true;
  }
}
