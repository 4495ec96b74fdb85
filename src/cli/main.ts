import { Command, CommanderError, Option } from "commander";
import { VERSION } from "../version.js";
import { runCommand } from "./context.js";
import { EXIT } from "./errors.js";
import { oneOf, positiveInt } from "./flags.js";

/**
 * The dspx command line: commander wiring only. Each command's module is imported when it runs, so
 * `dspx --help` stays fast; every command goes through runCommand, which owns exit codes.
 */
const program = new Command("dspx")
  .description("Optimize LLM programs written as YAML: typed signatures, demos and instructions, evaluated and searched against real or offline models.")
  .version(VERSION, "-V, --version")
  .option("--verbose", "print stack traces and per-step detail")
  .option("--no-color", "plain output (also NO_COLOR=1)")
  .showSuggestionAfterError(true)
  .exitOverride()
  .configureOutput({
    outputError: (text, write) => write(text.replace(/^error:/, "error:")),
  });

type Global = { verbose?: boolean; color?: boolean };
const globals = (): Global => program.opts<Global>();

program
  .command("validate")
  .description("check a program file and its datasets; print the compiled graph")
  .argument("<program>", "program file (.yaml)")
  .option("--json", "print the graph as JSON")
  .action(async (file: string, flags: { json?: boolean }) => {
    const { validateCommand } = await import("./commands/validate.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => validateCommand(file, flags, ctx));
  });

program
  .command("run")
  .description("run a program on one input")
  .argument("<program>", "program file (.yaml), yours or exported")
  .option("--input <json>", "the inputs as a JSON object")
  .option("--input-file <file>", "a JSON file with the inputs (- for stdin)")
  .option("--lm <spec>", "model to run on, provider:model (e.g. openai:gpt-4.1-mini, sim)")
  .option("--json", "print the outputs as JSON")
  .action(async (file: string, flags: Record<string, unknown>) => {
    const { runCommand: run } = await import("./commands/run.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => run(file, { ...flags, verbose: globals().verbose }, ctx));
  });

program
  .command("eval")
  .description("score a program on a dataset, concurrently")
  .argument("<program>", "program file (.yaml)")
  .option("--dataset <file>", "a JSONL dataset (default: the program's dev split)")
  .addOption(new Option("--split <split>", "a split from the program's data section").argParser(oneOf(["train", "dev", "test"] as const)))
  .option("--lm <spec>", "model to run on, provider:model")
  .option("--concurrency <n>", "examples in flight at once (default 8)", positiveInt)
  .option("--limit <n>", "evaluate only the first n examples", positiveInt)
  .option("--show <n>", "how many of the lowest-scoring examples to list (default 5)", positiveInt)
  .option("--json", "print one JSON object (summary and per-example results) on stdout")
  .action(async (file: string, flags: Record<string, unknown>) => {
    const { evalCommand } = await import("./commands/eval.js");
    await runCommand({ ...globals(), ...flags }, (ctx) => evalCommand(file, flags, ctx));
  });

async function main(argv: string[]): Promise<void> {
  if (argv.length <= 2) {
    program.outputHelp();
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; anything commander rejects (unknown flag or command, bad value) is usage.
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    throw err;
  }
}

await main(process.argv);
