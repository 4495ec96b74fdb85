/**
 * The LM layer's signal that an endpoint refuses requests carrying `tools` (native tool calling):
 * the agent then retries the iteration with the text protocol and keeps to it for that client.
 * It is src/lm/call-error.ts's ToolsUnsupportedError (from the native tool-calling work), matched
 * by name so this module does not depend on which wrapper threw it.
 */
export const TOOLS_REJECTED_ERROR = "ToolsUnsupportedError";

export function isToolsRejection(err: unknown): boolean {
  return err instanceof Error && err.name === TOOLS_REJECTED_ERROR;
}
