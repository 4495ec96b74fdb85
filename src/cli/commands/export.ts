import { realpathSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { resolveCandidateRef } from "../../runtime/candidate-ref.js";
import { runView } from "../../view/run-view.js";
import { loadGraph } from "../../graph/load.js";
import { exportProgram } from "../../program/export.js";
import { mainDataset } from "../../store/run-config.js";
import { UserError } from "../../util/errors.js";
import type { CommandContext } from "../context.js";
import { openStore } from "../open-store.js";
import { formatScore } from "../output.js";
import { displayPath } from "../../util/display-path.js";

export interface ExportFlags {
  db?: string;
  output?: string;
  format?: "yaml" | "json";
  force?: boolean;
}

export async function exportCommand(ref: string, flags: ExportFlags, ctx: CommandContext): Promise<number> {
  const store = openStore(flags, ctx, { write: false });
  const candidate = resolveCandidateRef(store, ref, "export");
  if (candidate.kind !== "run") throw new UserError(`export takes a run (or run:candidate), not a program file: ${ref}`);
  const { run } = candidate;
  const format = flags.format ?? (flags.output && /\.json$/i.test(flags.output) ? "json" : "yaml");
  // Written to stdout, relative paths are made relative to the working directory.
  const target = path.resolve(flags.output ?? `exported.${format}`);
  if (flags.output && !flags.force && sameFile(target, run.programFile)) {
    throw new UserError({
      flag: "--output",
      message: `${flags.output} is the program file run ${run.id} came from; write the export elsewhere, or add --force to replace the program with it`,
    });
  }
  const view = runView(store, run);
  const scores = view.candidates.find((c) => c.hash === candidate.candidate)?.scores ?? {};
  const main = mainDataset(run);
  const score = scores[main]?.mean;
  const text = exportProgram({
    source: run.programSource,
    sourceFile: run.programFile,
    state: candidate.state,
    targetFile: target,
    format,
    provenance: {
      runId: run.id,
      candidate: candidate.candidate,
      ...(score !== undefined && Number.isFinite(score) ? { score } : {}),
      ...(run.kind === "optimize" ? { optimizer: run.config.optimizer } : {}),
      exportedAt: new Date().toISOString(),
    },
  });
  // The export must be a program dspx runs as is: check it compiles from where it will live.
  await loadGraph(target, text);
  if (!flags.output) {
    ctx.output.out(text);
    return 0;
  }
  try {
    await writeFile(target, text);
  } catch (err) {
    throw new UserError({ flag: "--output", message: `cannot write ${flags.output}: ${(err as Error).message}` });
  }
  const shown = displayPath(target);
  ctx.output.err(
    `${ctx.output.errColor.green("✓")} wrote ${shown}: run ${run.id}, candidate ${candidate.candidate.slice(0, 10)}${score !== undefined ? `, ${main} score ${formatScore(score)}` : ""}\n  run it:  dspx run ${shown} --input '{…}'\n  gate it: dspx eval ${shown} --threshold ${score !== undefined ? formatScore(Math.max(0, score - 0.05)) : "<score>"}`,
  );
  return 0;
}

/** Whether two paths name one file (through symlinks too, when both exist). */
function sameFile(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
