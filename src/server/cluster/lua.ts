/**
 * The Lua scripts of cluster mode: storage work that must be atomic, and nothing else. The rules
 * (which invite may ring, which transition a request is, who is told what, who may use a
 * meeting, what a status is) live in src/server/rules/ and run in the node; a script reads the
 * facts they need, or checks that the facts a decision was made on still hold and then writes the
 * result and appends the events it produces (compare-and-set). A script that finds the facts
 * changed answers CONFLICT, and the node decides again on fresh facts.
 *
 * Events. Every session has a numbered log in Redis (`cr:sess:<sid>` field `seq`, list
 * `cr:log:<sid>`). `emit` appends the event to it and publishes the frame on the channel of the
 * node holding the session, in the same script as the change that caused it: so any node can
 * replay what a client missed (resume on another node), and Redis's order is the order each
 * session sees. Facts that a user's status derives from are published on `cr:ch:all` by the
 * script that changed them (`changed`), in Redis's order; each node derives the status itself.
 *
 * Every script gets ARGV[1] now (ms), ARGV[2] node timeout (ms), ARGV[3] what a session's log
 * keeps at most ('events:bytes'); its own arguments start at ARGV[4]. Keys are built in the scripts (prefix `cr:`): this
 * needs a single Redis (or a primary with replicas / Sentinel), not Redis Cluster's key slots.
 *
 * Keys (besides the store's, see store/redis.ts):
 *   cr:nodes (zset heartbeat), cr:nodegrace (hash node → resume grace), cr:nodesess:<node> (set of sids)
 *   cr:user:<u> {sid, node}   the user's current session      cr:online (set of users)
 *   cr:sess:<sid> {u, nick, node, seq, bytes, meeting, sub}, cr:log:<sid> (list of frames)
 *   cr:usercall:<u> (set of the user's open callIDs: one, or several in a call people were added to)
 *   cr:mcall:<mid> (set of the open callIDs in the meeting)  cr:ring (zset callID → deadline or claim lease)  cr:orphan (callID → first seen without a party)
 *   cr:mmem:<mid> (hash u → {sid, nick})   cr:lastfacts (hash u → the status facts last published)
 *   cr:call:<id> fields wait, waitUntil: a call waiting for its callee to connect (--offline-ring)
 *
 * Webhooks (cluster/outbox.ts): the events a change makes are decided in the node
 * (webhooks/events.ts) and handed to the script that commits the change, which appends them to
 * the outbox (`outbox`), in the same atomic step:
 *   cr:wh:seq (counter)   cr:wh:d:<seq> {row (OutboxRow JSON), q, st, n, next, ls, le, sent}
 *   cr:wh:q:<url key> (list of the pending seqs of one (url, key), oldest first)
 *   cr:wh:due (zset url key → when its head may be sent: its next attempt, or the end of a claim's lease)
 *   cr:wh:own (hash url key → the node that claimed its head)   cr:wh:pending (count)
 *   cr:wh:all (zset seq, for the recent list)   cr:wh:done (zset seq → createdAt of delivered and given-up rows)
 */

