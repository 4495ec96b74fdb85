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

type MessageLike = { role: string; content: string; toolCalls?: readonly unknown[]; toolCallId?: string };

/**
 * A message's canonical JSON (keys sorted, as `canonicalJson` writes it), written directly: this runs
 * for every message of every call, and sorting the keys of each was most of the cost of storing it.
 */
export function messageJson(m: MessageLike): string {
  let out = `{"content":${JSON.stringify(m.content)},"role":${JSON.stringify(m.role)}`;
  if (m.toolCallId !== undefined) out += `,"toolCallId":${JSON.stringify(m.toolCallId)}`;
  if (m.toolCalls !== undefined) out += `,"toolCalls":${canonicalJson(m.toolCalls)}`;
  return out + "}";
}

const messageBlobMemo = new WeakMap<MessageLike, Blob>();

/** A message's blob, made once per message object: a candidate's system message and demo turns are one object in all its prompts. */
function messageBlob(m: MessageLike): Blob {
  let blob = messageBlobMemo.get(m);
  if (blob === undefined) {
    blob = blobOf(messageJson(m));
    messageBlobMemo.set(m, blob);
  }
  return blob;
}

/**
 * A call's messages as blobs: each message stored on its own (the system message and the demos a
 * candidate repeats in every prompt are then stored once for all its examples), and the list of
 * their hashes, whose hash is the call's `messagesHash`. Each text is hashed once.
 */
export function messageBlobs(messages: readonly MessageLike[]): { hash: string; blobs: Blob[] } {
  const blobs = messages.map(messageBlob);
  const list = blobOf(JSON.stringify(blobs.map((b) => b.hash)));
  blobs.push(list);
  return { hash: list.hash, blobs };
}

/**
 * An example as a blob: the canonical JSON of `{ inputs, gold }` (so equal rows are stored once),
 * written from the canonical texts of its inputs and of its other fields (gold).
 */
export function exampleBlob(inputsJson: string, goldJson: string): Blob {
  return blobOf(`{"gold":${goldJson},"inputs":${inputsJson}}`);
}
