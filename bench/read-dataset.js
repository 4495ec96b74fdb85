// Reading a 100,000-row JSONL dataset: dspx's line reader (regular-file check, byte-level line
// splitting with a length limit, JSON depth check) and the whole dataset reader (plus type checks,
// ids, duplicate detection) against the floor of Node's readline + JSON.parse, side by side in one
// run; then the peak RSS of a process that reads it keeping every example (what optimize does)
// against one keeping only where each row is (DatasetRows, what eval does).
import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { readExamples } from "../dist/program/dataset.js";
import { parseJsonLine } from "../dist/program/jsonl.js";
import { readLines } from "../dist/program/lines.js";
import { fmt, medianMs, printTable } from "./lib.js";

const ROWS = 100_000;
const CHILD = new URL("./read-memory-child.js", import.meta.url).pathname;
const TEAMS = ["billing", "technical", "account", "shipping", "returns", "security", "other"];

async function plainReadline(file) {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity })) {
    if (line.trim() === "") continue;
    JSON.parse(line);
    n++;
  }
  return n;
}

/** dspx's reading layer alone: regular-file check, line splitting with the length limit, JSON with the depth check. */
async function dspxLines(file) {
  let n = 0;
  for await (const batch of readLines(file, "dataset")) {
    for (const { text } of batch) {
      if (text.trim() === "") continue;
      parseJsonLine(text);
      n++;
    }
  }
  return n;
}

export async function run() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "dspx-bench-read-"));
  const file = path.join(dir, "rows.jsonl");
  const lines = [];
  for (let i = 0; i < ROWS; i++) {
    lines.push(JSON.stringify({ id: `r${i}`, message: `Customer message number ${i}: I was charged twice for order ${i * 7} and want a refund — é ü ✓`, team: TEAMS[i % TEAMS.length], urgency: i % 3 === 0 ? "high" : "normal" }));
  }
  await writeFile(file, lines.join("\n") + "\n");
  const inputs = [{ name: "message", type: { kind: "string" }, typed: false }];
  try {
    const floor = await medianMs(() => plainReadline(file), 5);
    const lines = await medianMs(() => dspxLines(file), 5);
    const dspx = await medianMs(() => readExamples(file, { inputs, labels: ["team", "urgency"] }), 5);
    printTable(
      `Reading a ${ROWS.toLocaleString("en")}-row JSONL dataset (median of 5)`,
      ["reader", "ms", "rows/s", "vs readline + JSON.parse"],
      [
        ["readline + JSON.parse (nothing else)", fmt(floor, 0), fmt((ROWS / floor) * 1000, 0), "1.00×"],
        ["dspx lines + JSON (file check, line limit, depth check)", fmt(lines, 0), fmt((ROWS / lines) * 1000, 0), fmt(floor / lines, 2) + "×"],
        ["dspx readDataset (all checks, examples built)", fmt(dspx, 0), fmt((ROWS / dspx) * 1000, 0), fmt(floor / dspx, 2) + "×"],
      ],
    );
    const peakMb = (how) => Number(execFileSync(process.execPath, [CHILD, file, how], { encoding: "utf8" })) / 1024;
    const array = peakMb("array");
    const rows = peakMb("rows");
    printTable(
      `Peak RSS of a process reading the ${ROWS.toLocaleString("en")} rows`,
      ["kept", "peak RSS MB"],
      [
        ["every example (an array)", fmt(array, 0)],
        ["where each row is (DatasetRows)", fmt(rows, 0)],
      ],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
