import { API_VERSION, type MessagesResponse } from "../api-types.js";
import type { ViewStore } from "../view-store.js";
import { badRequest, notFound } from "./failure.js";

/** The rendered messages a call's `messagesHash` names, or undefined when they are not stored (--no-traces, gc). */
export function lookupMessages(store: ViewStore, hash: string): { role: string; content: string }[] | undefined {
  return store.traces.messages(hash);
}

/** GET /api/messages/:hash */
export function getMessages(store: ViewStore, hash: string): MessagesResponse {
  if (!/^[0-9a-f]{16,128}$/i.test(hash)) throw badRequest(`hash: expected a hexadecimal content hash, got ${JSON.stringify(hash)}`);
  const messages = lookupMessages(store, hash);
  if (!messages) throw notFound(`no messages are stored under ${hash}`);
  return { apiVersion: API_VERSION, hash, messages };
}
