import type { ExampleCandidateView, ExampleResponse, LmCallView, StepTraceView } from "../../../src/view/api-types.js";
import { ErrorBox, KeyValues, Loading, Section, Value } from "../components.js";
import { fmtCost, fmtDuration, fmtScore, shortHash } from "../format.js";
import { useData } from "../hooks.js";
import { href, type ExamplesQuery } from "../route.js";

interface Props {
  runId: string;
  exampleId: string;
  query: ExamplesQuery;
  side: "a" | "b";
}

/** One example: inputs, gold, and for either candidate the prediction, score, feedback and every step's trace. */
export function ExampleView({ runId, exampleId, query, side }: Props) {
  const res = useData<ExampleResponse>(`/api/runs/${encodeURIComponent(runId)}/examples/${encodeURIComponent(exampleId)}`, {
    a: query.a,
    b: query.b,
    dataset: query.dataset,
  });
  const back = href({ view: "examples", run: runId, query });
  if (res.error) return <ErrorBox message={res.error} />;
  if (!res.data) return <Loading />;
  const ex = res.data;
  const shown = side === "a" ? ex.a : ex.b;
  const to = (s: "a" | "b") => href({ view: "example", run: runId, example: exampleId, query, side: s });
  return (
    <div data-testid="example-page">
      <h1>
        Example {ex.exampleId} <a href={back} class="small">← examples</a>
      </h1>
      <p class="muted">
        run {ex.run} · {ex.dataset}
      </p>
      <div class="two">
        <Section title="Inputs">
          <KeyValues values={ex.inputs} />
        </Section>
        <Section title="Gold">
          {ex.goldStored === false ? <p class="muted">not stored (this run was recorded before dspx kept gold answers)</p> : <KeyValues values={ex.gold} />}
        </Section>
      </div>
      <div class="two">
        <Outcome label="A" view={ex.a} />
        <Outcome label="B" view={ex.b} />
      </div>
      <div class="tabs" role="tablist">
        <a href={to("a")} class={side === "a" ? "tab on" : "tab"} role="tab" data-testid="side-a">
          Trace of A{ex.a ? ` (${shortHash(ex.a.candidate)})` : ""}
        </a>
        <a href={to("b")} class={side === "b" ? "tab on" : "tab"} role="tab" data-testid="side-b">
          Trace of B{ex.b ? ` (${shortHash(ex.b.candidate)})` : ""}
        </a>
      </div>
      {shown ? <Trace view={shown} /> : <p class="muted">This candidate did not score this example.</p>}
    </div>
  );
}

function Outcome({ label, view }: { label: string; view: ExampleCandidateView | null }) {
  return (
    <Section title={`${label}${view ? `: ${shortHash(view.candidate)}` : ""}`} testid={`outcome-${label.toLowerCase()}`}>
      {!view ? (
        <p class="muted">not scored</p>
      ) : (
        <>
          <p>
            score <b data-testid="score">{fmtScore(view.score)}</b>
          </p>
          {view.error && <ErrorBox message={view.error} />}
          {view.feedback && (
            <>
              <h4>Feedback</h4>
              <Value value={view.feedback} />
            </>
          )}
          <h4>Prediction</h4>
          <KeyValues values={view.prediction} empty="no prediction" />
        </>
      )}
    </Section>
  );
}

function Trace({ view }: { view: ExampleCandidateView }) {
  if (view.steps.length === 0) return <p class="muted">No trace was stored for this example (traces off, or scored before traces were kept).</p>;
  return (
    <div data-testid="trace">
      {view.steps.map((s, i) => (
        <Step key={`${s.step}-${i}`} step={s} />
      ))}
    </div>
  );
}

function Step({ step }: { step: StepTraceView }) {
  return (
    // The metric's entry (an llm_judge's calls) follows the steps; its "outputs" are the score and feedback it gave.
    <Section title={step.module === "metric" ? `Metric ${step.step}` : `Step ${step.step} (${step.module})`} testid={step.module === "metric" ? "metric-trace" : "step"}>
      <p class="muted small">
        {fmtDuration(step.latencyMs)} · {step.calls.length} call{step.calls.length === 1 ? "" : "s"}
      </p>
      {step.error && <ErrorBox message={step.error} />}
      <div class="two">
        <div>
          <h4>Inputs</h4>
          <KeyValues values={step.inputs} />
        </div>
        <div>
          <h4>Outputs</h4>
          <KeyValues values={step.outputs} empty="no outputs" />
        </div>
      </div>
      {step.calls.map((c, i) => (
        <Call key={i} call={c} n={i + 1} />
      ))}
      {step.trajectory && step.trajectory.length > 0 && (
        <>
          <h4>Trajectory</h4>
          <ol class="trajectory" data-testid="trajectory">
            {step.trajectory.map((t, i) => (
              <li key={i}>{t && typeof t === "object" && !Array.isArray(t) ? <KeyValues values={t as Record<string, unknown>} /> : <Value value={t} />}</li>
            ))}
          </ol>
        </>
      )}
    </Section>
  );
}

function Call({ call, n }: { call: LmCallView; n: number }) {
  return (
    <div class="call">
      <h4>
        Call {n}: {call.model} <span class="muted small">{call.purpose}</span>
        {call.cached && <span class="badge">cached</span>}
      </h4>
      <p class="muted small">
        {call.promptTokens} prompt + {call.completionTokens} completion tokens · {fmtCost(call.costUsd)} · {fmtDuration(call.latencyMs)}
      </p>
      <details open>
        <summary>Messages ({call.messages?.length ?? 0})</summary>
        {call.messages === null ? (
          <p class="muted">not stored</p>
        ) : (
          <div data-testid="messages">
            {call.messages.map((m, i) => (
              <div key={i} class={`message role-${m.role.replace(/[^a-z]/gi, "")}`}>
                <div class="role">{m.role}</div>
                <pre class="value">{m.content}</pre>
              </div>
            ))}
          </div>
        )}
      </details>
      <h4>Completion</h4>
      <pre class="value completion" data-testid="completion">
        {call.completion}
      </pre>
      {call.parseError && <ErrorBox message={`Parse error: ${call.parseError}`} />}
    </div>
  );
}
