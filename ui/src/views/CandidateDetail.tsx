import type { CandidateSummary, DemoView, StepStateView } from "../../../src/view/api-types.js";
import { KeyValues, Value } from "../components.js";
import { fmtScore, shortHash } from "../format.js";
import { WordDiff } from "./WordDiff.js";

interface Props {
  candidate: CandidateSummary;
  byHash: Map<string, CandidateSummary>;
  onSelect: (hash: string) => void;
}

/** A candidate: where it came from, its scores, and each step's instruction (diffed against its first parent's) and demos. */
export function CandidateDetail({ candidate, byHash, onSelect }: Props) {
  const parent = candidate.parents.map((p) => byHash.get(p)).find((p) => p !== undefined) ?? null;
  return (
    <div data-testid="candidate-detail" data-candidate={candidate.hash}>
      <div class="meta">
        <span>
          <b>#{candidate.seq}</b> <code title={candidate.hash}>{shortHash(candidate.hash)}</code>
        </span>
        <span class="badge">{candidate.origin}</span>
        {candidate.onFrontier && <span class="badge frontier">Pareto frontier</span>}
        {candidate.stage && <span class="muted">stage {candidate.stage}</span>}
        <span>
          parents:{" "}
          {candidate.parents.length === 0
            ? "none"
            : candidate.parents.map((p) => (
                <button key={p} class="link" onClick={() => onSelect(p)}>
                  {byHash.has(p) ? `#${byHash.get(p)!.seq}` : shortHash(p)}
                </button>
              ))}
        </span>
      </div>
      <table class="grid compact">
        <thead>
          <tr>
            <th>dataset</th>
            <th class="num">mean</th>
            <th class="num">n</th>
            <th class="num">errors</th>
            <th class="num">95% CI</th>
          </tr>
        </thead>
        <tbody>
          {Object.values(candidate.scores).map((s) => (
            <tr key={s.dataset}>
              <td>{s.dataset}</td>
              <td class="num">{fmtScore(s.mean)}</td>
              <td class="num">{s.n}</td>
              <td class="num">{s.errors}</td>
              <td class="num">{s.ci95 ? `${fmtScore(s.ci95[0])} – ${fmtScore(s.ci95[1])}` : "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {candidate.note && (
        <details class="note">
          <summary>Proposal / reflection that produced it</summary>
          <Value value={candidate.note} />
        </details>
      )}
      {candidate.steps.map((step) => (
        <StepState key={step.step} step={step} parentStep={parent?.steps.find((s) => s.step === step.step) ?? null} parentSeq={parent?.seq ?? null} />
      ))}
    </div>
  );
}

function StepState({ step, parentStep, parentSeq }: { step: StepStateView; parentStep: StepStateView | null; parentSeq: number | null }) {
  return (
    <div class="step-state">
      <h3>
        {step.step} <span class="muted small">{step.module}</span>
      </h3>
      <h4>
        Instruction
        {parentStep && <span class="muted small"> (diff against parent #{parentSeq})</span>}
      </h4>
      {parentStep ? <WordDiff before={parentStep.instruction} after={step.instruction} /> : <Value value={step.instruction} />}
      <h4>Demos ({step.demos.length})</h4>
      {step.demos.length === 0 ? <p class="muted">none</p> : <Demos demos={step.demos} />}
    </div>
  );
}

function Demos({ demos }: { demos: DemoView[] }) {
  return (
    <ol class="demos">
      {demos.map((d, i) => (
        <li key={i}>
          {d.origin && <span class="badge">{d.origin}</span>}
          <KeyValues values={d.fields} />
        </li>
      ))}
    </ol>
  );
}