const PRELUDE = `
local NOW = tonumber(ARGV[1])
local NODE_TIMEOUT = tonumber(ARGV[2])
local LOG_CAP, LOG_BYTES = string.match(ARGV[3], '^(%d+):(%d+)$')
LOG_CAP, LOG_BYTES = tonumber(LOG_CAP), tonumber(LOG_BYTES)
local J = cjson.encode

local function node_alive(node)
  local hb = redis.call('ZSCORE', 'cr:nodes', node)
  return hb and tonumber(hb) >= NOW - NODE_TIMEOUT
end

-- Appends event ev (payload p, a JSON object text) to session sid's log and sends the frame to
-- the node holding the session. Returns the event's seq, or false if the session is gone.
local function emit(sid, ev, p)
  local k = 'cr:sess:' .. sid
  local node = redis.call('HGET', k, 'node')
  if not node then return false end
  local seq = redis.call('HINCRBY', k, 'seq', 1)
  local frame = '{"ev":' .. J(ev) .. ',"seq":' .. seq
  if p ~= '{}' then frame = frame .. ',' .. string.sub(p, 2) else frame = frame .. '}' end
  local lk = 'cr:log:' .. sid
  -- kept up to a count and a size (the newest always); a client further behind cannot resume
  local len = redis.call('RPUSH', lk, frame)
  local bytes = redis.call('HINCRBY', k, 'bytes', #frame)
  while len > 1 and (len > LOG_CAP or bytes > LOG_BYTES) do
    bytes = redis.call('HINCRBY', k, 'bytes', -#redis.call('LPOP', lk))
    len = len - 1
  end
  redis.call('PUBLISH', 'cr:ch:' .. node, 'f' .. sid .. ' ' .. seq .. ' ' .. frame)
  return seq
end

-- Tells user u, in their current session; nobody if they have none.
local function tell(u, ev, p)
  local sid = redis.call('HGET', 'cr:user:' .. u, 'sid')
  if sid then emit(sid, ev, p) end
end

-- The facts u's status derives from (rules/status.ts), as a table.
local function facts(u)
  local sid = redis.call('HGET', 'cr:user:' .. u, 'sid')
  local meeting = false
  if sid then meeting = redis.call('HGET', 'cr:sess:' .. sid, 'meeting') end
  return {
    userID = u,
    online = sid ~= false,
    inCall = redis.call('EXISTS', 'cr:usercall:' .. u) == 1,
    inMeeting = meeting ~= false,
    dnd = redis.call('SISMEMBER', 'cr:dnd', u) == 1,
  }
end

-- u's facts may have changed: when they did, every node derives the status and tells its
-- subscribers. (The last facts published are kept only to publish each change once.)
local function changed(u)
  local f = facts(u)
  local key = (f.online and '1' or '0') .. (f.inCall and '1' or '0') .. (f.inMeeting and '1' or '0') .. (f.dnd and '1' or '0')
  if (redis.call('HGET', 'cr:lastfacts', u) or '0000') == key then return end
  if key == '0000' then redis.call('HDEL', 'cr:lastfacts', u) else redis.call('HSET', 'cr:lastfacts', u, key) end
  redis.call('PUBLISH', 'cr:ch:all', '{"t":"facts","f":' .. J(f) .. '}')
end

local function meeting_facts(mid, u)
  local h = redis.call('HMGET', 'cr:meeting:' .. mid, 'creator', 'pswd', 'subject', 'createdAt')
  if not h[1] then return nil end
  return {
    id = tonumber(mid), creator = h[1], pswd = h[2], subject = h[3], createdAt = tonumber(h[4]),
    invited = u ~= '' and redis.call('SISMEMBER', 'cr:minv:' .. mid, u) == 1,
    memberCount = redis.call('HLEN', 'cr:mmem:' .. mid),
  }
end

-- Removes u's membership of mid (only session sid's, if sid) and tells the other members.
local function leave_meeting(mid, u, sid)
  local cur = redis.call('HGET', 'cr:mmem:' .. mid, u)
  if not cur then return false end
  local m = cjson.decode(cur)
  if sid and m.sid ~= sid then return false end
  redis.call('HDEL', 'cr:mmem:' .. mid, u)
  if redis.call('HGET', 'cr:sess:' .. m.sid, 'meeting') == tostring(mid) then redis.call('HDEL', 'cr:sess:' .. m.sid, 'meeting') end
  local p = '{"meetingID":' .. mid .. ',"userID":' .. J(u) .. '}'
  local rest = redis.call('HGETALL', 'cr:mmem:' .. mid)
  for i = 1, #rest, 2 do emit(cjson.decode(rest[i + 1]).sid, 'meeting.memberLeft', p) end
  if redis.call('EXISTS', 'cr:meeting:' .. mid) == 1 then
    redis.call('HSET', 'cr:meeting:' .. mid, 'lastActiveAt', string.format('%d', NOW))
    if #rest == 0 then redis.call('ZADD', 'cr:midle', NOW, mid) end
  end
  return true
end

-- Session sid ends: its meeting membership and log go; if it is still its user's current
-- session, the user is offline. Returns whether it was current.
local function drop_session(sid)
  local s = redis.call('HMGET', 'cr:sess:' .. sid, 'u', 'node', 'meeting')
  if not s[1] then return false end
  local u = s[1]
  if s[3] then leave_meeting(s[3], u, sid) end
  redis.call('DEL', 'cr:sess:' .. sid, 'cr:log:' .. sid)
  redis.call('SREM', 'cr:nodesess:' .. s[2], sid)
  if redis.call('HGET', 'cr:user:' .. u, 'sid') ~= sid then return false end
  redis.call('DEL', 'cr:user:' .. u)
  redis.call('SREM', 'cr:online', u)
  changed(u)
  return true
end

-- Frames of session sid after seq last, or nil if some of them are no longer kept.
local function frames_after(sid, last)
  local k = 'cr:sess:' .. sid
  local seq = tonumber(redis.call('HGET', k, 'seq'))
  if not seq or last > seq then return nil end
  local n = redis.call('LLEN', 'cr:log:' .. sid)
  local first = seq - n + 1
  if last < first - 1 then return nil end
  return redis.call('LRANGE', 'cr:log:' .. sid, last - first + 1, -1)
end

-- Call id as the node decides on it: {record JSON, meet JSON at invite, meeting facts JSON now
-- or ''}, or false.
local function load_call(id)
  local h = redis.call('HMGET', 'cr:call:' .. id, 'rec', 'meet')
  if not h[1] then return false end
  local m = meeting_facts(tostring(cjson.decode(h[1]).meetingID), '')
  local mj = ''
  if m then mj = J(m) end
  return { h[1], h[2], mj }
end

-- The members of set k, sorted and joined: what an invite was decided on, compared by reserve.
local function set_key(k)
  local ids = redis.call('SMEMBERS', k)
  table.sort(ids)
  return table.concat(ids, ',')
end

-- Appends webhook deliveries to the outbox: j is '' (none) or a JSON array of triples (url key,
-- createdAt, OutboxRow JSON), made by the node (cluster/outbox.ts outboxArg). Every node is told.
local function outbox(j)
  if j == nil or j == '' then return end
  local a = cjson.decode(j)
  for i = 1, #a, 3 do
    local q, at, row = a[i], a[i + 1], a[i + 2]
    local seq = redis.call('INCR', 'cr:wh:seq')
    redis.call('HSET', 'cr:wh:d:' .. seq, 'row', row, 'q', q, 'st', 'pending', 'n', 0, 'next', at)
    redis.call('ZADD', 'cr:wh:all', seq, seq)
    redis.call('INCR', 'cr:wh:pending')
    if redis.call('RPUSH', 'cr:wh:q:' .. q, seq) == 1 then redis.call('ZADD', 'cr:wh:due', at, q) end
  end
  if #a > 0 then redis.call('PUBLISH', 'cr:ch:all', '{"t":"wh"}') end
end

-- Writes the notices given as triples (user, event, payload) from ARGV[i] on (none to user skip).
local function tell_from(i, skip)
  while ARGV[i] do
    if ARGV[i] ~= skip then tell(ARGV[i], ARGV[i + 1], ARGV[i + 2]) end
    i = i + 3
  end
end
`;

