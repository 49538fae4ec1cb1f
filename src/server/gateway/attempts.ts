/**
 * Limits over time that outlive a socket: counted per key (an address, a user, a meeting), so
 * that reconnecting does not reset them. Two kinds:
 *
 * - **attempt counters** with lockout and backoff, for guesses (failed logins, wrong meeting
 *   passwords): `max` failures within `windowMs` lock the key for `lockMs`, doubled at each
 *   further lockout up to `maxLockMs`;
 * - **token buckets** shared by every socket of a key (a user's requests).
 *
 * `LimitStore` is the seam: this file has the in-memory store one node needs. Several nodes would
 * share their counters in Redis (INCR/PEXPIRE per key); until then each node counts on its own,
 * so a cluster of N nodes allows up to N times each limit (docs/security.md).
 */
import type { Clock } from '../clock.js';

export interface AttemptRule {
  /** Failures allowed within `windowMs`; 0 disables the rule. */
  max: number;
  windowMs: number;
  /** The first lockout; each further one doubles, up to `maxLockMs`. */
  lockMs: number;
  maxLockMs: number;
}

export interface LimitStore {
  /** Ms until `key` may try again (0: it may now). */
  blockedFor(key: string, rule: AttemptRule): number | Promise<number>;
  /** Counts a failure of `key`; returns the ms it is now locked for (0: not locked). */
  fail(key: string, rule: AttemptRule): number | Promise<number>;
  /** The bucket `key` shares across sockets: takes one token, false when there is none. */
  take(key: string, perSecond: number, burst: number): boolean;
}

interface Counter {
  count: number;
  windowStart: number;
  lockedUntil: number;
  lockouts: number;
  /** When this entry may be forgotten (nothing it says matters after). */
  forgetAt: number;
}

interface Bucket {
  tokens: number;
  last: number;
  forgetAt: number;
}

/** Keys kept at most; the oldest are forgotten first (an attacker cannot grow memory without bound). */
export const MAX_LIMIT_KEYS = 200_000;

export class MemoryLimitStore implements LimitStore {
  private readonly counters = new Map<string, Counter>();
  private readonly buckets = new Map<string, Bucket>();
  private sweptAt = 0;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly maxKeys = MAX_LIMIT_KEYS,
  ) {}

  blockedFor(key: string, rule: AttemptRule): number {
    if (rule.max <= 0) return 0;
    const c = this.counters.get(key);
    if (!c) return 0;
    return Math.max(0, c.lockedUntil - this.clock.now());
  }

  fail(key: string, rule: AttemptRule): number {
    if (rule.max <= 0) return 0;
    const now = this.clock.now();
    this.sweep(now);
    let c = this.counters.get(key);
    if (!c) {
      c = { count: 0, windowStart: now, lockedUntil: 0, lockouts: 0, forgetAt: 0 };
      this.counters.set(key, c);
      this.bound(this.counters);
    }
    if (now - c.windowStart >= rule.windowMs) {
      c.count = 0;
      c.windowStart = now;
    }
    c.count += 1;
    if (c.count >= rule.max) {
      const lock = Math.min(rule.maxLockMs, rule.lockMs * 2 ** Math.min(c.lockouts, 30));
      c.lockouts += 1;
      c.lockedUntil = Math.max(c.lockedUntil, now + lock);
      c.count = 0;
      c.windowStart = now;
    }
    // Lockouts are remembered for a while after the last one, so that backoff grows.
    c.forgetAt = Math.max(c.lockedUntil, c.windowStart + rule.windowMs) + rule.maxLockMs;
    return Math.max(0, c.lockedUntil - now);
  }

  take(key: string, perSecond: number, burst: number): boolean {
    if (perSecond <= 0) return true;
    const now = this.clock.now();
    let b = this.buckets.get(key);
    if (!b) {
      this.sweep(now);
      b = { tokens: burst, last: now, forgetAt: 0 };
      this.buckets.set(key, b);
      this.bound(this.buckets);
    }
    const elapsed = now - b.last;
    if (elapsed > 0) {
      b.tokens = Math.min(burst, b.tokens + (elapsed * perSecond) / 1000);
      b.last = now;
    }
    // A bucket that has refilled is the same as no bucket.
    b.forgetAt = now + Math.ceil((burst / perSecond) * 1000);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Keys held (for tests and metrics). */
  get size(): number {
    return this.counters.size + this.buckets.size;
  }

  private bound(m: Map<string, unknown>): void {
    while (m.size > this.maxKeys) {
      const oldest = m.keys().next().value;
      if (oldest === undefined) break;
      m.delete(oldest);
    }
  }

  /** Drops entries that say nothing any more, at most once a second. */
  private sweep(now: number): void {
    if (now - this.sweptAt < 1000) return;
    this.sweptAt = now;
    for (const [k, c] of this.counters) if (c.forgetAt <= now) this.counters.delete(k);
    for (const [k, b] of this.buckets) if (b.forgetAt <= now) this.buckets.delete(k);
  }
}
