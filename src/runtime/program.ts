import { executeGraph } from "../graph/execute.js";
import type { Prediction } from "../graph/trace.js";
import type { CompiledStep, Graph } from "../graph/types.js";
import type { LMPool } from "../lm/pool.js";
import type { LMClient } from "../lm/types.js";
import { buildMetric } from "../metrics/build.js";
import type { Metric, MetricContext } from "../metrics/types.js";
import type { LMConfig } from "../program/types.js";
import type { ProgramState } from "../program/state.js";
import { UserError, type Problem } from "../util/errors.js";
import { didYouMean } from "../util/suggest.js";
import { userValueProblem } from "../program/user-value.js";
import type { ToolResults } from "../store/tool-results-store.js";
import { stepTools } from "../tools/step-tools.js";
import type { StepTools } from "../tools/types.js";

export interface RunOptions {
  signal?: AbortSignal;
}

/**
 * A loaded program: the compiled graph, a state (the baseline's instructions and demos, or a
 * candidate's), the LM pool its steps call and its metric. What evaluate and optimize run and what
 * the library hands out (`loadProgram`).
 */
export class Program<Outputs extends Record<string, unknown> = Record<string, unknown>> {
  private metricPromise: Promise<Metric> | undefined;

  constructor(
    readonly graph: Graph,
    readonly state: ProgramState,
    readonly pool: LMPool,
    /** Where tool results are recorded and replayed from (none: every call runs its tool). */
    readonly toolResults?: ToolResults,
  ) {}

  get spec() {
    return this.graph.spec;
  }

  /** The same program with another state (a candidate). */
  withState(state: ProgramState): Program<Outputs> {
    const program = new Program<Outputs>(this.graph, state, this.pool, this.toolResults);
    program.stepTools = this.stepTools;
    return program;
  }

  private stepTools = new Map<string, StepTools>();

  /** The tools a step calls (those its module names), recorded and replayed through `toolResults`. */
  toolsFor = (step: CompiledStep): StepTools | undefined => {
    if (!step.tools) return undefined;
    let tools = this.stepTools.get(step.name);
    if (!tools) {
      tools = stepTools(step.tools, this.toolResults ? { results: this.toolResults } : {});
      this.stepTools.set(step.name, tools);
    }
    return tools;
  };

  /** What the program runs: the execution context of its steps (their models and tools). */
  exec(): { lmFor: (step: CompiledStep) => LMClient; toolsFor: (step: CompiledStep) => StepTools | undefined } {
    return { lmFor: this.lmFor, toolsFor: this.toolsFor };
  }

  /** Stops what the program started: its tools' MCP servers. The same for every state of it (they share the graph). */
  close(): Promise<void> {
    return this.graph.tools.close();
  }

  private readonly stepClients = new Map<string, LMClient>();

  /** A step's LM: its own `lm` settings over the program's (resolved once per step). */
  lmFor = (step: CompiledStep): LMClient => {
    let client = this.stepClients.get(step.name);
    if (!client) {
      client = this.pool.clientFor(this.lmConfig(step));
      this.stepClients.set(step.name, client);
    }
    return client;
  };

  lmConfig(step?: CompiledStep): LMConfig | undefined {
    if (!step?.spec.lm) return this.spec.lm;
    return { ...this.spec.lm, ...step.spec.lm };
  }

  /** Whether every LM step's price is known (a cost cap needs it). */
  costKnown(): boolean {
    return this.graph.steps.filter((s) => s.module.usesLM).every((s) => this.pool.pricesKnown(this.lmConfig(s)));
  }

  metricContext(): MetricContext {
    return { lm: (config) => this.pool.clientFor(config ?? this.spec.lm, { forJudge: true }) };
  }

  metric(): Promise<Metric> {
    this.metricPromise ??= buildMetric(this.spec.metric, { programDir: this.spec.dir, programFile: this.spec.file, positions: this.spec.positions });
    return this.metricPromise;
  }

  /** Checks inputs against the program's input fields: each present, known, and of its declared type as it is (nothing is converted). */
  checkInputs(inputs: Record<string, unknown>): Record<string, unknown> {
    const problems: Problem[] = [];
    const out: Record<string, unknown> = {};
    const names = this.spec.inputs.map((f) => f.name);
    const unknown = Object.keys(inputs).filter((k) => !names.includes(k));
    const absent = (name: string) => !(name in inputs) || inputs[name] === undefined || inputs[name] === null;
    // An unknown key that is a near miss of a missing input is reported once, as the misspelling.
    const misspelt = new Map<string, string>();
    for (const key of unknown) {
      const close = didYouMean(key, names.filter(absent));
      if (close !== undefined && ![...misspelt.values()].includes(close)) misspelt.set(key, close);
    }
    for (const field of this.spec.inputs) {
      if (absent(field.name)) {
        if (![...misspelt.values()].includes(field.name)) problems.push({ message: `missing input \`${field.name}\`` });
        continue;
      }
      const wrong = field.typed ? userValueProblem(field.type, inputs[field.name]) : undefined;
      if (wrong === undefined) out[field.name] = inputs[field.name];
      else problems.push({ message: `input \`${field.name}\` ${wrong}` });
    }
    for (const key of unknown) {
      const close = misspelt.get(key);
      problems.push({
        message: `unknown input \`${key}\` (inputs: ${names.join(", ")})`,
        ...(close !== undefined ? { hint: `did you mean \`${close}\`?` } : {}),
      });
    }
    if (problems.length > 0) throw new UserError(problems);
    return out;
  }

  /** Runs the program on one input and returns its outputs with the trace of every step. */
  async predict(inputs: Record<string, unknown>, options: RunOptions = {}): Promise<Prediction> {
    return executeGraph(this.graph, this.state, this.checkInputs(inputs), {
      ...this.exec(),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** Runs the program on one input and returns its outputs. */
  async run(inputs: Record<string, unknown>, options: RunOptions = {}): Promise<Outputs> {
    return (await this.predict(inputs, options)).outputs as Outputs;
  }
}
