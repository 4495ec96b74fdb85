import { existsSync } from "node:fs";
import path from "node:path";
import type { LMPool } from "../lm/pool.js";
import type { ProgramState } from "../program/state.js";
import { recordedLmOf } from "../store/run-config.js";
import type { RunRecord } from "../store/runs-store.js";
import type { Store } from "../store/store.js";
import type { ToolResults } from "../store/tool-results-store.js";
import { displayPath } from "../util/display-path.js";
import { UserError } from "../util/errors.js";
import { loadProgram } from "./load.js";
import type { Program } from "./program.js";

/** A candidate program named on the command line: a run's (best or given) candidate, or a program file. */
export type CandidateRef =
  | { kind: "run"; label: string; run: RunRecord; candidate: string; state: ProgramState }
  | { kind: "file"; label: string; file: string };

/**
 * Reads `<run>`, `<run>:<candidate>` (unique prefixes of both) or a program file path. A run still
 * in progress has no final best candidate yet: name one of its candidates explicitly. A compare run
 * is refused (`use` says what for: "export", "compare"…).
 */
export function resolveCandidateRef(store: Store, ref: string, use = "use"): CandidateRef {
  const looksLikeFile = /[\\/]|\.(ya?ml|json)$/i.test(ref);
  if (looksLikeFile || existsSync(ref)) {
    if (!existsSync(ref)) throw new UserError({ message: "no such program file", pos: { file: ref } });
    return { kind: "file", label: displayPath(ref), file: path.resolve(ref) };
  }
  const [runPart, candidatePart] = ref.split(":", 2) as [string, string | undefined];
  const run = store.runs.resolve(runPart);
  if (run.kind === "compare") {
    // Its candidates are two other programs' (each side's program is not the run's), so it names none of its own.
    const { a, b } = run.config;
    throw new UserError(
      `run ${run.id} is a compare run (A = ${a.ref}, B = ${b.ref}): it has no candidate of its own to ${use}; name one of the runs or programs it compared instead`,
    );
  }
  const candidates = store.runs.candidates(run.id);
  let hash: string;
  if (candidatePart !== undefined) {
    const matches = candidates.filter((c) => c.hash.startsWith(candidatePart.toLowerCase()));
    if (matches.length === 0) throw new UserError(`run ${run.id} has no candidate ${JSON.stringify(candidatePart)} (see \`dspx show ${run.id}\`)`);
    if (matches.length > 1) throw new UserError(`${JSON.stringify(candidatePart)} matches several candidates of run ${run.id}: give more characters`);
    hash = matches[0]!.hash;
  } else {
    if (run.status === "running") {
      throw new UserError(`run ${run.id} is still in progress, so it has no final best candidate yet: wait for it, or name a candidate (\`${run.id}:<candidate>\`, see \`dspx show ${run.id}\`)`);
    }
    const best = run.bestCandidate ?? (candidates.length === 1 ? candidates[0]!.hash : undefined);
    if (!best) throw new UserError(`run ${run.id} has no scored candidate (it ${run.status === "failed" ? "failed" : "stopped"} before any evaluation finished)`);
    hash = best;
  }
  const record = candidates.find((c) => c.hash === hash);
  if (!record) throw new UserError(`run ${run.id} does not hold candidate ${hash.slice(0, 10)}`);
  return { kind: "run", label: `run ${run.id}${candidatePart !== undefined || candidates.length > 1 ? ` (candidate ${hash.slice(0, 10)})` : ""}`, run, candidate: hash, state: record.state as ProgramState };
}

/**
 * The runnable program a reference names, on `pool` (its clients and schedulers shared): a file as
 * the pool's settings say, a run's candidate (its program as recorded, with the candidate's state)
 * as it was evaluated — on the models and endpoints of the run's config, so that its stored
 * evaluations are what it scores. With `replay: false` (an explicit --lm) a run's candidate runs as
 * a file would; an explicit base URL in the settings replaces the recorded endpoint. Tool calls are
 * answered from `toolResults` when recorded there.
 */
export async function loadCandidate(ref: CandidateRef, pool: LMPool, { replay = true, toolResults }: { replay?: boolean; toolResults?: ToolResults } = {}): Promise<Program> {
  const tools = toolResults ? { toolResults } : {};
  if (ref.kind === "file") return loadProgram(ref.file, { pool, ...tools });
  return loadProgram(ref.run.programFile, { pool: replay ? pool.replay(recordedLmOf(ref.run.config)) : pool, source: ref.run.programSource, state: ref.state, ...tools });
}
