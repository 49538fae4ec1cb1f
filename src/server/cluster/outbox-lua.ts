/**
 * The storage scripts of the webhook outbox in cluster mode (keys in lua.ts; the node side in
 * outbox.ts). Rows are appended by the scripts that commit the changes they report (`outbox` in
 * lua.ts). Delivery is claimed per (url, key): `whclaim` takes the heads that are due and pushes
 * each one's time back by a lease, naming the node that holds it; the node renews the lease while
 * its request is out (`whrenew`) and records the result only if it still holds it (`whdone`). A
 * node that dies holding a claim leaves the head to whichever node claims it after the lease.
 */
import { script } from './lua.js';

export const OUTBOX_SCRIPTS = {
  /** ARGV: deliveries (outbox). Appends them on their own (an event with no other change). */
  whappend: script(`
outbox(ARGV[4])
return 1
`),

  /**
   * ARGV: limit, lease ms, node. Claims up to limit (url, key) heads that are due. Returns
   * {when the next head is due ('' for none), then per claimed head: url key, seq, row JSON, attempts}.
   */
  whclaim: script(`
local limit, lease, owner = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local out = { '' }
if limit > 0 then
  for _, q in ipairs(redis.call('ZRANGEBYSCORE', 'cr:wh:due', '-inf', NOW, 'LIMIT', 0, limit)) do
    local head = redis.call('LINDEX', 'cr:wh:q:' .. q, 0)
    if not head then
      redis.call('ZREM', 'cr:wh:due', q)
      redis.call('HDEL', 'cr:wh:own', q)
    else
      redis.call('ZADD', 'cr:wh:due', NOW + lease, q)
      redis.call('HSET', 'cr:wh:own', q, owner)
      local h = redis.call('HMGET', 'cr:wh:d:' .. head, 'row', 'n')
      out[#out + 1] = q
      out[#out + 1] = head
      out[#out + 1] = h[1]
      out[#out + 1] = h[2] or '0'
    end
  end
end
local first = redis.call('ZRANGE', 'cr:wh:due', 0, 0, 'WITHSCORES')
if first[2] then out[1] = first[2] end
return out
`),

  /** ARGV: lease ms, node, then the (url, key)s it is sending. Pushes back the leases it still holds. */
  whrenew: script(`
local lease, owner = tonumber(ARGV[4]), ARGV[5]
local n = 0
for i = 6, #ARGV do
  if redis.call('HGET', 'cr:wh:own', ARGV[i]) == owner then
    redis.call('ZADD', 'cr:wh:due', 'XX', NOW + lease, ARGV[i])
    n = n + 1
  end
end
return n
`),

  /** ARGV: node, then (url, key)s. The node stops: the claims it still holds are due again at once. */
  whrelease: script(`
for i = 5, #ARGV do
  if redis.call('HGET', 'cr:wh:own', ARGV[i]) == ARGV[4] then
    redis.call('HDEL', 'cr:wh:own', ARGV[i])
    redis.call('ZADD', 'cr:wh:due', NOW, ARGV[i])
  end
end
if #ARGV > 4 then redis.call('PUBLISH', 'cr:ch:all', '{"t":"wh"}') end
return 1
`),

  /**
   * ARGV: url key, seq, node, status, attempts, nextAt, lastStatus or '', lastError or '', sentAt
   * or '', createdAt. Records an attempt if the node still holds the claim on that head: a pending
   * one is due again at nextAt; a delivered or given-up one leaves the line and the next row is
   * the head. Returns 1, or 0 when the claim was lost (another node took the head over).
   */
  whdone: script(`
local q, seq, owner, st = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
if redis.call('HGET', 'cr:wh:own', q) ~= owner or redis.call('LINDEX', 'cr:wh:q:' .. q, 0) ~= seq then return 0 end
redis.call('HSET', 'cr:wh:d:' .. seq, 'st', st, 'n', ARGV[8], 'next', ARGV[9], 'ls', ARGV[10], 'le', ARGV[11], 'sent', ARGV[12])
redis.call('HDEL', 'cr:wh:own', q)
if st == 'pending' then
  redis.call('ZADD', 'cr:wh:due', ARGV[9], q)
  return 1
end
redis.call('LPOP', 'cr:wh:q:' .. q)
redis.call('DECR', 'cr:wh:pending')
redis.call('ZADD', 'cr:wh:done', ARGV[13], seq)
local nxt = redis.call('LINDEX', 'cr:wh:q:' .. q, 0)
if nxt then redis.call('ZADD', 'cr:wh:due', redis.call('HGET', 'cr:wh:d:' .. nxt, 'next'), q) else redis.call('ZREM', 'cr:wh:due', q) end
return 1
`),

  /**
   * ARGV: limit. The most recent rows, newest first, as groups of 9: seq, row JSON, status,
   * attempts, nextAt, lastStatus, lastError, sentAt, '1' if a node is sending it now.
   */
  whrecent: script(`
local out = {}
for _, seq in ipairs(redis.call('ZREVRANGE', 'cr:wh:all', 0, tonumber(ARGV[4]) - 1)) do
  local h = redis.call('HMGET', 'cr:wh:d:' .. seq, 'row', 'st', 'n', 'next', 'ls', 'le', 'sent', 'q')
  if h[1] then
    local sending = '0'
    if h[2] == 'pending' and redis.call('HEXISTS', 'cr:wh:own', h[8]) == 1 and redis.call('LINDEX', 'cr:wh:q:' .. h[8], 0) == seq then sending = '1' end
    for _, v in ipairs({ seq, h[1], h[2], h[3], h[4], h[5] or '', h[6] or '', h[7] or '', sending }) do out[#out + 1] = v end
  end
end
return out
`),

  /** ARGV: before (ms), batch. Deletes delivered and given-up rows made before `before`; returns how many. */
  whprune: script(`
local seqs = redis.call('ZRANGEBYSCORE', 'cr:wh:done', '-inf', '(' .. ARGV[4], 'LIMIT', 0, tonumber(ARGV[5]))
for _, seq in ipairs(seqs) do
  redis.call('DEL', 'cr:wh:d:' .. seq)
  redis.call('ZREM', 'cr:wh:all', seq)
  redis.call('ZREM', 'cr:wh:done', seq)
end
return #seqs
`),
} as const;
