import { defaultResponder } from "./responder.js";
import type { MockReply, MockRequest, MockResponder, MockToolCall, MockToolRefusal } from "./types.js";

/** The names of the tools a request offers (OpenAI `tools[].function.name`, Anthropic `tools[].name`). */
export function offeredTools(req: MockRequest): string[] {
  const tools: unknown[] = Array.isArray(req.body?.tools) ? req.body.tools : [];
  const names: string[] = [];
  for (const t of tools as { name?: unknown; function?: { name?: unknown } }[]) {
    const name = req.api === "openai" ? t?.function?.name : t?.name;
    if (typeof name === "string") names.push(name);
  }
  return names;
}

/** Whether the conversation already holds a tool's result (an OpenAI `tool` turn, an Anthropic `tool_result` block). */
export function hasToolResult(req: MockRequest): boolean {
  const messages: unknown[] = Array.isArray(req.body?.messages) ? req.body.messages : [];
  return messages.some((m) => {
    const msg = m as { role?: unknown; content?: unknown };
    if (req.api === "openai") return msg?.role === "tool";
    return Array.isArray(msg?.content) && msg.content.some((b: { type?: unknown }) => b?.type === "tool_result");
  });
}

/** What `toolCallResponder` answers. */
export interface ToolScript {
  /** The calls made to a request offering tools with no tool result yet (a function: chosen per request). */
  calls: MockToolCall[] | ((req: MockRequest) => MockToolCall[]);
  /** The answer once a tool result is in the conversation. Default: "Done: <the last tool result>". */
  answer?: string | ((req: MockRequest) => MockReply);
  /** Text written beside the calls (Anthropic's text block before tool_use, OpenAI's content). */
  text?: string;
}

/**
 * A responder for native tool calling: a request that offers tools and holds no tool result is
 * answered with `script.calls`; one that holds a tool result is answered in text. Requests without
 * tools get the default answers, so a text-protocol fallback gets what it always got.
 */
export function toolCallResponder(script: ToolScript): MockResponder {
  return (req) => {
    if (offeredTools(req).length === 0) return defaultResponder(req);
    if (hasToolResult(req)) {
      if (typeof script.answer === "function") return script.answer(req);
      return { kind: "text", text: script.answer ?? `Done: ${lastToolResult(req)}` };
    }
    const calls = typeof script.calls === "function" ? script.calls(req) : script.calls;
    return { kind: "tool_calls", calls, ...(script.text !== undefined ? { text: script.text } : {}) };
  };
}

/** The text of the latest tool result in the conversation. */
function lastToolResult(req: MockRequest): string {
  const messages: { role?: unknown; content?: unknown; tool_call_id?: unknown }[] = Array.isArray(req.body?.messages) ? req.body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (req.api === "openai" && m.role === "tool") return typeof m.content === "string" ? m.content : JSON.stringify(m.content);
    if (req.api === "anthropic" && Array.isArray(m.content)) {
      const results = (m.content as { type?: unknown; content?: unknown }[]).filter((b) => b?.type === "tool_result");
      const last = results.at(-1);
      if (last) return typeof last.content === "string" ? last.content : JSON.stringify(last.content);
    }
  }
  return "";
}

/** The error a server that does not do native tool calling answers a request carrying `tools` with. */
export function toolRefusal(kind: MockToolRefusal, model: string): { status: number; type: string; message: string } {
  switch (kind) {
    case "ollama":
      return { status: 400, type: "api_error", message: `registry.ollama.ai/library/${model} does not support tools` };
    case "llamacpp":
      return { status: 500, type: "server_error", message: "tools param requires --jinja flag" };
    case "vllm":
      return { status: 400, type: "BadRequestError", message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set' };
  }
}
