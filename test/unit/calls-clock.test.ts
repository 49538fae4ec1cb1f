/**
 * The Calls service and the session timers on an injected clock: ring timeout, login deadline
 * and token expiry happen when the clock says so, without waiting real time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CallClient } from '../../src/sdk/index.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { RawSocket } from '../helpers/raw.js';
import { WAIT_MS, flush, inbox, startServer, uid, type TestServer } from '../helpers/server.js';

const RING_MS = 30_000;
const LOGIN_MS = 5_000;

describe('calls on a fake clock', () => {
  let ts: TestServer;
  let clock: FakeClock;
  const opened: CallClient[] = [];

  before(async () => {
    clock = new FakeClock(Date.now());
    ts = await startServer({ clock, ringTimeoutMs: RING_MS, limits: { loginTimeoutMs: LOGIN_MS } });
  });
  after(async () => {
    for (const c of opened) c.close();
    await ts.close();
  });

  /** Logs in with a token minted on the fake clock's time. */
  async function login(user: string, ttlSeconds = 3600): Promise<CallClient> {
    const c = new CallClient({ url: ts.url, requestTimeoutMs: WAIT_MS });
    opened.push(c);
    await c.login(await ts.token(user, { ttlSeconds, now: clock.now() }));
    return c;
  }

  async function ringing() {
    const [a, b] = [uid('alice'), uid('bob')];
    const alice = await login(a);
    const bob = await login(b);
    const aliceIn = inbox(alice);
    const bobIn = inbox(bob);
    const meeting = await alice.createMeeting();
    const { callID } = await alice.call(b, meeting);
    await bobIn.take('call.incoming');
    return { a, b, alice, bob, aliceIn, bobIn, callID };
  }

  test('a call still rings one millisecond before the ring timeout', async () => {
    const { a, b, alice, bob, aliceIn, bobIn, callID } = await ringing();
    clock.advance(RING_MS - 1);
    await flush(alice);
    await flush(bob);
    assert.equal(await ts.server.core.calls.isInCall(a), true);
    assert.equal(await ts.server.core.calls.isInCall(b), true);
    assert.deepEqual(aliceIn.unreadOf('call.rejected', 'call.hungup'), []);
    assert.deepEqual(bobIn.unreadOf('call.rejected', 'call.hungup'), []);
    await alice.hangup(callID);
  });

  test('the ring timeout ends the call at exactly ringTimeoutMs: caller gets 604, callee call.hungup', async () => {
    const started = Date.now();
    const { a, b, alice, aliceIn, bobIn, callID } = await ringing();
    const createdAt = clock.now();
    clock.advance(RING_MS);
    assert.equal(await ts.server.core.calls.isInCall(a), false, 'the call ends as soon as the timer fires');
    const rejected = await aliceIn.take('call.rejected');
    assert.deepEqual(rejected, { callID, code: 604, usrExtDat: '' });
    const hungup = await bobIn.take('call.hungup');
    assert.deepEqual(hungup, { callID, usrExtDat: '', reason: 'no_answer' });
    const [rec] = await alice.listCalls({ limit: 1 });
    assert.equal(rec?.callID, callID);
    assert.equal(rec?.outcome, 'no_answer');
    assert.equal(rec?.state, 'ended');
    assert.equal(rec?.createdAt, createdAt);
    assert.equal(rec?.endedAt, createdAt + RING_MS);
    assert.equal(rec?.endedBy, null, 'the server ended it');
    assert.equal(await ts.server.core.calls.isInCall(b), false);
    assert.ok(Date.now() - started < RING_MS, 'no real ring time was waited');
  });

  test('an accepted call is not ended by the ring timer', async () => {
    const { a, alice, bob, aliceIn, bobIn, callID } = await ringing();
    clock.advance(1_000);
    await bob.accept(callID);
    await aliceIn.take('call.accepted');
    clock.advance(RING_MS * 3);
    await flush(alice);
    await flush(bob);
    assert.equal(await ts.server.core.calls.isInCall(a), true);
    assert.deepEqual(aliceIn.unreadOf('call.rejected', 'call.hungup'), []);
    assert.deepEqual(bobIn.unreadOf('call.rejected', 'call.hungup'), []);
    clock.advance(5_000);
    await bob.hangup(callID);
    await aliceIn.take('call.hungup');
    const [rec] = await alice.listCalls({ limit: 1 });
    assert.equal(rec?.outcome, 'completed');
    assert.equal(rec!.answeredAt! - rec!.createdAt, 1_000);
    assert.equal(rec!.endedAt! - rec!.createdAt, 1_000 + RING_MS * 3 + 5_000);
  });

  test('a cancelled call leaves no ring timer behind', async () => {
    const { alice, bob, aliceIn, bobIn, callID } = await ringing();
    const timers = clock.pending;
    await alice.hangup(callID);
    await bobIn.take('call.hungup');
    assert.equal(clock.pending, timers - 1, 'the ring timer was cancelled');
    clock.advance(RING_MS);
    await flush(alice);
    await flush(bob);
    assert.deepEqual(aliceIn.unreadOf('call.rejected'), []);
    assert.deepEqual(bobIn.unreadOf('call.hungup'), []);
  });

  test('calls created in the same millisecond are listed newest first and page without gaps', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    const alice = await login(a);
    const bob = await login(b);
    const bobIn = inbox(bob);
    const meeting = await alice.createMeeting();
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { callID } = await alice.call(b, meeting);
      await bobIn.take('call.incoming');
      await alice.hangup(callID);
      made.push(callID);
    }
    const newestFirst = [...made].reverse();
    assert.deepEqual((await alice.listCalls()).map((c) => c.callID), newestFirst);
    const paged: string[] = [];
    let before: number | undefined;
    for (let page = 0; page < 5; page++) {
      const got = await alice.listCalls({ limit: 1, ...(before !== undefined ? { before } : {}) });
      if (got.length === 0) break;
      paged.push(got[0]!.callID);
      before = got[0]!.createdAt;
    }
    assert.deepEqual(paged, newestFirst, 'paging with before= the last createdAt skips nothing');
    for (const c of await alice.listCalls()) assert.ok(c.endedAt! >= c.createdAt, 'no call ends before it starts');
  });

  test('a socket that does not log in is closed when the login deadline passes on the clock', async () => {
    const raw = await RawSocket.open(ts.url);
    try {
      clock.advance(LOGIN_MS - 1);
      const pong = await raw.request('ping');
      assert.equal(pong.ok, true, 'still open just before the deadline');
      clock.advance(1);
      const closed = await raw.closed;
      assert.equal(closed.code, 4903);
      assert.equal(closed.reason, 'LOGIN_TIMEOUT');
    } finally {
      raw.close();
    }
  });

  test('a session is warned a minute before its token expires and closed with 18 when it does', async () => {
    const user = uid('carol');
    const carol = await login(user, 600);
    const events = inbox(carol);
    const left = carol.user!.tokenExpiresAt! - clock.now();
    assert.ok(left > 60_000 && left <= 600_000, `token has ${left} ms left`);
    clock.advance(left - 60_000);
    const warning = await events.take('session.tokenExpiring');
    assert.equal(warning.expiresAt, carol.user!.tokenExpiresAt);
    clock.advance(60_000 - 1);
    await flush(carol);
    assert.deepEqual(events.unreadOf('closed'), []);
    clock.advance(1);
    const closed = await events.take('closed');
    assert.equal(closed.code, 18);
    assert.equal(closed.name, 'TOKEN_EXPIRED');
    assert.equal(ts.server.core.sessions.isOnline(user), false);
  });

  test('a token renewed with token.update moves the expiry', async () => {
    const user = uid('dave');
    const dave = await login(user, 120);
    const events = inbox(dave);
    const renewed = await dave.updateToken(await ts.token(user, { ttlSeconds: 3600, now: clock.now() }));
    assert.ok(renewed.tokenExpiresAt! > clock.now() + 3_000_000);
    clock.advance(200_000);
    await flush(dave);
    assert.deepEqual(events.unreadOf('closed'), [], 'the old expiry no longer closes the session');
    assert.equal(ts.server.core.sessions.isOnline(user), true);
  });
});
