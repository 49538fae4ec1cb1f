/**
 * The limits over time (attempts.ts) shared by the nodes of a cluster through Redis: one counter
 * and one lock key per limited key, changed atomically by a small script, so a guesser who moves
 * from node to node meets the same count. Times are Redis's own (key expiry), not the injected
 * clock. Request buckets stay per node (a Redis round trip per frame would cost more than it
 * saves): a user spread over N nodes gets up to N times `--rate-limit`.
 */
import type { Redis } from 'ioredis';
import type { AttemptRule, LimitStore } from './attempts.js';

const PREFIX = 'cr:lim:';

/**
 * KEYS: count, lock, lockouts. ARGV: max, windowMs, lockMs, maxLockMs.
 * Counts one failure; at `max` within the window, locks for lockMs × 2^(lockouts), at most
 * maxLockMs. Returns the ms the key is locked for (0 if it is not).
 */
const FAIL = `
local max, window, lockMs, maxLock = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], window) end
if n >= max then
  redis.call('DEL', KEYS[1])
  local k = redis.call('INCR', KEYS[3])
  redis.call('PEXPIRE', KEYS[3], maxLock * 2 + window)
  local lock = math.min(maxLock, lockMs * 2 ^ math.min(k - 1, 30))
  if redis.call('PTTL', KEYS[2]) < lock then redis.call('SET', KEYS[2], '1', 'PX', lock) end
end
local t = redis.call('PTTL', KEYS[2])
if t < 0 then return 0 end
return t
`;

type WithFail = Redis & { cr_limit_fail(count: string, lock: string, lockouts: string, ...args: number[]): Promise<number> };

export class RedisLimitStore implements LimitStore {
  private readonly redis: WithFail;

  constructor(
    redis: Redis,
    /** Where the per-node request buckets live. */
    private readonly local: Pick<LimitStore, 'take'>,
  ) {
    redis.defineCommand('cr_limit_fail', { numberOfKeys: 3, lua: FAIL });
    this.redis = redis as WithFail;
  }

  async blockedFor(key: string, rule: AttemptRule): Promise<number> {
    if (rule.max <= 0) return 0;
    return Math.max(0, await this.redis.pttl(`${PREFIX}lock:${key}`));
  }

  async fail(key: string, rule: AttemptRule): Promise<number> {
    if (rule.max <= 0) return 0;
    return this.redis.cr_limit_fail(`${PREFIX}n:${key}`, `${PREFIX}lock:${key}`, `${PREFIX}k:${key}`, rule.max, rule.windowMs, rule.lockMs, rule.maxLockMs);
  }

  take(key: string, perSecond: number, burst: number): boolean {
    return this.local.take(key, perSecond, burst);
  }
}
