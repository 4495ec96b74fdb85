import { UserError, sortProblems } from "../util/errors.js";
import { readProgram, readProgramText } from "../program/load.js";
import { compileProgram } from "./compile.js";
import type { Graph } from "./types.js";

/**
 * Reads, validates and compiles a program file (or the given text of it); every problem found is
 * thrown at once as a UserError.
 */
export async function loadGraph(file: string, text?: string): Promise<Graph> {
  const read = text === undefined ? await readProgram(file) : await readProgramText(file, text);
  const { graph, problems } = await compileProgram(read);
  if (!graph || problems.length > 0) throw new UserError(sortProblems(problems));
  return graph;
}
