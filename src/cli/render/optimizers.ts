import type { OptimizerCatalog } from "../../optimize/catalog.js";
import type { SettingRow } from "../../optimize/settings-table.js";
import type { Output } from "../output.js";
import { wrapParts } from "../wrap.js";

const NO_DEFAULT = "–";

function defaultText(row: SettingRow): string {
  return row.default === undefined ? NO_DEFAULT : typeof row.default === "string" ? row.default : JSON.stringify(row.default);
}

/**
 * One block of settings: each name with its type and default, its description under it; lines fit
 * the terminal (wrapped between words under the description's start), whole in a pipe.
 */
function settingsList(rows: readonly SettingRow[], output: Output): string {
  const c = output.color;
  const wide = Math.max(...rows.map((r) => r.name.length));
  return rows
    .map((r) => {
      const label = `  ${r.name.padEnd(wide)}  `;
      const head = wrapParts(label, [`${r.type}${r.default === undefined ? "" : ` · default ${defaultText(r)}`}`], output.columns);
      const description = wrapParts(" ".repeat(label.length), [r.description], output.columns);
      return `${head.replace(r.name, c.cyan(r.name))}\n${c.dim(description)}`;
    })
    .join("\n");
}

/** `dspx optimizers`: each optimizer, its line of description and its settings, then the budget keys. */
export function renderCatalog(catalog: OptimizerCatalog, output: Output): string {
  const c = output.color;
  const parts: string[] = [];
  for (const o of catalog.optimizers) {
    const label = `${o.name}${o.isDefault ? " (default)" : ""}  `;
    parts.push(wrapParts(label, [o.description], output.columns).replace(o.name, c.bold(o.name)), settingsList(o.settings, output), "");
  }
  parts.push(`${c.bold("budget")}  optimize.budget: (the --budget-* flags override it key by key)`, settingsList(catalog.budget, output), "");
  parts.push(c.dim("In a program file: optimize: { optimizer: gepa, budget: { calls: 500, time: 30m }, gepa: { minibatch: 8 } }"));
  return parts.join("\n");
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function markdownTable(rows: readonly SettingRow[], first: string): string[] {
  return [
    `| ${first} | type | default | description |`,
    "| --- | --- | --- | --- |",
    ...rows.map((r) => `| \`${r.name}\` | ${cell(r.type)} | ${cell(defaultText(r))} | ${cell(r.description)} |`),
  ];
}

/** The README's settings tables (`dspx optimizers --markdown`); a test keeps the README equal to it. */
export function catalogMarkdown(catalog: OptimizerCatalog): string {
  const lines: string[] = [];
  for (const o of catalog.optimizers) {
    lines.push(`\`optimize.${o.name}:\`${o.isDefault ? " (the default optimizer)" : ""} — ${o.description}`, "", ...markdownTable(o.settings, "setting"), "");
  }
  lines.push("`optimize.budget:` — the `--budget-*` flags override it key by key", "", ...markdownTable(catalog.budget, "key"));
  return lines.join("\n");
}
