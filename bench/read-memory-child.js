// Child of bench/read-dataset.js: reads one dataset as `dspx eval` does (keeping where each row is,
// DatasetRows) or into an array of examples, then prints its own peak RSS in KB (ru_maxrss).
import { readDataset } from "../dist/program/dataset.js";
import { DatasetRows } from "../dist/program/dataset-rows.js";

const [file, how] = process.argv.slice(2);
const rules = { inputs: [{ name: "message", type: { kind: "string" }, typed: true }], labels: ["team", "urgency"] };
const held = [];
const rows = new DatasetRows(file, file, rules);
const { count } = await readDataset(file, rules, how === "array" ? (e) => held.push(e) : (_, row) => rows.add(row));
const kept = how === "array" ? held.length : rows.length;
if (kept !== count) throw new Error(`kept ${kept} of ${count}`);
process.stdout.write(String(process.resourceUsage().maxRSS));
