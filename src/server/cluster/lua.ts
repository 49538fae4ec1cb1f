/**
 * The Lua scripts that change shared state in cluster mode. Each runs atomically in Redis, so
 * two nodes acting on one call at once (accept against cancel, accept against the ring timeout)
 * are serialised there: the first script applies its transition, the second finds the call no
 * longer in a state where its event applies and fails with CALL_NOT_FOUND (600) — exactly one
 * outcome. The call transitions use the table of calls/machine.ts (TRANSITIONS), embedded as JSON.
 *
 * Notifications are PUBLISHed from inside the same script that makes the change. Redis delivers a
 * channel's messages in publish order, so a party's events arrive in the order the changes were
 * made (an invite's call.incoming can never overtake the cancel's call.hungup) and each change
 * notifies exactly once. Events for a user whose node is dead (heartbeat stale) go to a mailbox
 * list the node that takes the user over hands out at login.
 *
 * Every script gets ARGV[1] now (ms), ARGV[2] node timeout (ms), ARGV[3] mailbox TTL (ms),
 * ARGV[4] public URL base (for meeting links); its own arguments start at ARGV[5].
 * Keys are built in the scripts (prefix `cr:`): this needs a single Redis (or a primary with
 * replicas / Sentinel), not Redis Cluster's key slots.
 */
import { TRANSITIONS } from '../calls/machine.js';

