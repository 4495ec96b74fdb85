import { defineConfig } from "vitest/config";

/**
 * The integration project: test files that start processes (the built CLI, Node scripts, a
 * pseudo-terminal, `mkfifo`) or talk HTTP to the mock provider. They need `npm run build` first.
 * Every other test file is a unit test: in-process, no network, no child process
 * (test/support-tests/projects.test.ts checks that a unit test file starts none).
 */
export const INTEGRATION = [
  "test/browser/ui-fixture.test.ts",
  "test/browser/viewer.test.ts",
  "test/cli/agent-run.test.ts",
  "test/store/traces-cli.test.ts",
  "test/cli/bad-completion.test.ts",
  "test/cli/basics.test.ts",
  "test/cli/check-before-spending.test.ts",
  "test/cli/damaged-input.test.ts",
  "test/cli/data-checks.test.ts",
  "test/cli/eval-large.test.ts",
  "test/cli/eval.test.ts",
  "test/cli/export-compare.test.ts",
  "test/cli/flags.test.ts",
  "test/cli/honest-summary.test.ts",
  "test/cli/housekeeping.test.ts",
  "test/cli/init.test.ts",
  "test/cli/interrupt.test.ts",
  "test/cli/lazy-loading.test.ts",
  "test/cli/mipro-crash.test.ts",
  "test/cli/library.test.ts",
  "test/cli/old-database.test.ts",
  "test/cli/optimize-crash.test.ts",
  "test/cli/optimize-usd.test.ts",
  "test/cli/optimizers.test.ts",
  "test/cli/order-agent.test.ts",
  "test/cli/pipe.test.ts",
  "test/cli/providers.test.ts",
  "test/cli/pty-in-flight.test.ts",
  "test/cli/pty-interrupt.test.ts",
  "test/cli/reading-runs.test.ts",
  "test/cli/readme-synopses.test.ts",
  "test/cli/readonly-db.test.ts",
  "test/cli/resume-kill.test.ts",
  "test/cli/resume-model.test.ts",
  "test/cli/run-batch.test.ts",
  "test/cli/runs-store.test.ts",
  "test/cli/secrets.test.ts",
  "test/cli/sequence-resume-kill.test.ts",
  "test/cli/tables-terminal.test.ts",
  "test/cli/tool-replay.test.ts",
  "test/cli/tools.test.ts",
  "test/cli/validate-run.test.ts",
  "test/cli/zero-latency-kill.test.ts",
  "test/lm/providers/credentials.test.ts",
  "test/lm/providers/providers.test.ts",
  "test/lm/providers/tool-calls.test.ts",
  "test/lm/scheduler/request-signal-gc.test.ts",
  "test/modules/react-http.test.ts",
  "test/package/install.test.ts",
  "test/program/fifo.test.ts",
  "test/store/writer.test.ts",
  "test/support-tests/mock-provider.test.ts",
  "test/tools/mcp.test.ts",
  "test/view/server.test.ts",
  "test/view/view-cli.test.ts",
];

/**
 * In-process test files that run whole optimizations end to end (every phase interrupted and
 * resumed, each optimizer on the example programs): no process or socket, but tens of seconds of
 * CPU each, so they run with the integration project and `npm run test:unit` stays fast.
 */
export const END_TO_END = [
  "test/optimize/gepa-patience-e2e.test.ts",
  "test/optimize/mipro-e2e.test.ts",
  "test/optimize/resume-replay.test.ts",
  "test/optimize/sequence-e2e.test.ts",
];

export default defineConfig({
  test: {
    globalSetup: ["test/support/global-tmp.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: [...INTEGRATION, ...END_TO_END],
          // Unit test files share their worker's module cache instead of loading src/ afresh each:
          // half the CPU of the project (they keep no state between files that the others see).
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: [...INTEGRATION, ...END_TO_END],
        },
      },
    ],
    // Integration tests spawn whole CLI runs and the optimizers' end-to-end unit tests run whole
    // optimizations; on a loaded 2-core machine some take 20-30 s, so the limits are there to catch
    // hangs, not to time anything.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    // Keep the machine's two cores busy but not oversubscribed (integration tests start processes).
    maxWorkers: 4,
  },
});
