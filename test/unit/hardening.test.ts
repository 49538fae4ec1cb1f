/**
 * The pieces of issue 12's hardening that can be checked without a server: limits over time with
 * lockout and backoff, timers longer than setTimeout takes, strict user IDs and nicknames, closed
 * signal payloads, bounded session buffers and coalesced status, call-record pruning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRequest } from '../../src/protocol/decode.js';
import { cleanNickName, isUserID } from '../../src/protocol/messages.js';
import { MAX_TIMER_MS, setLongTimeout, type Clock, type TimerHandle } from '../../src/server/clock.js';
import { MemoryLimitStore, type AttemptRule } from '../../src/server/gateway/attempts.js';
import { isCanonicalJws } from '../../src/server/gateway/hs256.js';
import { LiveSession, type Attachment } from '../../src/server/gateway/session.js';
import { SessionRegistry } from '../../src/server/sessions.js';
import { Visibility } from '../../src/server/gateway/visibility.js';
import type { Core } from '../../src/server/core.js';
import { CallRetention } from '../../src/server/retention.js';
import { silentLogger } from '../../src/server/log.js';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { applyCallEvent, newCall } from '../../src/server/rules/machine.js';
import { FakeClock } from '../helpers/fake-clock.js';

const rule: AttemptRule = { max: 3, windowMs: 60_000, lockMs: 60_000, maxLockMs: 3_600_000 };

test('attempts: max failures in the window lock the key; the lockout doubles each time, up to the maximum', () => {
  const clock = new FakeClock();
  const store = new MemoryLimitStore(clock);
  assert.equal(store.blockedFor('k', rule), 0);
  assert.equal(store.fail('k', rule), 0);
  assert.equal(store.fail('k', rule), 0);
  assert.equal(store.fail('k', rule), 60_000, 'the third failure locks for a minute');
  assert.equal(store.blockedFor('k', rule), 60_000);
  assert.equal(store.blockedFor('other', rule), 0, 'other keys are not affected');
  clock.advance(60_000);
  assert.equal(store.blockedFor('k', rule), 0, 'unlocked once the lockout has passed');
  store.fail('k', rule);
  store.fail('k', rule);
  assert.equal(store.fail('k', rule), 120_000, 'the second lockout is twice as long');
  for (let i = 0; i < 10; i++) {
    clock.advance(store.blockedFor('k', rule));
    for (let j = 0; j < 3; j++) store.fail('k', rule);
  }
  assert.equal(store.blockedFor('k', rule), 3_600_000, 'never longer than maxLockMs');
});

test('attempts: failures spread wider than the window never lock; a rule with max 0 is off', () => {
  const clock = new FakeClock();
  const store = new MemoryLimitStore(clock);
  for (let i = 0; i < 20; i++) {
    assert.equal(store.fail('slow', rule), i % 2 === 1 ? 0 : 0);
    clock.advance(i % 2 === 1 ? 60_000 : 1);
  }
  assert.equal(store.blockedFor('slow', rule), 0);
  const off = { ...rule, max: 0 };
  for (let i = 0; i < 100; i++) assert.equal(store.fail('x', off), 0);
});

test('attempts: a shared bucket is not refilled by asking again under the same key, and the key count is bounded', () => {
  const clock = new FakeClock();
  const store = new MemoryLimitStore(clock, 50);
  let ok = 0;
  for (let i = 0; i < 30; i++) if (store.take('user:a', 5, 10)) ok++;
  assert.equal(ok, 10, 'the burst, then nothing');
  clock.advance(1_000);
  ok = 0;
  for (let i = 0; i < 30; i++) if (store.take('user:a', 5, 10)) ok++;
  assert.equal(ok, 5, 'refilled at the sustained rate');
  for (let i = 0; i < 500; i++) store.fail(`addr:${i}`, rule);
  assert.ok(store.size <= 100, `keys held: ${store.size}`);
});

class RecordingClock implements Clock {
  readonly delays: number[] = [];
  private readonly inner = new FakeClock(0);
  now(): number {
    return this.inner.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.delays.push(ms);
    return this.inner.setTimeout(fn, ms);
  }
  advance(ms: number): void {
    this.inner.advance(ms);
  }
}

test('long timers: 30 days are chained from timers Node accepts, and fire after 30 days, not before', () => {
  const clock = new RecordingClock();
  const thirtyDays = 30 * 86_400_000;
  let fired = 0;
  setLongTimeout(clock, () => fired++, thirtyDays);
  clock.advance(thirtyDays - 1);
  assert.equal(fired, 0, 'not a millisecond early');
  clock.advance(1);
  assert.equal(fired, 1);
  assert.ok(clock.delays.length >= 2, 'chained');
  assert.ok(clock.delays.every((d) => d <= MAX_TIMER_MS), `every delay fits setTimeout: ${clock.delays.join(', ')}`);
  const c2 = new RecordingClock();
  const h = setLongTimeout(c2, () => fired++, thirtyDays);
  c2.advance(MAX_TIMER_MS + 10);
  h.cancel();
  c2.advance(thirtyDays);
  assert.equal(fired, 1, 'a cancelled chain does not fire');
});

test('user IDs: strings only, with no control, bidi, zero-width or separator characters; nicknames are cleaned', () => {
  for (const ok of ['alice', 'Zoë', '用户', 'a b', 'x'.repeat(128)]) assert.equal(isUserID(ok), true, ok);
  for (const bad of [12345, ['arr'], null, '', 'x'.repeat(129), 'al\u200bice', 'ali\u202ece', 'a\u2066b', 'a\u0000', 'a\u0085', 'a\ufeff', 'a\u2028b', 'a\u00adb', 'a\u061cb']) {
    assert.equal(isUserID(bad), false, JSON.stringify(bad));
  }
  assert.equal(cleanNickName('Al\u202eice\u200b\u0007'), 'Alice');
  const d = decodeRequest(JSON.stringify({ id: 1, op: 'login', token: 't', nickName: 'Bob\u202e' }));
  assert.equal(d.ok, false, 'a nickname with a bidi override is refused at the edge');
  const callee = decodeRequest(JSON.stringify({ id: 1, op: 'call.invite', callID: 'c', callee: 'b\u200bob', meetingID: 1 }));
  assert.equal(callee.ok, false, 'a user ID with a zero-width space is refused at the edge');
});

test('signal payloads are closed: an extra property, however nested, is BAD_ARGUMENT', () => {
  const deep = '['.repeat(5000) + ']'.repeat(5000);
  const frames = ['{"type":"offer","sdp":"v=0","extra":' + deep + '}', '{"candidate":"candidate:1","sdpMid":"0","x":1}'];
  for (const payload of frames) {
    const d = decodeRequest(`{"id":1,"op":"meeting.signal","meetingID":1,"to":"bob","kind":"offer","payload":${payload}}`);
    assert.equal(d.ok, false);
    if (!d.ok) assert.equal(d.error, 'BAD_ARGUMENT');
  }
  const good = decodeRequest(JSON.stringify({ id: 1, op: 'meeting.signal', meetingID: 1, to: 'bob', kind: 'offer', payload: { type: 'offer', sdp: 'v=0' } }));
  assert.equal(good.ok, true);
});

test('JWS segments must be canonical base64url', () => {
  const sig = Buffer.alloc(32, 7).toString('base64url');
  assert.equal(isCanonicalJws(`eyJhIjoxfQ.eyJiIjoyfQ.${sig}`), true);
  const last = sig.at(-1)!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const twin = alphabet[alphabet.indexOf(last) ^ 1]!;
  const nonCanonical = sig.slice(0, -1) + twin;
  assert.deepEqual(Buffer.from(nonCanonical, 'base64url'), Buffer.from(sig, 'base64url'), 'same bytes');
  assert.equal(isCanonicalJws(`eyJhIjoxfQ.eyJiIjoyfQ.${nonCanonical}`), false);
  assert.equal(isCanonicalJws(`eyJhIjoxfQ.eyJiIjoyfQ.${sig}=`), false);
});

/** A session on a stub core, with a connection whose backlog the test sets. */
function sessionRig(limits: { maxQueuedBytes: number }) {
  const clock = new FakeClock();
  const sent: string[] = [];
  const conn: Attachment & { bufferedAmount: number } = {
    bufferedAmount: 0,
    sendText: (t) => void sent.push(t),
    closeSocket: () => {},
    detachSession: () => {},
  };
  const core = { clock, limits, visibility: new Visibility('all', { listCalls: async () => [] }), log: silentLogger, sessions: new SessionRegistry() } as unknown as Core;
  const s = new LiveSession(core, conn, 'sub', 'Sub');
  return { clock, sent, conn, s };
}

