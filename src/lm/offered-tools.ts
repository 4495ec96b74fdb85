import type { ToolSchema } from "./tool-types.js";
import type { LMRequest } from "./types.js";

/** The tools a request offers for native tool calling; an empty list offers none (servers refuse `tools: []`). */
export function offeredTools(request: Pick<LMRequest, "tools">): ToolSchema[] | undefined {
  return request.tools && request.tools.length > 0 ? request.tools : undefined;
}
