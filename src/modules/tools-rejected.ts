/**
 * The LM layer's signal that an endpoint refuses requests carrying `tools` (native tool calling):
 * the agent then retries the iteration with the text protocol and keeps to it for that client.
 */
export const TOOLS_REJECTED_ERROR = "ToolsRejectedError";

export function isToolsRejection(err: unknown): boolean {
  return err instanceof Error && err.name === TOOLS_REJECTED_ERROR;
}
