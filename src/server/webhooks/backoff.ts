/** When a failed delivery is tried again: exponential backoff with jitter, up to a cap. */

export interface BackoffPolicy {
  /** The delay after the first failure, before jitter (ms). */
  baseMs: number;
  /** The longest delay (ms). */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 10 * 60_000 };

/**
 * The delay after failed attempt number `attempt` (1 = the first): base × 2^(attempt−1), capped,
 * then scaled by a random factor in [0.5, 1) so that many failed deliveries do not retry together.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(0, attempt - 1), 40));
  return Math.max(1, Math.round(exp * (0.5 + 0.5 * random())));
}
