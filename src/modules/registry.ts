import { chainOfThoughtModule } from "./chain-of-thought.js";
import { functionModule } from "./function.js";
import { predictModule } from "./predict.js";
import { reactModule } from "./react.js";
import { retrieveModule } from "./retrieve.js";
import type { AnyModule } from "./types.js";

/** Every module a program's `module:` may name. */
export const MODULES: ReadonlyMap<string, AnyModule> = new Map<string, AnyModule>(
  [predictModule, chainOfThoughtModule, retrieveModule, functionModule, reactModule].map((m) => [m.name, m]),
);