test('session: user.status is coalesced to the latest per user while the socket is backed up', () => {
  const { clock, sent, conn, s } = sessionRig({ maxQueuedBytes: 1 << 20 });
  s.send('user.status', { userID: 'a', status: 1, dnd: false });
  assert.equal(sent.length, 1, 'sent at once to a client that keeps up');
  conn.bufferedAmount = 1 << 20;
  for (let i = 0; i < 1000; i++) {
    s.send('user.status', { userID: 'a', status: 1, dnd: i % 2 === 0 });
    s.send('user.status', { userID: 'b', status: 2, dnd: false });
  }
  clock.advance(1_000);
  assert.equal(sent.length, 1, 'nothing more while backed up');
  conn.bufferedAmount = 0;
  clock.advance(1_000);
  const after = sent.slice(1).map((f) => JSON.parse(f) as { userID: string; dnd: boolean; seq: number });
  assert.deepEqual(after.map((f) => [f.userID, f.dnd]), [['a', false], ['b', false]], 'one event per user, the latest state');
  assert.deepEqual(after.map((f) => f.seq), [2, 3], 'numbered with no gap');
});

test('session: unacknowledged events are kept up to the byte cap, and a payload that cannot be encoded uses no seq', () => {
  const { sent, s } = sessionRig({ maxQueuedBytes: 100_000 });
  const text = 'x'.repeat(4000);
  for (let i = 0; i < 200; i++) s.send('meeting.message', { meetingID: 1, from: 'a', nickName: 'A', text, ts: i });
  assert.equal(s.canResumeFrom(0), false, 'the oldest were dropped: 800 KB does not fit in 100 KB');
  assert.equal(s.canResumeFrom(190), true, 'the newest are kept');
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => s.send('meeting.signal', { meetingID: 1, from: 'a', kind: 'offer', payload: cyclic as never }));
  s.send('meeting.stopped', { meetingID: 1 });
  const last = JSON.parse(sent.at(-1)!) as { seq: number };
  assert.equal(last.seq, 201, 'the failed event consumed no seq');
});

test('call retention: ended records older than the period are pruned; newer and open ones stay', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'callroom-prune-'));
  const store = new SqliteStore(join(dir, 'callroom.db'));
  try {
    const day = 86_400_000;
    const now = 1_800_000_000_000;
    const old = applyCallEvent(newCall('old', 'a', 'b', 1, now - 40 * day), 'cancel', now - 40 * day + 5, 'a');
    await store.insertCall(old);
    await store.insertCall(newCall('old-open', 'c', 'd', 1, now - 40 * day));
    const recent = applyCallEvent(newCall('recent', 'a', 'b', 1, now - day), 'cancel', now - day + 5, 'a');
    await store.insertCall(recent);
    const clock = new FakeClock(now);
    const retention = new CallRetention(store, clock, silentLogger, 30 * day);
    assert.equal(await retention.prune(), 1);
    retention.stop();
    const left = (await store.listCalls({ limit: 10 })).map((c) => c.callID).sort();
    assert.deepEqual(left, ['old-open', 'recent']);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
