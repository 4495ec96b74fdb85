/**
 * `load` run on the first call only; every call returns that first promise. How a module that a
 * command may not need (an SDK, a native addon's wrapper) is imported at its first use instead of
 * at start-up.
 */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}
