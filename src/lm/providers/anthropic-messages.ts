import type Anthropic from "@anthropic-ai/sdk";
import type { ChatMessage } from "../types.js";

type Block = Anthropic.TextBlockParam | Anthropic.ToolUseBlockParam | Anthropic.ToolResultBlockParam;

/**
 * The conversation (system turns left out: they go in `system`) in the messages wire format. An
 * assistant turn that called tools carries `tool_use` blocks; `tool` turns become `tool_result`
 * blocks of a user turn. Anthropic wants every result of an assistant turn's calls in the one user
 * turn that follows it, results first: consecutive tool results, and a user turn right after them,
 * are merged into one user message. Turns without tools are sent as plain text, as always.
 */
export function anthropicMessages(messages: readonly ChatMessage[]): Anthropic.MessageParam[] {
  const out: Anthropic.MessageParam[] = [];
  /** The user message being filled with tool results (and what follows them), if the last one is. */
  let results: Block[] | undefined;
  for (const m of messages) {
    if (m.role === "system") continue;
    if (m.role === "tool") {
      const block: Anthropic.ToolResultBlockParam = { type: "tool_result", tool_use_id: m.toolCallId ?? "", content: m.content };
      if (results) results.push(block);
      else {
        results = [block];
        out.push({ role: "user", content: results });
      }
      continue;
    }
    if (m.role === "user" && results) {
      if (m.content !== "") results.push({ type: "text", text: m.content });
      continue;
    }
    results = undefined;
    if (m.role === "assistant" && m.toolCalls && m.toolCalls.length > 0) {
      const blocks: Block[] = m.content === "" ? [] : [{ type: "text", text: m.content }];
      for (const c of m.toolCalls) blocks.push({ type: "tool_use", id: c.id, name: c.name, input: toolInput(c.arguments) });
      out.push({ role: "assistant", content: blocks });
      continue;
    }
    out.push({ role: m.role, content: m.content });
  }
  return out;
}

/** A call's arguments as the object Anthropic wants for `input` (arguments that are not a JSON object: `{}`). */
function toolInput(args: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(args);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // The model's arguments were not JSON; what it was told about them is in the tool result.
  }
  return {};
}
