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
  let i = 0;
  const indices = (): IteratorResult<number> => (i < n ? { done: false, value: i++ } : { done: true, value: undefined });
  return forEachConcurrentFrom(indices, Math.min(limit, n), (_, index) => task(index), shouldDispatch);
}

/** The next item of a stream that may need I/O to produce it (a file read line by line), or a plain iterator's `next`. */
export type ItemSource<T> = () => IteratorResult<T> | Promise<IteratorResult<T>>;

/**
 * `forEachConcurrent` over items pulled one at a time from `next` (an async generator's `next`:
 * a file streamed, never held whole). Items are pulled only when a worker is free, in order, and
 * numbered from 0 in that order; an error while pulling stops dispatch like a task's. What it
 * holds at once is the `limit` items in flight.
 */
export async function forEachConcurrentFrom<T>(
  next: ItemSource<T>,
  limit: number,
  task: (item: T, index: number) => Promise<void>,
  shouldDispatch: () => boolean = () => true,
): Promise<{ dispatched: number }> {
  let pulled = 0;
  let dispatched = 0;
  let exhausted = false;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    for (;;) {
      // Tasks answered at once (memo, cache, sim) would otherwise hold the event loop for the whole run.
      const turn = turnIfBusy();
      if (turn) await turn;
      if (exhausted || failure || !shouldDispatch()) break;
      // Numbered when asked for: an async generator answers its `next` calls in the order they were made.
      const index = pulled++;
      let item: IteratorResult<T>;
      try {
        const pending = next();
        item = pending instanceof Promise ? await pending : pending;
      } catch (error) {
        failure ??= { error };
        break;
      }
      if (item.done) {
        exhausted = true;
        break;
      }
      dispatched++;
      try {
        await task(item.value, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, limit) }, worker);
  await Promise.all(workers);
  if (failure) throw failure.error;
  return { dispatched };
}
