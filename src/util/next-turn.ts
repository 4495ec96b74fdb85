let waiting: (() => void)[] | undefined;

function release(): void {
  const resolvers = waiting ?? [];
  waiting = undefined;
  for (const resolve of resolvers) resolve();
}

/**
 * Resolves in the check phase of this event-loop turn, together with every other caller of this
 * turn (one setImmediate for all of them). Work started there — requests sent, lookups made —
 * goes out as one batch after the turn's I/O callbacks have run, instead of one at a time from
 * inside each of them: at hundreds of requests a second that is markedly cheaper for the process
 * (and for the server it talks to).
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    if (!waiting) {
      waiting = [];
      setImmediate(release);
    }
    waiting.push(resolve);
  });
}
