import { mkdtempSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * An example program (programs/<name>.yaml) copied to a temporary directory with an `optimize:`
 * section appended; its data paths are made absolute, so the copy reads the same datasets.
 */
export async function programWithSection(name: string, section: string): Promise<string> {
  const source = (await readFile(path.join(ROOT, "programs", `${name}.yaml`), "utf8")).replaceAll("../datasets/", `${path.join(ROOT, "datasets")}/`);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "dspx-program-")), `${name}.yaml`);
  await writeFile(file, `${source}\noptimize:\n${section}\n`);
  return file;
}