const PRELUDE = `
local NOW = tonumber(ARGV[1])
local NODE_TIMEOUT = tonumber(ARGV[2])
local MBOX_TTL = tonumber(ARGV[3])
local BASE = ARGV[4]
local T = cjson.decode(${JSON.stringify(JSON.stringify(TRANSITIONS))})
local J = cjson.encode

local function node_alive(node)
  local hb = redis.call('ZSCORE', 'cr:nodes', node)
  return hb and tonumber(hb) >= NOW - NODE_TIMEOUT
end

-- Sends event ev (payload p, a JSON text) to user u on node; sid: only to that session.
local function send(node, u, sid, ev, p)
  if not node_alive(node) then
    if sid then return end
    redis.call('RPUSH', 'cr:mbox:' .. u, '{"ev":' .. J(ev) .. ',"p":' .. p .. '}')
    redis.call('PEXPIRE', 'cr:mbox:' .. u, MBOX_TTL)
    return
  end
  local s = ''
  if sid then s = ',"sid":' .. J(sid) end
  redis.call('PUBLISH', 'cr:ch:' .. node, '{"t":"ev","u":' .. J(u) .. s .. ',"ev":' .. J(ev) .. ',"p":' .. p .. '}')
end

-- Tells user u, on whatever node holds their session; nobody if they are not online.
local function tell(u, ev, p)
  local node = redis.call('HGET', 'cr:user:' .. u, 'node')
  if node then send(node, u, false, ev, p) end
end

local function status_of(u)
  local dnd = redis.call('SISMEMBER', 'cr:dnd', u) == 1
  local st = 0
  local e = redis.call('HMGET', 'cr:user:' .. u, 'node', 'meeting')
  if e[1] then
    if redis.call('EXISTS', 'cr:usercall:' .. u) == 1 then st = 2
    elseif e[2] then st = 3
    else st = 1 end
  end
  return st, dnd
end

local function status_json(u)
  local st, dnd = status_of(u)
  return '{"userID":' .. J(u) .. ',"status":' .. st .. ',"dnd":' .. tostring(dnd) .. '}', st, dnd
end

-- Recomputes u's status; when it differs from what was last announced, broadcasts it.
-- The last-announced value is shared, so exactly one announcement goes out per change.
local function refresh(u)
  local js, st, dnd = status_json(u)
  local key = st .. ':' .. (dnd and 1 or 0)
  local prev = redis.call('HGET', 'cr:laststatus', u) or '0:0'
  if prev == key then return end
  if key == '0:0' then redis.call('HDEL', 'cr:laststatus', u) else redis.call('HSET', 'cr:laststatus', u, key) end
  redis.call('PUBLISH', 'cr:ch:all', '{"t":"status","st":' .. js .. '}')
end

local function meet_info(mid)
  local h = redis.call('HMGET', 'cr:meeting:' .. mid, 'pswd', 'subject', 'creator', 'createdAt')
  if not h[1] then return nil end
  return '{"ID":' .. mid .. ',"pswd":' .. J(h[1]) .. ',"subject":' .. J(h[2]) .. ',"pubMeetUrl":' ..
    J(BASE .. '/?meeting=' .. mid) .. ',"creator":' .. J(h[3]) .. ',"memberCount":' ..
    redis.call('HLEN', 'cr:mmem:' .. mid) .. ',"startTime":' .. string.format('%d', math.floor(tonumber(h[4]) / 1000)) .. '}'
end

-- nil when u may use meeting mid; else the error name.
local function authorize(mid, u, pswd)
  local h = redis.call('HMGET', 'cr:meeting:' .. mid, 'creator', 'pswd')
  if not h[1] then return 'MEETING_NOT_FOUND' end
  if h[1] == u or redis.call('SISMEMBER', 'cr:minv:' .. mid, u) == 1 then return nil end
  if pswd == '' then return 'MEETING_NOT_FOUND' end
  if pswd ~= h[2] then return 'WRONG_PASSWORD' end
  return nil
end

-- Removes u's membership of mid (only session sid's, if sid) and tells the other members.
local function leave_meeting(mid, u, sid)
  local cur = redis.call('HGET', 'cr:mmem:' .. mid, u)
  if not cur then return false end
  local m = cjson.decode(cur)
  if sid and m.sid ~= sid then return false end
  redis.call('HDEL', 'cr:mmem:' .. mid, u)
  local e = redis.call('HMGET', 'cr:user:' .. u, 'sid', 'meeting')
  if e[1] == m.sid and e[2] == tostring(mid) then redis.call('HDEL', 'cr:user:' .. u, 'meeting') end
  local p = '{"meetingID":' .. mid .. ',"userID":' .. J(u) .. '}'
  local rest = redis.call('HGETALL', 'cr:mmem:' .. mid)
  for i = 1, #rest, 2 do
    local o = cjson.decode(rest[i + 1])
    send(o.node, rest[i], o.sid, 'meeting.memberLeft', p)
  end
  if redis.call('EXISTS', 'cr:meeting:' .. mid) == 1 then
    redis.call('HSET', 'cr:meeting:' .. mid, 'lastActiveAt', string.format('%d', NOW))
    if #rest == 0 then redis.call('ZADD', 'cr:midle', NOW, mid) end
  end
  return true
end

local function load_call(id)
  local j = redis.call('HGET', 'cr:call:' .. id, 'rec')
  if not j then return nil end
  return cjson.decode(j)
end

-- The transition table applied to a record; nil when the event does not apply (illegal).
local function apply(rec, event, by)
  local t = T[rec.state] and T[rec.state][event]
  if not t then return nil end
  rec.state = t.to
  if t.to == 'active' then rec.answeredAt = NOW end
  if t.to == 'ended' then
    rec.endedAt = NOW
    rec.outcome = t.outcome or cjson.null
    rec.endedBy = by or cjson.null
  end
  return rec
end

local function save_call(rec)
  redis.call('HSET', 'cr:call:' .. rec.callID, 'rec', J(rec))
  if rec.state ~= 'ringing' then redis.call('ZREM', 'cr:ring', rec.callID) end
  if rec.state == 'ended' then
    redis.call('SREM', 'cr:open', rec.callID)
    for _, u in ipairs({ rec.caller, rec.callee }) do
      if redis.call('GET', 'cr:usercall:' .. u) == rec.callID then redis.call('DEL', 'cr:usercall:' .. u) end
    end
  end
  refresh(rec.caller)
  refresh(rec.callee)
end

-- u is gone: their open call ends as lost, the other party told by the contract.
local function end_lost(u)
  local id = redis.call('GET', 'cr:usercall:' .. u)
  if not id then return nil end
  local rec = load_call(id)
  if not rec then
    redis.call('DEL', 'cr:usercall:' .. u)
    return nil
  end
  local was = rec.state
  if not apply(rec, 'lost', u) then return nil end
  save_call(rec)
  if was == 'ringing' and u == rec.callee then
    tell(rec.caller, 'call.rejected', '{"callID":' .. J(id) .. ',"code":603,"usrExtDat":""}')
  else
    local other = rec.callee
    if u == rec.callee then other = rec.caller end
    tell(other, 'call.hungup', '{"callID":' .. J(id) .. ',"usrExtDat":"","reason":"lost"}')
  end
  return J(rec)
end

-- u's directory entry goes (their session ended); membership of their meeting too.
local function drop_user(u, node)
  local e = redis.call('HMGET', 'cr:user:' .. u, 'node', 'sid', 'meeting')
  if e[1] ~= node then return false end
  if e[3] then leave_meeting(e[3], u, e[2]) end
  redis.call('DEL', 'cr:user:' .. u)
  redis.call('SREM', 'cr:online', u)
  redis.call('SREM', 'cr:nodeusers:' .. node, u)
  return true
end
`;

