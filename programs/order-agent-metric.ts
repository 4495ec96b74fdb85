// The metric of programs/order-agent.yaml: 1 when the answer contains the gold fact (case,
// punctuation and spacing aside, as whole words), else 0. The feedback says what was expected and,
// for the agent step, which tools the gold path takes and which ones the agent called: the words a
// reflective optimizer (beam, gepa) learns which tool a question needs from.

interface TraceStep {
  trajectory?: { tool: string; error?: string }[];
}

function normal(text: string): string {
  return ` ${text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\p{L}\p{N}@+]+/gu, " ")
    .trim()} `;
}

function toolsOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((step) => (step !== null && typeof step === "object" && typeof (step as { tool?: unknown }).tool === "string" ? [(step as { tool: string }).tool] : []));
}

export function orderAgentMetric(example: Record<string, unknown>, prediction: Record<string, unknown>, trace: TraceStep[]): { score: number; feedback: string } {
  const gold = String(example["answer"] ?? "");
  const answer = typeof prediction["answer"] === "string" ? prediction["answer"] : JSON.stringify(prediction["answer"] ?? "");
  const hit = normal(answer).includes(normal(gold));
  const expected = toolsOf(example["trajectory"]);
  const called = trace.flatMap((s) => (s.trajectory ?? []).filter((t) => t.tool !== "finish" && t.error === undefined).map((t) => t.tool));
  const tools = `tools: expected ${expected.length > 0 ? expected.join(", ") : "none"}; called ${called.length > 0 ? called.join(", ") : "none"}`;
  const what = hit ? `answer: contains "${gold}"` : `answer: expected it to contain "${gold}", got "${answer.slice(0, 120)}"`;
  return { score: hit ? 1 : 0, feedback: `${what}; ${tools}` };
}
