/** One row of a dataset, split into what the program takes and what it should produce. */
export interface Example {
  /** The row's `id`, or a stable hash of its content. */
  id: string;
  /** Values of the program's input fields. */
  inputs: Record<string, unknown>;
  /** Every other field of the row: gold outputs and anything a metric may use. */
  labels: Record<string, unknown>;
  source?: { file: string; line: number };
}

/** The flat view metrics and user code see: `{ id, ...inputs, ...labels }`. */
export function exampleRecord(example: Example): Record<string, unknown> & { id: string } {
  return { ...example.labels, ...example.inputs, id: example.id };
}
