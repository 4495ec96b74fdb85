import { lstat, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { displayPath } from "../../util/display-path.js";
import { UserError, type Problem } from "../../util/errors.js";
import type { CommandContext } from "../context.js";
import { STARTER_FILES } from "../init/template.js";

export interface InitFlags {
  force?: boolean;
  json?: boolean;
}

/**
 * Writes a starter project into `dir`: a commented program, its metric and a small dataset that
 * validate, eval and optimize run at once on sim. Files that already exist are left alone and the
 * command refuses (exit 2, naming each) unless --force; nothing is written then.
 */
export async function initCommand(dir: string, flags: InitFlags, ctx: CommandContext): Promise<number> {
  const root = path.resolve(dir);
  const rootStat = await lstat(root).catch(() => undefined);
  if (rootStat && !rootStat.isDirectory()) throw new UserError({ message: `${displayPath(root)} exists and is not a directory` });
  const targets = STARTER_FILES.map((f) => ({ ...f, file: path.join(root, f.path) }));
  const taken: Problem[] = [];
  for (const t of targets) {
    const found = await lstat(t.file).catch(() => undefined);
    if (found && (!flags.force || found.isDirectory())) {
      taken.push({ message: `${displayPath(t.file)} already exists${found.isDirectory() ? " and is a directory" : " (--force overwrites it)"}` });
    }
  }
  if (taken.length > 0) throw new UserError(taken);
  for (const t of targets) {
    try {
      await mkdir(path.dirname(t.file), { recursive: true });
      // Without --force, "wx" refuses a file that appeared since the check above.
      await writeFile(t.file, t.content, { flag: flags.force ? "w" : "wx" });
    } catch (err) {
      throw new UserError({ message: `cannot write ${displayPath(t.file)}: ${(err as NodeJS.ErrnoException).code === "EEXIST" ? "it already exists (--force overwrites it)" : (err as Error).message}` });
    }
  }
  const { output } = ctx;
  if (output.json) {
    output.out(JSON.stringify({ dir: root, files: targets.map((t) => t.path) }));
    return 0;
  }
  const c = output.color;
  const here = root === process.cwd();
  // Relative when the project is below the working directory, else absolute: what `cd` takes best.
  const relative = path.relative(process.cwd(), root);
  const where = relative.startsWith("..") || path.isAbsolute(relative) ? root : relative;
  output.out(`${c.bold("created")} ${targets.map((t) => t.path).join(", ")}${here ? "" : ` in ${where}`}`);
  output.out("");
  output.out(c.bold("next"));
  if (!here) output.out(`  cd ${/[^\w./-]/.test(where) ? JSON.stringify(where) : where}`);
  output.out("  dspx validate program.yaml     # check the program and its data");
  output.out("  dspx eval program.yaml         # score it on the dev split (offline on sim without an API key)");
  output.out("  dspx optimize program.yaml     # search for a better instruction, then `dspx export` the result");
  return 0;
}