function script(body: string): string {
  return `${PRELUDE}\n${body}`;
}

export const SCRIPTS = {
  /**
   * A session logs in (ARGV: user, node, sessionID, nickName, resumeSessionID or '').
   * An older session on another live node is kicked; unless the client is resuming that very
   * session, its call ends as lost first (what a kick does on one node). An older session on a
   * dead node is taken over: its call carries on (as after a restart). Returns
   * {ended call JSON or '', mailbox entries...}.
   */
  claim: script(`
local u, node, sid, nick, rsid = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local old = redis.call('HMGET', 'cr:user:' .. u, 'node', 'sid', 'meeting')
local ended = ''
if old[1] and old[1] ~= node then
  redis.call('SREM', 'cr:nodeusers:' .. old[1], u)
  if node_alive(old[1]) then
    if old[2] ~= rsid then ended = end_lost(u) or '' end
    redis.call('PUBLISH', 'cr:ch:' .. old[1], '{"t":"kick","u":' .. J(u) .. ',"sid":' .. J(old[2]) .. '}')
  elseif old[3] then
    leave_meeting(old[3], u, old[2])
  end
end
redis.call('DEL', 'cr:user:' .. u)
redis.call('HSET', 'cr:user:' .. u, 'node', node, 'sid', sid, 'nick', nick)
redis.call('SADD', 'cr:nodeusers:' .. node, u)
redis.call('SADD', 'cr:online', u)
local out = { ended }
local box = redis.call('LRANGE', 'cr:mbox:' .. u, 0, -1)
redis.call('DEL', 'cr:mbox:' .. u)
for _, m in ipairs(box) do out[#out + 1] = m end
refresh(u)
return out
`),

  /** Session ended (ARGV: user, node, sessionID): forget it if it is still the user's entry. */
  release: script(`
local u, node, sid = ARGV[5], ARGV[6], ARGV[7]
if redis.call('HGET', 'cr:user:' .. u, 'sid') ~= sid then return 0 end
drop_user(u, node)
return 1
`),

  /**
   * A session of the user ended on this node (ARGV: user, node). When the user's entry now points
   * to another node, the login there already decided the call (kick: ended; resume: carries on),
   * so nothing is done here. Returns the ended call JSON or ''.
   */
  gone: script(`
local u, node = ARGV[5], ARGV[6]
local at = redis.call('HGET', 'cr:user:' .. u, 'node')
if at and at ~= node then return '' end
return end_lost(u) or ''
`),

  /**
   * ARGV: callID, caller, callerNick, callee, meetingID, pswd, ringDeadline, usrExtDat, record JSON.
   * Checks in the order of the contract and, if all pass, creates the ringing call, reserves both
   * parties, arms the ring timer (a sorted set every node polls) and tells the callee — at once.
   * Returns {'OK', meetInfo} or {errorName}.
   */
  invite: script(`
local id, caller, nick, callee, mid, pswd, deadline, x, recj = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12], ARGV[13]
if redis.call('EXISTS', 'cr:call:' .. id) == 1 then return { 'DUPLICATE' } end
local err = authorize(mid, caller, pswd)
if err then return { err } end
if redis.call('EXISTS', 'cr:usercall:' .. caller) == 1 then return { 'ALREADY_IN_CALL' } end
if redis.call('EXISTS', 'cr:user:' .. callee) == 0 then return { 'PEER_OFFLINE' } end
if redis.call('SISMEMBER', 'cr:dnd', callee) == 1 or redis.call('EXISTS', 'cr:usercall:' .. callee) == 1 then return { 'PEER_BUSY' } end
local rec = cjson.decode(recj)
rec.createdAt = NOW
redis.call('SADD', 'cr:minv:' .. mid, callee)
local mi = meet_info(mid)
redis.call('HSET', 'cr:call:' .. id, 'rec', J(rec), 'meet', mi)
redis.call('SET', 'cr:usercall:' .. caller, id)
redis.call('SET', 'cr:usercall:' .. callee, id)
redis.call('ZADD', 'cr:ring', deadline, id)
redis.call('SADD', 'cr:open', id)
redis.call('ZADD', 'cr:calls:all', NOW, id)
redis.call('ZADD', 'cr:calls:u:' .. caller, NOW, id)
redis.call('ZADD', 'cr:calls:u:' .. callee, NOW, id)
refresh(caller)
refresh(callee)
tell(callee, 'call.incoming', '{"callID":' .. J(id) .. ',"caller":{"userID":' .. J(caller) .. ',"nickName":' .. J(nick) ..
  '},"meeting":' .. mi .. ',"usrExtDat":' .. J(x) .. '}')
return { 'OK', mi }
`),

  /**
   * A party acts on a call (ARGV: callID, user, op accept|reject|hangup, usrExtDat). hangup while
   * ringing is a cancel from the caller and a reject from the callee, as on one node.
   * Returns {'OK', event, record JSON, meetInfo at invite, meetInfo now} or {'CALL_NOT_FOUND'}.
   */
  act: script(`
local id, actor, op, x = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local rec = load_call(id)
if not rec then return { 'CALL_NOT_FOUND' } end
local ev
if op == 'accept' or op == 'reject' then
  if rec.callee ~= actor then return { 'CALL_NOT_FOUND' } end
  ev = op
else
  if rec.caller ~= actor and rec.callee ~= actor then return { 'CALL_NOT_FOUND' } end
  if rec.state == 'ringing' then
    if actor == rec.callee then ev = 'reject' else ev = 'cancel' end
  else
    ev = 'hangup'
  end
end
if not apply(rec, ev, actor) then return { 'CALL_NOT_FOUND' } end
save_call(rec)
local at_invite = redis.call('HGET', 'cr:call:' .. id, 'meet')
local now_info = meet_info(rec.meetingID) or at_invite
local idj, xj = J(id), J(x)
if ev == 'accept' then
  tell(rec.caller, 'call.accepted', '{"callID":' .. idj .. ',"meeting":' .. now_info .. ',"usrExtDat":' .. xj .. '}')
elseif ev == 'reject' then
  tell(rec.caller, 'call.rejected', '{"callID":' .. idj .. ',"code":606,"usrExtDat":' .. xj .. '}')
elseif ev == 'cancel' then
  tell(rec.callee, 'call.hungup', '{"callID":' .. idj .. ',"usrExtDat":' .. xj .. ',"reason":"cancelled"}')
else
  local other = rec.caller
  if actor == rec.caller then other = rec.callee end
  tell(other, 'call.hungup', '{"callID":' .. idj .. ',"usrExtDat":' .. xj .. ',"reason":"hangup"}')
end
return { 'OK', ev, J(rec), at_invite }
`),

  /** userGone when the session ended on this node (see gone). */
  /**
   * Ring timers that are due (ARGV: limit). Whichever node runs this first claims each timer (ZREM
   * inside the script); a call already answered or ended is left alone. Returns ended records.
   */
  due: script(`
local ids = redis.call('ZRANGEBYSCORE', 'cr:ring', '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[5]))
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', 'cr:ring', id)
  local rec = load_call(id)
  if rec and apply(rec, 'timeout', nil) then
    save_call(rec)
    local idj = J(id)
    tell(rec.caller, 'call.rejected', '{"callID":' .. idj .. ',"code":604,"usrExtDat":""}')
    tell(rec.callee, 'call.hungup', '{"callID":' .. idj .. ',"usrExtDat":"","reason":"no_answer"}')
    out[#out + 1] = J(rec)
  end
end
return out
`),

  /**
   * Nodes silent for longer than the node timeout plus their resume grace (`cr:nodegrace`, else
   * ARGV: grace ms): each is
   * claimed by one node (ZREM), and its users that no other node has taken over are gone — their
   * meetings left and calls ended by the contract. Returns {reaped node IDs..., '|', ended records...}.
   */
  reap: script(`
local stale = redis.call('ZRANGEBYSCORE', 'cr:nodes', '-inf', NOW - NODE_TIMEOUT, 'WITHSCORES')
local nodes = {}
for i = 1, #stale, 2 do
  -- the dead node's own resume grace (its sessions were held under it), else this node's
  local grace = tonumber(redis.call('HGET', 'cr:nodegrace', stale[i]) or ARGV[5])
  if tonumber(stale[i + 1]) < NOW - NODE_TIMEOUT - grace then nodes[#nodes + 1] = stale[i] end
end
local out, ended = {}, {}
for _, node in ipairs(nodes) do
  redis.call('ZREM', 'cr:nodes', node)
  redis.call('HDEL', 'cr:nodegrace', node)
  out[#out + 1] = node
  for _, u in ipairs(redis.call('SMEMBERS', 'cr:nodeusers:' .. node)) do
    if drop_user(u, node) then
      local e = end_lost(u)
      if e then ended[#ended + 1] = e end
      refresh(u)
    end
  end
  redis.call('DEL', 'cr:nodeusers:' .. node)
end
out[#out + 1] = '|'
for _, e in ipairs(ended) do out[#out + 1] = e end
return out
`),

  /** ARGV: user IDs (none: every online user). Returns a JSON array of statuses. */
  statuses: script(`
local users = {}
if #ARGV > 4 then
  for i = 5, #ARGV do users[#users + 1] = ARGV[i] end
else
  users = redis.call('SMEMBERS', 'cr:online')
end
local parts = {}
for _, u in ipairs(users) do parts[#parts + 1] = (status_json(u)) end
return '[' .. table.concat(parts, ',') .. ']'
`),

  /** ARGV: user. */
  refresh: script(`
refresh(ARGV[5])
return 1
`),

  /** ARGV: user, '1' | '0'. */
  dnd: script(`
if ARGV[6] == '1' then redis.call('SADD', 'cr:dnd', ARGV[5]) else redis.call('SREM', 'cr:dnd', ARGV[5]) end
refresh(ARGV[5])
return 1
`),

  /** ARGV: meetingID, user, pswd. Returns {'OK', meetInfo} or {errorName}. */
  mauth: script(`
local err = authorize(ARGV[5], ARGV[6], ARGV[7])
if err then return { err } end
return { 'OK', meet_info(ARGV[5]) }
`),

  /** ARGV: meetingID. Returns meetInfo or false. */
  minfo: script(`
return meet_info(ARGV[5]) or false
`),

  /**
   * ARGV: meetingID, user, sessionID, node, nickName, pswd. Returns {'OK', meetInfo, members JSON}
   * or {errorName}. A membership of an older session of the user is replaced (memberLeft first).
   */
  enter: script(`
local mid, u, sid, node, nick, pswd = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local err = authorize(mid, u, pswd)
if err then return { err } end
local cur = redis.call('HGET', 'cr:mmem:' .. mid, u)
if cur then
  if cjson.decode(cur).sid == sid then return { 'ALREADY_IN_MEETING' } end
  leave_meeting(mid, u, false)
end
local others = redis.call('HGETALL', 'cr:mmem:' .. mid)
local list = {}
local joined = '{"meetingID":' .. mid .. ',"member":{"userID":' .. J(u) .. ',"nickName":' .. J(nick) .. '}}'
for i = 1, #others, 2 do
  local o = cjson.decode(others[i + 1])
  list[#list + 1] = '{"userID":' .. J(others[i]) .. ',"nickName":' .. J(o.nick) .. '}'
end
redis.call('HSET', 'cr:mmem:' .. mid, u, J({ sid = sid, node = node, nick = nick }))
if redis.call('HGET', 'cr:user:' .. u, 'sid') == sid then redis.call('HSET', 'cr:user:' .. u, 'meeting', mid) end
redis.call('ZREM', 'cr:midle', mid)
redis.call('HSET', 'cr:meeting:' .. mid, 'lastActiveAt', string.format('%d', NOW))
for i = 1, #others, 2 do
  local o = cjson.decode(others[i + 1])
  send(o.node, others[i], o.sid, 'meeting.memberJoined', joined)
end
refresh(u)
return { 'OK', meet_info(mid), '[' .. table.concat(list, ',') .. ']' }
`),

  /** ARGV: meetingID, user, sessionID. */
  leave: script(`
local ok = leave_meeting(ARGV[5], ARGV[6], ARGV[7])
refresh(ARGV[6])
if ok then return 1 end
return 0
`),

  /** ARGV: meetingID, user (creator) or '' (expiry: only if still idle past ARGV[7] ms). */
  destroy: script(`
local mid, u = ARGV[5], ARGV[6]
local h = redis.call('HMGET', 'cr:meeting:' .. mid, 'creator', 'lastActiveAt')
if not h[1] then return 'MEETING_NOT_FOUND' end
if u ~= '' and h[1] ~= u then return 'MEETING_NOT_FOUND' end
if u == '' and (redis.call('HLEN', 'cr:mmem:' .. mid) > 0 or NOW - tonumber(h[2]) < tonumber(ARGV[7])) then
  redis.call('ZREM', 'cr:midle', mid)
  return 'BUSY'
end
local members = redis.call('HGETALL', 'cr:mmem:' .. mid)
redis.call('DEL', 'cr:meeting:' .. mid, 'cr:mmem:' .. mid, 'cr:minv:' .. mid)
redis.call('SREM', 'cr:meetings', mid)
redis.call('ZREM', 'cr:midle', mid)
local p = '{"meetingID":' .. mid .. '}'
for i = 1, #members, 2 do
  local o = cjson.decode(members[i + 1])
  local e = redis.call('HMGET', 'cr:user:' .. members[i], 'sid', 'meeting')
  if e[1] == o.sid and e[2] == mid then redis.call('HDEL', 'cr:user:' .. members[i], 'meeting') end
  send(o.node, members[i], o.sid, 'meeting.stopped', p)
  refresh(members[i])
end
return 'OK'
`),

  /** ARGV: meetingID, from, sessionID, to, event payload JSON. */
  signal: script(`
local mid, from, sid, to, p = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local me = redis.call('HGET', 'cr:mmem:' .. mid, from)
if not me or cjson.decode(me).sid ~= sid then return 'NOT_IN_MEETING' end
local t = redis.call('HGET', 'cr:mmem:' .. mid, to)
if not t or to == from then return 'NO_TARGET' end
local o = cjson.decode(t)
send(o.node, to, o.sid, 'meeting.signal', p)
return 'OK'
`),

  /** ARGV: meetingID, from, sessionID, event payload JSON. */
  message: script(`
local mid, from, sid, p = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local me = redis.call('HGET', 'cr:mmem:' .. mid, from)
if not me or cjson.decode(me).sid ~= sid then return 'NOT_IN_MEETING' end
local all = redis.call('HGETALL', 'cr:mmem:' .. mid)
for i = 1, #all, 2 do
  if all[i] ~= from then
    local o = cjson.decode(all[i + 1])
    send(o.node, all[i], o.sid, 'meeting.message', p)
  end
end
return 'OK'
`),

  /** ARGV: meetingID, from, sessionID, event payload JSON. Relays meeting.media as message relays meeting.message. */
  media: script(`
local mid, from, sid, p = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local me = redis.call('HGET', 'cr:mmem:' .. mid, from)
if not me or cjson.decode(me).sid ~= sid then return 'NOT_IN_MEETING' end
local all = redis.call('HGETALL', 'cr:mmem:' .. mid)
for i = 1, #all, 2 do
  if all[i] ~= from then
    local o = cjson.decode(all[i + 1])
    send(o.node, all[i], o.sid, 'meeting.media', p)
  end
end
return 'OK'
`),
} as const;

export type ScriptName = keyof typeof SCRIPTS;
