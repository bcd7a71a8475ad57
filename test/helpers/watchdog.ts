import { Worker } from "node:worker_threads";

/**
 * A guard against synchronous hangs, which no test timeout can interrupt: a worker thread
 * watches each guarded call, and if one runs longer than `limitMs` it writes the input to
 * stderr and kills the test process, so the run fails instead of hanging forever.
 * Messages reach the worker even while the main thread is stuck in a loop.
 */
export interface Watchdog {
  guard<T>(label: string, input: string, fn: () => T): T;
  stop(): Promise<void>;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
let current = null;
parentPort.on("message", (message) => {
  current = message.kind === "start" ? { ...message, since: Date.now() } : null;
});
setInterval(() => {
  if (current && Date.now() - current.since > workerData.limitMs) {
    writeSync(2, "\\n[watchdog] " + current.label + " ran for more than " + workerData.limitMs +
      " ms on this input (JSON):\\n" + JSON.stringify(current.input) + "\\n[watchdog] killing the test process\\n");
    process.kill(process.pid, "SIGKILL");
  }
}, 50);
`;

export function startWatchdog(limitMs: number): Watchdog {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { limitMs } });
  worker.unref();
  return {
    guard(label, input, fn) {
      worker.postMessage({ kind: "start", label, input });
      try {
        return fn();
      } finally {
        worker.postMessage({ kind: "end" });
      }
    },
    async stop() {
      await worker.terminate();
    },
  };
}
