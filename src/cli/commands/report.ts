import { writeFileSync } from "node:fs";
import path from "node:path";
import { buildReportData, reportHtml } from "../../view/report.js";
import { openViewStore, type ViewStore } from "../../view/view-store.js";
import { ApiFailure } from "../../view/api/failure.js";
import { UserError } from "../../util/errors.js";
import type { CommandContext } from "../context.js";
import { formatInt } from "../output.js";

export interface ReportFlags {
  db?: string;
  output?: string;
  maxExamples?: number;
  json?: boolean;
}

/** `dspx report <run>[:candidate] -o report.html` */
export async function reportCommand(ref: string, flags: ReportFlags, ctx: CommandContext): Promise<number> {
  if (!flags.output) throw new UserError({ flag: "--output", message: "give the HTML file to write (-o report.html)" });
  const store = openViewStore(flags.db);
  ctx.usingDatabase(store.file);
  ctx.defer(() => store.close());
  const written = writeReport(store, ref, flags.output, flags.maxExamples);
  const { output } = ctx;
  if (output.json) output.out(JSON.stringify(written));
  else {
    const left = written.omittedExamples > 0 ? ` (${formatInt(written.omittedExamples)} of ${formatInt(written.totalExamples)} examples left out: --max-examples)` : "";
    output.out(`report of run ${written.run} written to ${written.file}${left}`);
  }
  return 0;
}

export interface WrittenReport {
  file: string;
  run: string;
  bytes: number;
  examples: number;
  omittedExamples: number;
  totalExamples: number;
}

/** Writes the report of `ref` (run or run:candidate) to `file`; also what `dspx eval --report` calls. */
export function writeReport(store: ViewStore, ref: string, file: string, maxExamples?: number): WrittenReport {
  const [runRef, candidate, ...rest] = ref.split(":");
  if (!runRef || rest.length > 0) throw new UserError(`run ${JSON.stringify(ref)}: expected a run id, or run:candidate`);
  let html: string;
  let data;
  try {
    data = buildReportData(store, runRef, { ...(candidate ? { candidate } : {}), ...(maxExamples !== undefined ? { maxExamples } : {}) });
    html = reportHtml(data);
  } catch (err) {
    // The handlers' 404 and 400 are the user's reference, said as the CLI says it.
    if (err instanceof ApiFailure) throw new UserError(err.message);
    throw err;
  }
  writeFileSync(file, html);
  return {
    file: path.resolve(file),
    run: data.run,
    bytes: Buffer.byteLength(html),
    examples: data.totalExamples - data.omittedExamples,
    omittedExamples: data.omittedExamples,
    totalExamples: data.totalExamples,
  };
}
