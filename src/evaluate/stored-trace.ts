import type { Trace } from "../graph/trace.js";
import { messageBlobs, type Blob } from "../store/blobs.js";

/**
 * A trace as the store keeps it: each call's rendered messages replaced by `messagesHash`, the
 * hash of the blobs they are stored in (returned beside it, to be written once per content).
 */
export function storedTrace(trace: Trace): { trace: Trace; blobs: Blob[] } {
  const blobs: Blob[] = [];
  const stored = trace.map((step) => ({
    ...step,
    calls: step.calls.map(({ messages, ...call }) => {
      if (messages === undefined) return call;
      const list = messageBlobs(messages);
      for (const b of list.blobs) blobs.push(b);
      return { ...call, messagesHash: list.hash };
    }),
  }));
  return { trace: stored, blobs };
}
