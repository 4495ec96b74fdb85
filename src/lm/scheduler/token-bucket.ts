/** Tolerance for floating-point refill arithmetic. */
const EPSILON = 1e-9;

/**
 * A token bucket that refills continuously at `ratePerSecond` up to `capacity`. The level may go
 * negative (a debt, when a call used more than it was charged); it then refills from below zero.
 */
export class TokenBucket {
  private level: number;
  private updatedAt: number;
  private ratePerMs: number;
  private cap: number;

  constructor(ratePerSecond: number, capacity: number, now: number, initialLevel = capacity) {
    this.ratePerMs = Math.max(0, ratePerSecond) / 1000;
    this.cap = capacity;
    this.level = Math.min(capacity, initialLevel);
    this.updatedAt = now;
  }

  get capacity(): number {
    return this.cap;
  }

  get ratePerSecond(): number {
    return this.ratePerMs * 1000;
  }

  /** The current level (may be negative). */
  available(now: number): number {
    this.refill(now);
    return this.level;
  }

  /** Changes rate and capacity; what has accrued so far is kept (up to the new capacity). */
  setRate(ratePerSecond: number, capacity: number, now: number): void {
    this.refill(now);
    this.ratePerMs = Math.max(0, ratePerSecond) / 1000;
    this.cap = capacity;
    this.level = Math.min(this.level, capacity);
  }

  /** Removes `n` (the level may go below zero). */
  take(n: number, now: number): void {
    this.refill(now);
    this.level -= n;
  }

  /** Gives back `n` (a refund), never above capacity. */
  give(n: number, now: number): void {
    this.refill(now);
    this.level = Math.min(this.cap, this.level + n);
  }

  /** Lowers the level to at most `max` (never raises it). */
  clampTo(max: number, now: number): void {
    this.refill(now);
    if (max < this.level) this.level = max;
  }

  /** Milliseconds until the level reaches `need` (0 when it already has; Infinity if it never will). */
  msUntil(need: number, now: number): number {
    this.refill(now);
    if (this.level >= need - EPSILON) return 0;
    if (this.ratePerMs <= 0 || need > this.cap + EPSILON) return Infinity;
    return (need - this.level) / this.ratePerMs;
  }

  private refill(now: number): void {
    if (now <= this.updatedAt) return;
    if (this.level < this.cap) this.level = Math.min(this.cap, this.level + (now - this.updatedAt) * this.ratePerMs);
    this.updatedAt = now;
  }
}
