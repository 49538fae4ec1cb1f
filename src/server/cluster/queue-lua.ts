/**
 * The storage scripts of the queues in cluster mode (see lua.ts for the conventions). The queue
 * book (rules/queue-book.ts) is the hash `cr:qbook` (entry key → JSON) with a version `cr:qver`;
 * `cr:qagents` is the set of its agents, `cr:qnext` the earliest deadline in it. A node reads the
 * book (`qload`, only when its copy is out of date), decides with the rulebook, and writes the
 * changed entries with `qcommit` if the version is still the one it decided on (else CONFLICT).
 */
import { script } from './lua.js';

export const QUEUE_SCRIPTS = {
  /**
   * ARGV: the version the node holds, 'agents' or 'all', then more users whose facts to return. Returns {version, n, n entries as key,
   * value pairs (none when the node's version is current), then user, facts for each agent (or,
   * with 'all', each user of the book)}; facts are three characters '0'/'1': online, DND, in a call.
   */
  qload: script(`
local ver = redis.call('GET', 'cr:qver') or '0'
local out = { ver, 0 }
if ver ~= ARGV[4] then
  local all = redis.call('HGETALL', 'cr:qbook')
  out[2] = #all / 2
  for i = 1, #all do out[#out + 1] = all[i] end
end
local users
if ARGV[5] == 'all' then
  users = {}
  for _, k in ipairs(redis.call('HKEYS', 'cr:qbook')) do
    local kind = string.sub(k, 1, 2)
    if kind == 'w:' or kind == 'a:' then users[#users + 1] = string.sub(k, 3) end
  end
else
  users = redis.call('SMEMBERS', 'cr:qagents')
end
for i = 6, #ARGV do users[#users + 1] = ARGV[i] end
for _, u in ipairs(users) do
  local f = facts(u)
  out[#out + 1] = u
  out[#out + 1] = (f.online and '1' or '0') .. (f.dnd and '1' or '0') .. (f.inCall and '1' or '0')
end
return out
`),

  /**
   * ARGV: expected version, next deadline or '', number of changes, webhook deliveries (outbox, see
   * lua.ts), the changes as key, value ('' deletes) pairs, then notices as triples (user, event,
   * payload JSON). Returns the new version, or 'CONFLICT' when the book is no longer at the
   * expected version.
   */
  qcommit: script(`
if (redis.call('GET', 'cr:qver') or '0') ~= ARGV[4] then return 'CONFLICT' end
local n = tonumber(ARGV[6])
local i = 8
for _ = 1, n do
  local k, v = ARGV[i], ARGV[i + 1]
  local agent = string.sub(k, 1, 2) == 'a:'
  if v == '' then
    redis.call('HDEL', 'cr:qbook', k)
    if agent then redis.call('SREM', 'cr:qagents', string.sub(k, 3)) end
  else
    redis.call('HSET', 'cr:qbook', k, v)
    if agent then redis.call('SADD', 'cr:qagents', string.sub(k, 3)) end
  end
  i = i + 2
end
if ARGV[5] == '' then redis.call('DEL', 'cr:qnext') else redis.call('SET', 'cr:qnext', ARGV[5]) end
local ver = redis.call('INCR', 'cr:qver')
outbox(ARGV[7])
tell_from(i)
return tostring(ver)
`),
} as const;
