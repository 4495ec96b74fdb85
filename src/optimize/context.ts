import { storeMemo } from "../evaluate/memo.js";
import { stateHash, type ProgramState } from "../program/state.js";
import { fingerprints, type Fingerprints } from "../runtime/fingerprint.js";
import { Program } from "../runtime/program.js";
import type { Rng } from "../util/rng.js";
import type { Budget } from "./budget.js";
import { scoreProgram, type EvaluatorOptions } from "./evaluator.js";
import { stepRecords } from "./feedback.js";
import { proposeInstruction } from "./propose.js";
import { summarize } from "./summarize.js";
import type { Session } from "./session.js";
import type { OptimizeContext } from "./types.js";

/** What a stage of the run gives its optimizer: its settings, and the state it starts from (the program's, or the best of the stage before). */
export interface StageStart {
  settings: Record<string, unknown>;
  state: ProgramState;
}

/**
 * What an optimizer is given by a session: the student's graph and the stage's starting state (its
 * baseline), the run's data and the stage's settings, and the evaluator, teacher and reflection LM
 * — each spending against `budget`, each result memoized in the store under the run. The teacher
 * runs the starting state too: a stage after another bootstraps from what that one found.
 */
export function optimizeContext(session: Session, budget: Budget, rng: Rng, stage: StageStart = { settings: session.stages[0]!.settings, state: session.program.state }): OptimizeContext {
  const { program, store, runId, config, signal } = session;
  // What optimizers read back must be what they would have made: with traces, only results stored with theirs.
  const traced = config.traces === false ? { traces: false } : { traces: true, requireTraces: true };
  const evaluator = (fp: Fingerprints): EvaluatorOptions => ({
    budget,
    concurrency: config.concurrency,
    signal,
    callsPerExample: session.shape.callsPerExample,
    memoFor: (candidate, dataset) => storeMemo({ evaluations: store.evaluations, fingerprints: fp, candidate, link: { runId, dataset }, ...traced }),
    onResult: (r) => {
      session.spend.noteResult(r);
      session.progress(budget);
    },
  });
  const { teacherLm, reflectionLm: reflectionModel } = program.pool.settings;
  const teacherPool = teacherLm ? program.pool.withModel(teacherLm) : program.pool;
  const reflectionLm = () => (reflectionModel ? program.pool.withModel(reflectionModel) : program.pool).clientFor(program.spec.lm);
  return {
    graph: program.graph,
    baseline: stage.state,
    trainset: session.data.train,
    devset: session.data.dev,
    rng,
    settings: stage.settings,
    budget,
    evaluate: (state, examples, dataset) => {
      const hash = stateHash(state);
      session.candidates.add(hash);
      return scoreProgram(program.withState(state), hash, examples, dataset, evaluator(session.fingerprints.student));
    },
    teacher: async (examples, { sample }) => {
      const teacher = new Program(program.graph, stage.state, teacherPool, program.toolResults);
      session.fingerprints.teacher ??= await fingerprints(teacher);
      // A teacher sample is its own "candidate" in the memo: the same state, sampled differently.
      const id = `${stateHash(stage.state)}@teacher:${sample}`;
      const set = await scoreProgram(teacher, id, examples, `train:teacher:${sample}`, evaluator(session.fingerprints.teacher), sample > 0 ? { sample, temperature: 1 } : {});
      return set.results;
    },
    propose: async ({ step, instruction, records, purpose, sample, grounding }) => {
      budget.ensure({ calls: 1 });
      const compiled = program.graph.steps.find((s) => s.name === step)!;
      const { proposal, calls } = await proposeInstruction(reflectionLm(), {
        step,
        signature: { inputs: compiled.signature.inputs, outputs: compiled.outputs },
        instruction,
        records,
        purpose,
        sample,
        ...(grounding ? { grounding } : {}),
        signal,
      });
      budget.chargeCalls(calls, "proposal");
      return proposal;
    },
    summarize: async ({ kind, examples = [] }) => {
      budget.ensure({ calls: 1 });
      const { summary, calls } = await summarize(reflectionLm(), { kind, graph: program.graph, examples, signal });
      budget.chargeCalls(calls, "proposal");
      return summary;
    },
    candidate: (state, origin, parents = []) => {
      const hash = stateHash(state);
      session.candidates.add(hash);
      store.runs.addCandidate(runId, { hash, state, parents, origin });
      return hash;
    },
    event: (type, data) => session.events.add(type, data),
    phase: (text) => session.setPhase(text),
    notice: (text) => {
      session.notes.push(text);
      session.hooks.onNotice?.(text);
    },
    records: (results, examples, step) => stepRecords(program.graph, results, examples, step),
  };
}
