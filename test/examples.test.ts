import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("examples", () => {
  it("the README's demo command runs the tour and shows where the task suspended", () => {
    const stdout = execFileSync("npx", ["yielding", "run", "examples/tour.js"], { cwd: root, encoding: "utf8", timeout: 30_000 });
    expect(stdout).toBe(
      [
        "an async generator (each step is a Promise):",
        "  1  suspended",
        "  2  suspended",
        "  3  suspended",
        "a Node readable stream:",
        "  alpha  suspended",
        "  beta  suspended",
        "a custom yielding iterator (every third step waits):",
        "  7  no suspension",
        "  6  suspended",
        "  5  no suspension",
        "  4  no suspension",
        "  3  suspended",
        "  2  no suspension",
        "  countdown closed early",
        "settled Futures and plain values (the fast path):",
        "  a  no suspension",
        "  b  no suspension",
        "  c  no suspension",
        "  1  no suspension",
        "  2  no suspension",
        "with-statements (a free Lock is ready; an exit that sleeps suspends):",
        "  holding the lock  no suspension",
        "  using conn#1  no suspension",
        "  after the exit  suspended",
        "comprehensions:",
        "  [2,4,6] from an async generator  suspended",
        '  ["A","C"] from settled Futures  no suspension',
        "done",
        "",
      ].join("\n"),
    );
  });
});
