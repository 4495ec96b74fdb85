import { z } from "zod";
import { canonicalJson, sha256 } from "../util/canonical.js";

/** Text stored once under the sha256 of its content (the `blobs` table). */
export interface Blob {
  hash: string;
  content: string;
}

/** One rendered message as a trace keeps it (the shape of lm's ChatMessage, which the store does not import). */
export const storedMessageSchema = z.object({
  role: z.string(),
  content: z.string(),
  toolCalls: z.array(z.looseObject({ id: z.string(), name: z.string(), arguments: z.unknown() })).optional(),
  toolCallId: z.string().optional(),
});
export type StoredMessage = z.infer<typeof storedMessageSchema>;

/** What a call's `messagesHash` names: a JSON array of the hashes of its messages, in order. */
export const messageListSchema = z.array(z.string());

/** An evaluation's example as stored: what the program was given and everything else of the row (gold outputs…). */
export const storedExampleSchema = z.object({ inputs: z.record(z.string(), z.unknown()), gold: z.record(z.string(), z.unknown()) });
export type StoredExample = z.infer<typeof storedExampleSchema>;

function blobOf(content: string): Blob {
  return { hash: sha256(content), content };
}

/**
 * A call's messages as blobs: each message stored on its own (the system message and the demos a
 * candidate repeats in every prompt are then stored once for all its examples), and the list of
 * their hashes, whose hash is the call's `messagesHash`. Each text is hashed once.
 */
export function messageBlobs(messages: readonly { role: string; content: string; toolCalls?: readonly unknown[]; toolCallId?: string }[]): { hash: string; blobs: Blob[] } {
  const blobs = messages.map((m) => blobOf(canonicalJson(m)));
  const list = blobOf(JSON.stringify(blobs.map((b) => b.hash)));
  blobs.push(list);
  return { hash: list.hash, blobs };
}

/** An example as a blob: its inputs and its other fields (gold), canonical, so equal rows are stored once. */
export function exampleBlob(inputs: Record<string, unknown>, gold: Record<string, unknown>): Blob {
  return blobOf(canonicalJson({ inputs, gold }));
}
