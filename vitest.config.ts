import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-tmp.ts"],
    // Integration tests spawn whole CLI runs; on a loaded 2-core CI machine some take 20-30 s, so the
    // limit is there to catch hangs, not to time anything.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // Integration tests spawn the built CLI; keep the machine's two cores busy but not oversubscribed.
    maxWorkers: 4,
  },
});
