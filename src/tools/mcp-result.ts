import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/** An MCP tool's result as text: its structured content as JSON when it has some, else its text parts. */
export function mcpResultText(result: CallToolResult): string {
  if (result.structuredContent !== undefined && !result.isError) return JSON.stringify(result.structuredContent);
  return (result.content ?? [])
    .map((part) => {
      if (part.type === "text") return part.text;
      if (part.type === "resource") return "text" in part.resource ? part.resource.text : `[resource ${part.resource.uri}]`;
      if (part.type === "resource_link") return `[resource ${part.uri}]`;
      return `[${part.type}${"mimeType" in part ? ` ${part.mimeType}` : ""}]`;
    })
    .join("\n");
}
