/**
 * Hands results that finish in any order to `emit` in index order (0, 1, 2, …), holding the ones
 * that are early until the results before them arrive. A result `window` or more places ahead of
 * the next one to emit makes its producer wait (its `put` resolves once the window has moved up to
 * it), so one slow item holds back at most `window` finished results plus one per producer, however
 * long the stream.
 */
export class InOrder<T> {
  private readonly held = new Map<number, T>();
  /** Puts waiting for the next index to move past theirs minus the window. */
  private readonly waiting = new Map<number, () => void>();
  private next = 0;
  private flushing: Promise<void> | undefined;
  private abandoned = false;

  constructor(
    private readonly emit: (item: T, index: number) => void | Promise<void>,
    private readonly window: number,
  ) {}

  /** How many results have been emitted (they are indices 0 … emitted - 1). */
  get emitted(): number {
    return this.next;
  }

  /** How many finished results are held, waiting for an earlier one. */
  get holding(): number {
    return this.held.size;
  }

  /**
   * Adds result `index`. Resolves when its caller may go on: after `emit` has taken what this made
   * ready (awaiting `emit`'s promise: a file that is behind slows the producers down), and, for a
   * result far ahead, once the window has moved up to it.
   */
  async put(index: number, item: T): Promise<void> {
    if (index < this.next || this.held.has(index)) throw new Error(`result ${index} was put twice`);
    this.held.set(index, item);
    await this.flush();
    if (!this.abandoned && index >= this.next + this.window) await new Promise<void>((resolve) => this.waiting.set(index, resolve));
  }

  /** Emits what is ready, one flush at a time (so `emit` sees indices in order even when it is async). */
  private async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (!this.held.has(this.next)) return;
    this.flushing = (async () => {
      while (this.held.has(this.next)) {
        const index = this.next;
        const item = this.held.get(index)!;
        this.held.delete(index);
        const wait = this.emit(item, index);
        if (wait) await wait;
        this.next++;
        this.release();
      }
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  /**
   * Lets every waiting producer go on without emitting anything more: for when the stream stops
   * early (a fatal error) and the result they wait behind will never come.
   */
  abandon(): void {
    this.abandoned = true;
    this.release(Infinity);
  }

  private release(upTo = this.next + this.window): void {
    for (const [index, resolve] of this.waiting) {
      if (index < upTo) {
        this.waiting.delete(index);
        resolve();
      }
    }
  }
}
