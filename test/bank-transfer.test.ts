// examples/bank-transfer.js, run as the README says, on the embedded database (PGlite):
// a transfer that commits, transfers that fail and one that is cancelled, both rolled back
// by the with-statement's suspending exit.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));

it("examples/bank-transfer.js commits a transfer and rolls back a failed and a cancelled one", async () => {
  // Never a server: the embedded database, whatever this machine's environment says.
  const env = { ...process.env };
  delete env.DATABASE_URL;
  // PGlite takes a few seconds to start (it creates a database in memory): a generous timeout.
  // execFile rejects on a non-zero exit code, so a resolved call means the process exited 0.
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, "run", "examples/bank-transfer.js"], {
    cwd: root,
    env,
    encoding: "utf8",
    timeout: 100_000,
  });
  expect(stderr).toBe("");
  expect(stdout).toBe(
    [
      "0. three accounts:",
      "   balances: alice 100, bob 50, carol 0",
      "1. a transfer commits:",
      "   alice -> bob 30: done",
      "   balances: alice 70, bob 80, carol 0",
      "2. transfers that fail roll back (the second one after debiting alice):",
      '   bob -> carol 500: new row for relation "accounts" violates check constraint "accounts_balance_check"',
      "   alice -> dave 10: no account named dave",
      "   balances: alice 70, bob 80, carol 0",
      "3. a transfer cancelled halfway (after debiting alice) rolls back:",
      "   alice -> carol 20: The task was cancelled: the customer hung up",
      "   balances: alice 70, bob 80, carol 0",
      "",
    ].join("\n"),
  );
}, 120_000);
