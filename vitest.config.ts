import { fileURLToPath } from "node:url";
import yielding from "yielding/vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Test files may use the syntax: the plugin compiles them, and the modules they import,
  // as a user's vitest would. Compiled tests use the runtime's source, the same copy the
  // tests import, rather than dist/.
  plugins: [yielding({ runtime: fileURLToPath(new URL("./runtime/index.ts", import.meta.url)) })],
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // The JSON report lets .ci/run print the closing "N passed, M failed" line.
    reporters: ["default", "json"],
    outputFile: { json: ".test-report.json" },
  },
});
