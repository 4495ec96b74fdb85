import { optimizerCatalog } from "../../optimize/catalog.js";
import type { CommandContext } from "../context.js";
import { catalogMarkdown, renderCatalog } from "../render/optimizers.js";

export interface OptimizersFlags {
  json?: boolean;
  markdown?: boolean;
}

/** `dspx optimizers`: every optimizer with its settings (type, default, description), from their schemas. */
export async function optimizersCommand(flags: OptimizersFlags, ctx: CommandContext): Promise<number> {
  const { output } = ctx;
  const catalog = optimizerCatalog();
  if (output.json) output.out(JSON.stringify(catalog));
  else if (flags.markdown) output.out(catalogMarkdown(catalog));
  else output.out(renderCatalog(catalog, output));
  return 0;
}
