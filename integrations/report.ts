// How `yielding/register` reports a compile error that nothing catches.
import { writeSync } from "node:fs";
import { formatReport, isReportable } from "../cli/common.js";

/**
 * Makes a compile error that would end the process (a module that fails to compile,
 * imported by the entry or required and not caught) print as the one-line report and
 * code frame `yielding compile` prints, then exit 1, instead of Node's dump of the error
 * object. Any other error, and a compile error a program catches or handles with its own
 * `uncaughtException` listener, is left to Node as usual.
 */
export function reportFatalCompileErrors(): void {
  process.on("uncaughtExceptionMonitor", (error) => {
    if (!isReportable(error) || (error as Error).name !== "CompileError") return;
    if (process.listenerCount("uncaughtException") > 0 || process.hasUncaughtExceptionCaptureCallback()) return;
    // Synchronous: process.stderr may be an asynchronous pipe, and exit does not wait for it.
    writeSync(2, formatReport(error));
    process.exit(1);
  });
}
