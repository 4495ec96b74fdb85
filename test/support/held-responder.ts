import { defaultResponder } from "./mock-provider/responder.js";
import type { MockReply, MockRequest, MockResponder } from "./mock-provider/types.js";

/**
 * A mock provider's responder with a hold: while held, requests wait unanswered (calls in flight
 * that cannot end by themselves, without a clock); `release` answers every one waiting, and the
 * ones after it at once. Each request held is kept, to compare with what is sent later.
 */
export interface HeldResponder {
  respond: MockResponder;
  /** Holds the requests that come after the next `after` (answered as usual). */
  hold(after?: number): void;
  release(): void;
  /** The requests waiting now. */
  waiting(): number;
  /** Every request that was held, in arrival order. */
  held: MockRequest[];
}

export function heldResponder(answer: MockResponder = defaultResponder): HeldResponder {
  let holding = false;
  let allowance = 0;
  let waiting: (() => void)[] = [];
  const held: MockRequest[] = [];
  return {
    respond: (req) => {
      if (!holding || allowance-- > 0) return answer(req);
      held.push(req);
      return new Promise<MockReply>((resolve) => waiting.push(() => resolve(answer(req))));
    },
    hold: (after = 0) => {
      holding = true;
      allowance = after;
    },
    release: () => {
      holding = false;
      const go = waiting;
      waiting = [];
      for (const answerNow of go) answerNow();
    },
    waiting: () => waiting.length,
    held,
  };
}

/** What identifies a request to the provider (and to dspx's cache): the body as sent. */
export function requestKey(req: MockRequest): string {
  return JSON.stringify(req.body);
}
