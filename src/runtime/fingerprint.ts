import { readFile } from "node:fs/promises";
import path from "node:path";
import { metricNodes } from "../program/metric-nodes.js";
import type { MetricSpec } from "../program/types.js";
import { hashOf, sha256 } from "../util/canonical.js";
import type { Program } from "./program.js";

/**
 * What an evaluation's result depends on besides the candidate and the example, as hashes: the
 * program's structure (not its instructions and demos: those are the candidate), the models the
 * steps run on, and the metric (with a custom module's source and a judge's model). Equal
 * fingerprints, equal candidate and example → the memoized result is valid.
 */
export interface Fingerprints {
  program: string;
  lm: string;
  metric: string;
}

export async function fingerprints(program: Program): Promise<Fingerprints> {
  const { graph, spec } = program;
  const programPart = hashOf({
    inputs: spec.inputs.map((f) => ({ name: f.name, type: f.type })),
    outputs: graph.outputs.map((o) => ({ name: o.name, ref: o.ref })),
    steps: graph.steps.map((s) => ({
      name: s.name,
      module: s.module.name,
      signature: s.signature,
      outputs: s.outputs,
      sources: s.sources,
      options: s.module.fingerprint ? s.module.fingerprint(s.prepared) : s.spec.options,
      // What the step's tools are (their source's content or schema): a changed tool, a changed result.
      ...(s.tools ? { tools: s.tools.map((t) => ({ identity: t.spec.identity, cache: t.spec.cache, timeoutMs: t.spec.timeoutMs })) } : {}),
    })),
  });
  const lmPart = hashOf(
    graph.steps
      .filter((s) => s.module.usesLM)
      .map((s) => {
        const client = program.lmFor(s) as { id: string; endpoint?: string };
        const config = program.lmConfig(s);
        return { step: s.name, model: client.id, endpoint: client.endpoint ?? null, temperature: config?.temperature ?? 0, maxTokens: config?.maxTokens ?? null };
      }),
  );
  const metricPart = hashOf({ spec: spec.metric, parts: await metricParts(spec.metric, spec.dir, program) });
  return { program: programPart, lm: lmPart, metric: metricPart };
}

/** The pieces of a metric that live outside its spec: module sources and judge models, in tree order. */
async function metricParts(metric: MetricSpec, dir: string, program: Program): Promise<unknown[]> {
  const parts = metricNodes(metric).map(async ({ metric: m }): Promise<unknown[]> => {
    if (m.kind === "custom") {
      const text = await readFile(path.resolve(dir, m.module), "utf8").catch(() => "");
      return [{ module: sha256(text) }];
    }
    if (m.kind === "llm_judge") return [{ judge: program.pool.resolveModel(m.lm ?? program.spec.lm, { forJudge: true }) }];
    return [];
  });
  return (await Promise.all(parts)).flat();
}

/** The models a program's LM steps run on, each with its endpoint (`provider:model @ url`; `sim` has none), sorted. */
export function modelsOf(program: Program): string[] {
  const names = program.graph.steps
    .filter((s) => s.module.usesLM)
    .map((s) => {
      const client = program.lmFor(s) as { id: string; endpoint?: string };
      return client.endpoint ? `${client.id} @ ${client.endpoint}` : client.id;
    });
  return [...new Set(names)].sort();
}