export function script(body: string): string {
  return `${PRELUDE}\n${body}`;
}

export const SCRIPTS = {
  /**
   * A session logs in (ARGV: user, node, sid, nickName, resumeSid or '', resume lastSeq, the
   * user.online webhook deliveries (outbox), appended if the user was offline).
   * Resuming the user's current session (from any node) moves it to this node and returns
   * {'RESUMED', seq, meetingID or '', '1' if subscribed to status or '', frames after lastSeq...}; the node that held it is told
   * ('moved'). Otherwise a new session is made: an older one is kicked (its node told; a dead
   * node's is dropped here) and {'NEW', older sid or '', callID of the user's open call or '',
   * whether the client tried to resume that session '1'/'0'} is returned.
   */
  login: script(`
local u, node, sid, nick, rsid, rlast = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], tonumber(ARGV[9])
local old = redis.call('HGET', 'cr:user:' .. u, 'sid')
if old and rsid == old then
  local frames = frames_after(old, rlast)
  if frames then
    local was = redis.call('HGET', 'cr:sess:' .. old, 'node')
    redis.call('HSET', 'cr:sess:' .. old, 'node', node, 'nick', nick)
    redis.call('HSET', 'cr:user:' .. u, 'node', node)
    if was ~= node then
      redis.call('SREM', 'cr:nodesess:' .. was, old)
      redis.call('SADD', 'cr:nodesess:' .. node, old)
      redis.call('PUBLISH', 'cr:ch:' .. was, '{"t":"moved","sid":' .. J(old) .. '}')
    end
    local h = redis.call('HMGET', 'cr:sess:' .. old, 'seq', 'meeting', 'sub')
    local out = { 'RESUMED', h[1], h[2] or '', h[3] or '' }
    for _, f in ipairs(frames) do out[#out + 1] = f end
    return out
  end
end
local call = redis.call('SRANDMEMBER', 'cr:usercall:' .. u) or ''
-- a call waiting for this callee to connect is not ended by the login: it rings on it (ClusterCalls.loggedIn);
-- a user waited for has no other open call (an invite to them meanwhile found them in a call: 602)
if call ~= '' and redis.call('HEXISTS', 'cr:call:' .. call, 'wait') == 1 then call = '' end
if not old then outbox(ARGV[10]) end
if old then
  local onode = redis.call('HGET', 'cr:sess:' .. old, 'node')
  if onode and node_alive(onode) and onode ~= node then
    redis.call('PUBLISH', 'cr:ch:' .. onode, '{"t":"kick","sid":' .. J(old) .. '}')
  elseif onode and onode ~= node then
    drop_session(old)
  end
end
redis.call('HSET', 'cr:sess:' .. sid, 'u', u, 'nick', nick, 'node', node, 'seq', 0)
redis.call('HSET', 'cr:user:' .. u, 'sid', sid, 'node', node)
redis.call('SADD', 'cr:nodesess:' .. node, sid)
redis.call('SADD', 'cr:online', u)
changed(u)
local tried = '0'
if old and rsid == old then tried = '1' end
return { 'NEW', old or '', call, tried }
`),

  /**
   * Session ended on its node (ARGV: sid, user, node, the user.offline webhook deliveries (outbox),
   * appended if the user is now offline). Returns the callID of the user's open call
   * if the user is now offline (their call is theirs to lose), else ''. A session another node
   * has taken over meanwhile (a resume there) is not this node's to end: nothing happens.
   */
  release: script(`
local sid, u, node = ARGV[4], ARGV[5], ARGV[6]
local at = redis.call('HGET', 'cr:sess:' .. sid, 'node')
if at and at ~= node then return '' end
if not drop_session(sid) then
  if redis.call('EXISTS', 'cr:user:' .. u) == 1 then return '' end
else
  outbox(ARGV[7])
end
return redis.call('SRANDMEMBER', 'cr:usercall:' .. u) or ''
`),

  /** Appends events to sessions (ARGV: triples sid, event, payload). */
  emit: script(`
local i = 4
while ARGV[i] do
  emit(ARGV[i], ARGV[i + 1], ARGV[i + 2])
  i = i + 3
end
return 1
`),

  /** ARGV: sid, seq. The client has every event up to seq: older frames leave the log. */
  ack: script(`
local sid, upto = ARGV[4], tonumber(ARGV[5])
local seq = tonumber(redis.call('HGET', 'cr:sess:' .. sid, 'seq'))
if not seq or upto > seq then return 0 end
local n = redis.call('LLEN', 'cr:log:' .. sid)
local drop = upto - (seq - n + 1) + 1
if drop <= 0 then return 0 end
local gone = 0
for _, f in ipairs(redis.call('LRANGE', 'cr:log:' .. sid, 0, drop - 1)) do gone = gone + #f end
redis.call('LTRIM', 'cr:log:' .. sid, drop, -1)
redis.call('HINCRBY', 'cr:sess:' .. sid, 'bytes', -gone)
return drop
`),

  /** ARGV: sid, on ('1' or ''). The session follows user status (kept for a resume on another node). */
  subscribe: script(`
if redis.call('EXISTS', 'cr:sess:' .. ARGV[4]) == 0 then return 0 end
if ARGV[5] == '1' then redis.call('HSET', 'cr:sess:' .. ARGV[4], 'sub', 1) else redis.call('HDEL', 'cr:sess:' .. ARGV[4], 'sub') end
return 1
`),

  /** ARGV: sid, lastSeq. Frames after lastSeq (for a node that missed some), or false. */
  replay: script(`
return frames_after(ARGV[4], tonumber(ARGV[5])) or false
`),

  /**
   * The facts an invite is checked on (ARGV: callID, caller, callee, meetingID), as JSON:
   * {taken, meeting (meeting_facts for the caller) or null, callerCalls (state and meetingID of
   * each open call of the caller), callerKey, meetingParties (caller and callee of each open call
   * in the meeting), meetingKey, calleeSid, calleeDnd, calleeInCall}. The keys are the callIDs
   * the lists were read from (set_key), for reserve to compare.
   */
  invitefacts: script(`
local id, caller, callee, mid = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local mine, parties = {}, {}
for _, cid in ipairs(redis.call('SMEMBERS', 'cr:usercall:' .. caller)) do
  local j = redis.call('HGET', 'cr:call:' .. cid, 'rec')
  if j then
    local r = cjson.decode(j)
    mine[#mine + 1] = { state = redis.call('HGET', 'cr:call:' .. cid, 'st') or r.state, meetingID = r.meetingID }
  end
end
for _, cid in ipairs(redis.call('SMEMBERS', 'cr:mcall:' .. mid)) do
  local j = redis.call('HGET', 'cr:call:' .. cid, 'rec')
  if j then
    local r = cjson.decode(j)
    parties[#parties + 1] = r.caller
    parties[#parties + 1] = r.callee
  end
end
return J({
  taken = redis.call('EXISTS', 'cr:call:' .. id) == 1,
  meeting = meeting_facts(mid, caller) or cjson.null,
  callerCalls = mine,
  callerKey = set_key('cr:usercall:' .. caller),
  meetingParties = parties,
  meetingKey = set_key('cr:mcall:' .. mid),
  calleeSid = redis.call('HGET', 'cr:user:' .. callee, 'sid') or '',
  calleeDnd = redis.call('SISMEMBER', 'cr:dnd', callee) == 1,
  calleeInCall = redis.call('EXISTS', 'cr:usercall:' .. callee) == 1,
})
`),

  /**
   * Creates a ringing call if the facts it was allowed on still hold (ARGV: callID, caller,
   * callee, meetingID, callee's sid, ring deadline, record JSON, meet JSON, call.incoming payload,
   * the caller's open calls and the meeting's as invitefacts keyed them, webhook deliveries
   * (outbox)): reserves both parties, arms the ring timer, adds the callee to the meeting's
   * invitees and tells the callee; a callee's sid '' (not connected, --offline-ring): the call
   * waits for them (fields wait, waitUntil). The open calls compared by their callIDs are the same
   * facts: a call's parties and meeting never change, and a caller's call can only have ended since
   * (a ringing one was refused). Returns 'OK' or 'CONFLICT'.
   */
  reserve: script(`
local id, caller, callee, mid, csid, deadline, recj, meetj, incoming = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12]
if redis.call('EXISTS', 'cr:call:' .. id) == 1 or set_key('cr:usercall:' .. caller) ~= ARGV[13]
  or set_key('cr:mcall:' .. mid) ~= ARGV[14] or redis.call('EXISTS', 'cr:usercall:' .. callee) == 1
  or (redis.call('HGET', 'cr:user:' .. callee, 'sid') or '') ~= csid
  or redis.call('SISMEMBER', 'cr:dnd', callee) == 1 or redis.call('EXISTS', 'cr:meeting:' .. mid) == 0 then
  return 'CONFLICT'
end
local created = cjson.decode(recj).createdAt
redis.call('HSET', 'cr:call:' .. id, 'rec', recj, 'st', 'ringing', 'meet', meetj)
redis.call('SADD', 'cr:usercall:' .. caller, id)
redis.call('SADD', 'cr:usercall:' .. callee, id)
redis.call('SADD', 'cr:mcall:' .. mid, id)
redis.call('SADD', 'cr:minv:' .. mid, callee)
redis.call('ZADD', 'cr:ring', deadline, id)
redis.call('SADD', 'cr:open', id)
redis.call('ZADD', 'cr:calls:all', created, id)
redis.call('ZADD', 'cr:calls:u:' .. caller, created, id)
redis.call('ZADD', 'cr:calls:u:' .. callee, created, id)
if csid ~= '' then emit(csid, 'call.incoming', incoming) else redis.call('HSET', 'cr:call:' .. id, 'wait', incoming, 'waitUntil', deadline) end
outbox(ARGV[15])
changed(caller)
changed(callee)
return 'OK'
`),

  /**
   * ARGV: user. The call waiting for this callee to connect (--offline-ring), as
   * {callID, record JSON, meeting facts JSON now or '', call.incoming payload at invite, waitUntil}, or false.
   */
  waiting: script(`
local id = redis.call('SRANDMEMBER', 'cr:usercall:' .. ARGV[4])
if not id then return false end
local h = redis.call('HMGET', 'cr:call:' .. id, 'wait', 'waitUntil')
if not h[1] then return false end
local c = load_call(id)
return { id, c[1], c[3], h[1], h[2] }
`),

  /**
   * ARGV: callID, callee, sid, call.incoming payload. The waiting call rings on session sid: if it
   * still waits and sid is still the callee's session, the wait ends and the callee is told.
   * Returns 1, or 0 when it no longer applies.
   */
  ringwaiting: script(`
local id, u, sid = ARGV[4], ARGV[5], ARGV[6]
if redis.call('HGET', 'cr:call:' .. id, 'st') ~= 'ringing' or redis.call('HEXISTS', 'cr:call:' .. id, 'wait') == 0
  or redis.call('HGET', 'cr:user:' .. u, 'sid') ~= sid then
  return 0
end
redis.call('HDEL', 'cr:call:' .. id, 'wait', 'waitUntil')
emit(sid, 'call.incoming', ARGV[7])
return 1
`),

  /** ARGV: callID. {record JSON, meet JSON at invite, meeting facts JSON now or ''} or false. */
  load: script(`
return load_call(ARGV[4])
`),

  /**
   * Compare-and-set of a call (ARGV: callID, state it was decided on, new record JSON, new state,
   * '1' to withdraw the callee's invitation to the meeting or '', the record JSON it was decided
   * on, webhook deliveries (outbox), then notices as triples user, event, payload): if the stored state and record are still
   * the ones loaded (so that a change of another field meanwhile, such as `media`, is not lost),
   * writes the record, frees the parties and the ring timer as the new state says, and appends
   * the notices. Returns 'OK' or 'CONFLICT'.
   */
  commit: script(`
local id, expect, recj, st = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local cur = redis.call('HGET', 'cr:call:' .. id, 'st')
local currec = redis.call('HGET', 'cr:call:' .. id, 'rec')
if not cur then
  -- a record written by the store alone (no state field yet): its state is in the record
  if currec then cur = cjson.decode(currec).state end
end
if cur ~= expect or currec ~= ARGV[9] then return 'CONFLICT' end
redis.call('HSET', 'cr:call:' .. id, 'rec', recj, 'st', st)
local rec = cjson.decode(recj)
-- a callee the call still waited for (--offline-ring) was never told of it, so is told nothing of its end
local untold = false
if redis.call('HEXISTS', 'cr:call:' .. id, 'wait') == 1 then untold = rec.callee end
if st ~= 'ringing' then redis.call('ZREM', 'cr:ring', id); redis.call('HDEL', 'cr:call:' .. id, 'wait', 'waitUntil') end
if st == 'ended' then
  redis.call('SREM', 'cr:open', id)
  redis.call('HDEL', 'cr:orphan', id)
  for _, u in ipairs({ rec.caller, rec.callee }) do redis.call('SREM', 'cr:usercall:' .. u, id) end
  redis.call('SREM', 'cr:mcall:' .. rec.meetingID, id)
end
if ARGV[8] == '1' then redis.call('SREM', 'cr:minv:' .. rec.meetingID, rec.callee) end
outbox(ARGV[10])
tell_from(11, untold)
changed(rec.caller)
changed(rec.callee)
return 'OK'
`),

  /**
   * Compare-and-set of a call record's fields that change no state (ARGV: callID, the record JSON
   * it was decided on, new record JSON): 'OK', or 'CONFLICT' when the record changed meanwhile.
   */
  amend: script(`
local cur = redis.call('HGET', 'cr:call:' .. ARGV[4], 'rec')
if cur ~= ARGV[5] then return 'CONFLICT' end
redis.call('HSET', 'cr:call:' .. ARGV[4], 'rec', ARGV[6])
return 'OK'
`),

  /**
   * Claims ring timers that are due (ARGV: limit, lease ms): each is pushed back by the lease, so
   * that if the claiming node dies before it ends the call, another node claims it after the
   * lease. The commit that ends the call removes the timer. Returns the callIDs.
   */
  due: script(`
local ids = redis.call('ZRANGEBYSCORE', 'cr:ring', '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[4]))
for _, id in ipairs(ids) do redis.call('ZADD', 'cr:ring', NOW + tonumber(ARGV[5]), id) end
return ids
`),

  /**
   * Nodes silent for longer than the node timeout plus their resume grace (`cr:nodegrace`, else
   * ARGV: grace ms): each is claimed by one node (ZREM), and its sessions that no other node has
   * taken over end (ARGV[5]: '' or a JSON object user → the user.offline webhook deliveries, appended
   * for each user who is now offline). Returns {reaped node IDs..., '|', then triples user, callID
   * (or '') of the users now offline, '1' if webhooks are on and none was given for that user (the
   * node appends it after) or ''}.
   */
  reap: script(`
local stale = redis.call('ZRANGEBYSCORE', 'cr:nodes', '-inf', NOW - NODE_TIMEOUT, 'WITHSCORES')
local nodes = {}
for i = 1, #stale, 2 do
  local grace = tonumber(redis.call('HGET', 'cr:nodegrace', stale[i]) or ARGV[4])
  if tonumber(stale[i + 1]) < NOW - NODE_TIMEOUT - grace then nodes[#nodes + 1] = stale[i] end
end
local out, lost = {}, {}
local offline, hooks = {}, ARGV[5] and ARGV[5] ~= ''
if hooks then offline = cjson.decode(ARGV[5]) end
for _, node in ipairs(nodes) do
  redis.call('ZREM', 'cr:nodes', node)
  redis.call('HDEL', 'cr:nodegrace', node)
  out[#out + 1] = node
  for _, sid in ipairs(redis.call('SMEMBERS', 'cr:nodesess:' .. node)) do
    local u = redis.call('HGET', 'cr:sess:' .. sid, 'u')
    if drop_session(sid) then
      outbox(offline[u])
      lost[#lost + 1] = u
      lost[#lost + 1] = redis.call('SRANDMEMBER', 'cr:usercall:' .. u) or ''
      lost[#lost + 1] = (hooks and not offline[u]) and '1' or ''
    end
  end
  redis.call('DEL', 'cr:nodesess:' .. node)
end
out[#out + 1] = '|'
for _, e in ipairs(lost) do out[#out + 1] = e end
return out
`),

  /**
   * Open calls a party of which has no session anywhere (ARGV: grace ms): left by a crash between
   * a session's end and its call's, or by a restart of every node. Each is noted when first seen
   * (`cr:orphan`); seen so for the grace, it is returned as a pair callID, user, to end as lost.
   * A party that has a session again clears the note.
   */
  orphans: script(`
local grace = tonumber(ARGV[4])
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', 'cr:open')) do
  local j = redis.call('HGET', 'cr:call:' .. id, 'rec')
  local gone = false
  if j then
    local r = cjson.decode(j)
    -- a callee the call waits for (--offline-ring) is not connected yet: the ring deadline ends that wait
    local waiting = redis.call('HEXISTS', 'cr:call:' .. id, 'wait') == 1
    for _, u in ipairs({ r.caller, r.callee }) do
      if not gone and not (waiting and u == r.callee) and redis.call('EXISTS', 'cr:user:' .. u) == 0 then gone = u end
    end
  end
  if gone then
    local first = redis.call('HGET', 'cr:orphan', id)
    if not first then redis.call('HSET', 'cr:orphan', id, NOW)
    elseif NOW - tonumber(first) >= grace then out[#out + 1] = id; out[#out + 1] = gone end
  else
    redis.call('HDEL', 'cr:orphan', id)
  end
end
return out
`),

  /**
   * A node starts (ARGV: node ID, its resume grace). Sessions it held in a previous life under the
   * same ID (a restart with --node-id) are handed to a dead stand-in node, so that they are
   * resumable on any node for the grace and then end, as a dead node's do. Returns their count.
   */
  rebirth: script(`
local node, grace = ARGV[4], ARGV[5]
local sids = redis.call('SMEMBERS', 'cr:nodesess:' .. node)
if #sids == 0 then return 0 end
local ghost = node .. '~' .. string.format('%d', NOW)
for _, sid in ipairs(sids) do
  redis.call('HSET', 'cr:sess:' .. sid, 'node', ghost)
  redis.call('SADD', 'cr:nodesess:' .. ghost, sid)
end
redis.call('DEL', 'cr:nodesess:' .. node)
local last = tonumber(redis.call('ZSCORE', 'cr:nodes', node) or NOW)
redis.call('ZADD', 'cr:nodes', math.min(last, NOW - NODE_TIMEOUT - 1), ghost)
redis.call('HSET', 'cr:nodegrace', ghost, grace)
return #sids
`),

  /** ARGV: user IDs (none: every online user). A JSON array of status facts. */
  facts: script(`
local users = {}
if #ARGV > 3 then
  for i = 4, #ARGV do users[#users + 1] = ARGV[i] end
else
  users = redis.call('SMEMBERS', 'cr:online')
end
local parts = {}
for _, u in ipairs(users) do parts[#parts + 1] = J(facts(u)) end
return '[' .. table.concat(parts, ',') .. ']'
`),

  /** ARGV: user, '1' | '0'. */
  dnd: script(`
if ARGV[5] == '1' then redis.call('SADD', 'cr:dnd', ARGV[4]) else redis.call('SREM', 'cr:dnd', ARGV[4]) end
changed(ARGV[4])
return 1
`),

  /** ARGV: meetingID, user ('' for none). Meeting facts JSON, or false. */
  meeting: script(`
local m = meeting_facts(ARGV[4], ARGV[5])
if not m then return false end
return J(m)
`),

  /**
   * ARGV: meetingID, user, sid, nickName. Enters session sid into the meeting if it still exists.
   * Returns {'OK', members JSON, memberCount} or {'MEETING_NOT_FOUND' | 'ALREADY_IN_MEETING'}. A
   * membership of another session of the user (or of this session in another meeting) is left first.
   */
  enter: script(`
local mid, u, sid, nick = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
if redis.call('EXISTS', 'cr:meeting:' .. mid) == 0 then return { 'MEETING_NOT_FOUND' } end
local cur = redis.call('HGET', 'cr:mmem:' .. mid, u)
if cur then
  if cjson.decode(cur).sid == sid then return { 'ALREADY_IN_MEETING' } end
  leave_meeting(mid, u, false)
end
local prev = redis.call('HGET', 'cr:sess:' .. sid, 'meeting')
if prev then leave_meeting(prev, u, sid) end
local others = redis.call('HGETALL', 'cr:mmem:' .. mid)
local list = {}
local joined = '{"meetingID":' .. mid .. ',"member":{"userID":' .. J(u) .. ',"nickName":' .. J(nick) .. '}}'
for i = 1, #others, 2 do
  list[#list + 1] = '{"userID":' .. J(others[i]) .. ',"nickName":' .. J(cjson.decode(others[i + 1]).nick) .. '}'
end
redis.call('HSET', 'cr:mmem:' .. mid, u, J({ sid = sid, nick = nick }))
redis.call('HSET', 'cr:sess:' .. sid, 'meeting', mid)
redis.call('ZREM', 'cr:midle', mid)
redis.call('HSET', 'cr:meeting:' .. mid, 'lastActiveAt', string.format('%d', NOW))
for i = 1, #others, 2 do emit(cjson.decode(others[i + 1]).sid, 'meeting.memberJoined', joined) end
changed(u)
return { 'OK', '[' .. table.concat(list, ',') .. ']', #others / 2 + 1 }
`),

  /** ARGV: meetingID, user, sid, node. 1 if the session was a member, else 0 (also when another node holds the session now). */
  leave: script(`
local at = redis.call('HGET', 'cr:sess:' .. ARGV[6], 'node')
if at and at ~= ARGV[7] then return 0 end
local ok = leave_meeting(ARGV[4], ARGV[5], ARGV[6])
changed(ARGV[5])
if ok then return 1 end
return 0
`),

  /**
   * ARGV: meetingID, idle TTL ms or '' (by the creator: at once). Drops the meeting and tells its
   * members; an expiry finds it used again and leaves it. Returns 'OK', 'MEETING_NOT_FOUND' or 'BUSY'.
   */
  destroy: script(`
local mid, ttl = ARGV[4], ARGV[5]
local last = redis.call('HGET', 'cr:meeting:' .. mid, 'lastActiveAt')
if not last then return 'MEETING_NOT_FOUND' end
if ttl ~= '' and (redis.call('HLEN', 'cr:mmem:' .. mid) > 0 or NOW - tonumber(last) < tonumber(ttl)) then
  redis.call('ZREM', 'cr:midle', mid)
  return 'BUSY'
end
local members = redis.call('HGETALL', 'cr:mmem:' .. mid)
redis.call('SREM', 'cr:mby:' .. (redis.call('HGET', 'cr:meeting:' .. mid, 'creator') or ''), mid)
redis.call('DEL', 'cr:meeting:' .. mid, 'cr:mmem:' .. mid, 'cr:minv:' .. mid)
redis.call('SREM', 'cr:meetings', mid)
redis.call('ZREM', 'cr:midle', mid)
local p = '{"meetingID":' .. mid .. '}'
for i = 1, #members, 2 do
  local sid = cjson.decode(members[i + 1]).sid
  if redis.call('HGET', 'cr:sess:' .. sid, 'meeting') == mid then redis.call('HDEL', 'cr:sess:' .. sid, 'meeting') end
  emit(sid, 'meeting.stopped', p)
  changed(members[i])
end
return 'OK'
`),

  /**
   * ARGV: meetingID, from, sid, to, event name, payload JSON. Sends the event to one other member
   * (a WebRTC signal, data to one member). 'OK', 'NOT_IN_MEETING' or 'NO_TARGET'.
   */
  signal: script(`
local mid, from, sid, to, ev, p = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local me = redis.call('HGET', 'cr:mmem:' .. mid, from)
if not me or cjson.decode(me).sid ~= sid then return 'NOT_IN_MEETING' end
local t = redis.call('HGET', 'cr:mmem:' .. mid, to)
if not t or to == from then return 'NO_TARGET' end
emit(cjson.decode(t).sid, ev, p)
return 'OK'
`),

  /**
   * ARGV: meetingID, from, sid, event name, payload JSON. Sends the event to every other member
   * (a room message, a member's media state, data to everyone). 'OK' or 'NOT_IN_MEETING'.
   */
  broadcast: script(`
local mid, from, sid, ev, p = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local me = redis.call('HGET', 'cr:mmem:' .. mid, from)
if not me or cjson.decode(me).sid ~= sid then return 'NOT_IN_MEETING' end
local all = redis.call('HGETALL', 'cr:mmem:' .. mid)
for i = 1, #all, 2 do
  if all[i] ~= from then emit(cjson.decode(all[i + 1]).sid, ev, p) end
end
return 'OK'
`),
} as const;


