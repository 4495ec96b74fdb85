import { UserError, sortProblems } from "../util/errors.js";
import { readProgram } from "../program/load.js";
import { compileProgram } from "./compile.js";
import type { Graph } from "./types.js";

/** Reads, validates and compiles a program file; every problem found is thrown at once as a UserError. */
export async function loadGraph(file: string): Promise<Graph> {
  const read = await readProgram(file);
  const { graph, problems } = await compileProgram(read);
  if (!graph || problems.length > 0) throw new UserError(sortProblems(problems));
  return graph;
}
