import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // The JSON report lets .ci/run print the closing "N passed, M failed" line.
    reporters: ["default", "json"],
    outputFile: { json: ".test-report.json" },
  },
});
