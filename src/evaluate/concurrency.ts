import { turnIfBusy } from "../util/next-turn.js";

/**
 * Runs `task(i)` for i in [0, n) with at most `limit` running at once, in index order of dispatch.
 * `shouldDispatch` is asked before each new task (budgets, interrupts); once it says no, nothing
 * new starts and the in-flight tasks are awaited. A task that throws stops dispatch and the error
 * is rethrown after the in-flight tasks settle.
 */
export async function forEachConcurrent(
  n: number,
  limit: number,
  task: (index: number) => Promise<void>,
  shouldDispatch: () => boolean = () => true,
): Promise<{ dispatched: number }> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    for (;;) {
      // Tasks answered at once (memo, cache, sim) would otherwise hold the event loop for the whole run.
      const turn = turnIfBusy();
      if (turn) await turn;
      if (!(next < n && !failure && shouldDispatch())) break;
      const i = next++;
      try {
        await task(i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, n)) }, worker);
  await Promise.all(workers);
  if (failure) throw failure.error;
  return { dispatched: next };
}
