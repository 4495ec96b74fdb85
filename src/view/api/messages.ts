import { API_VERSION, type MessagesResponse } from "../api-types.js";
import type { ViewStore } from "../view-store.js";
import { badRequest, notFound } from "./failure.js";

/**
 * The rendered messages stored under a content hash. Traces do not keep messages yet (the trace
 * store adds them): until then there are none to find.
 */
export function lookupMessages(_store: ViewStore, _hash: string): { role: string; content: string }[] | undefined {
  return undefined;
}

/** GET /api/messages/:hash */
export function getMessages(store: ViewStore, hash: string): MessagesResponse {
  if (!/^[0-9a-f]{16,128}$/i.test(hash)) throw badRequest(`hash: expected a hexadecimal content hash, got ${JSON.stringify(hash)}`);
  const messages = lookupMessages(store, hash);
  if (!messages) throw notFound(`no messages are stored under ${hash}`);
  return { apiVersion: API_VERSION, hash, messages };
}
