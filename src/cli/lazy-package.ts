import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/**
 * A package loaded the first time it is used, synchronously (an ES module too: `require` of one
 * works from Node 20.19, hence `engines`). For packages that cost start-up time and only some runs
 * use: string-width builds Unicode property regexes (~50 ms), ora its spinners. The bundle keeps such
 * packages outside (scripts/bundle-cli.mjs), so they are read from node_modules at that moment.
 */
export function lazyPackage<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}
