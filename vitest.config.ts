import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests spawn the built CLI; keep the machine's two cores busy but not oversubscribed.
    maxWorkers: 4,
  },
});
