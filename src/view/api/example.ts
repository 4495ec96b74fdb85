import { z } from "zod";
import { API_VERSION, type ExampleCandidateView, type ExampleResponse } from "../api-types.js";
import type { StoredExample } from "../../store/blobs.js";
import { readStoredJson } from "../../store/stored-json.js";
import type { ViewStore } from "../view-store.js";
import { exampleScope } from "./examples.js";
import { notFound } from "./failure.js";
import { parseInputs } from "./inputs.js";
import { lookupMessages } from "./messages.js";
import { traceView } from "./trace-view.js";

const outputsSchema = z.record(z.string(), z.unknown());

/**
 * GET /api/runs/:run/examples/:example: one example's inputs and, for candidates a and b (default:
 * the baseline and the best), the prediction, score, feedback and every step's calls and trajectory.
 */
export function getExample(store: ViewStore, ref: string, exampleId: string, query: URLSearchParams): ExampleResponse {
  const scope = exampleScope(store, ref, query);
  const a = scope.a ? candidateView(store, scope.run.id, scope.a, scope.dataset, exampleId) : null;
  const b = scope.b ? (scope.b === scope.a ? a : candidateView(store, scope.run.id, scope.b, scope.dataset, exampleId)) : null;
  if (!a && !b) throw notFound(`run ${scope.run.id} has no result for example ${JSON.stringify(exampleId)} on ${scope.dataset} for these candidates`);
  const first = (a ?? b)!;
  return {
    apiVersion: API_VERSION,
    run: scope.run.id,
    dataset: scope.dataset,
    exampleId,
    // The example as the evaluation stored it; for results stored before examples were, the first step's inputs.
    inputs: first.example?.inputs ?? first.inputs,
    gold: first.example?.gold ?? {},
    goldStored: first.example !== null,
    a: a?.view ?? null,
    b: b?.view ?? null,
  };
}

interface CandidateResult {
  view: ExampleCandidateView;
  inputs: Record<string, unknown>;
  example: StoredExample | null;
}

function candidateView(store: ViewStore, runId: string, candidate: string, dataset: string, exampleId: string): CandidateResult | null {
  const row = store.db
    .prepare(
      `SELECT e.score, e.feedback, e.outputs, json_extract(e.error, '$.message') AS error, e.trace, json_extract(e.trace, '$[0].inputs') AS inputs, e.example_hash AS exampleHash
       FROM run_results r JOIN evaluations e ON e.id = r.eval_id
       WHERE r.run_id = ? AND r.candidate = ? AND r.dataset = ? AND r.example_id = ?`,
    )
    .get(runId, candidate, dataset, exampleId) as
    | { score: number; feedback: string | null; outputs: string | null; error: string | null; trace: string; inputs: string | null; exampleHash: string | null }
    | undefined;
  if (!row) return null;
  const outputs = row.outputs === null ? undefined : readStoredJson(row.outputs, outputsSchema);
  const trace = traceView(row.trace, (hash) => lookupMessages(store, hash));
  const problems = [outputs && !outputs.ok ? `its outputs ${outputs.problem}` : undefined, trace.problem].filter(Boolean);
  return {
    inputs: parseInputs(row.inputs),
    example: row.exampleHash === null ? null : (store.traces.example(row.exampleHash) ?? null),
    view: {
      candidate,
      prediction: outputs?.ok ? outputs.value : null,
      score: row.score,
      feedback: row.feedback,
      error: row.error ?? (problems.length > 0 ? `the stored evaluation is damaged: ${problems.join("; ")}` : null),
      steps: trace.steps,
    },
  };
}
