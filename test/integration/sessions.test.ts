/**
 * Sessions: one per user (a new login kicks the older one with 10), token expiry (18) and
 * invalid tokens (21), the compatible app login (7), logout.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CallClient } from '../../src/sdk/index.js';
import { Auth } from '../../src/server/gateway/auth.js';
import { API, WAIT_MS, flush, inbox, rejectsWith, socketClosed, startServer, uid, type TestServer } from '../helpers/server.js';

describe('sessions', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });

  test('a second login of the same user kicks the first: it gets closed with 10, the second works', async () => {
    const user = uid('alice');
    const first = await ts.client(user);
    const firstIn = inbox(first);
    const second = await ts.client(user);
    const closed = await firstIn.take('closed');
    assert.equal(closed.code, 10);
    assert.equal(closed.name, 'KICKED');
    const closing = await firstIn.take('session.closing');
    assert.equal(closing.code, 10);
    assert.equal(first.user, null);
    await socketClosed(first);
    await rejectsWith(first.createMeeting(), 204);
    assert.ok(await second.createMeeting());
    assert.equal(ts.server.core.sessions.isOnline(user), true);
    await flush(second);
    assert.equal(firstIn.log.filter((e) => e.name === 'closed').length, 1, "'closed' is emitted once");
  });

  test('the kicked session reaches the new session: calls go to the newest login', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    const alice = await ts.client(a);
    await ts.client(b);
    const bob2 = await ts.client(b);
    const bob2In = inbox(bob2);
    const m = await alice.createMeeting();
    const { callID } = await alice.call(b, m);
    assert.equal((await bob2In.take('call.incoming')).callID, callID);
    await alice.hangup(callID);
  });

  test('a kick ends the call the old session carried; the other party is told once', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    const alice = await ts.client(a);
    const aliceIn = inbox(alice);
    const bob = await ts.client(b);
    const bobIn = inbox(bob);
    const m = await alice.createMeeting();
    const { callID } = await alice.call(b, m);
    await bobIn.take('call.incoming');
    await bob.accept(callID);
    await aliceIn.take('call.accepted');
    await ts.client(b);
    assert.deepEqual(await aliceIn.take('call.hungup'), { callID, usrExtDat: '', reason: 'lost' });
    const [rec] = await alice.listCalls({ limit: 1 });
    assert.equal(rec?.outcome, 'lost');
    await flush(alice);
    assert.deepEqual(aliceIn.unreadOf('call.hungup', 'call.rejected'), []);
  });

  test('a session whose token expires is closed with 18', async () => {
    const user = uid('carol');
    const c = new CallClient({ url: ts.url, requestTimeoutMs: WAIT_MS });
    const events = inbox(c);
    try {
      const r = await c.login(await ts.token(user, { ttlSeconds: 3 }));
      assert.ok(r.tokenExpiresAt !== null && r.tokenExpiresAt - Date.now() <= 3_000);
      const closed = await events.take('closed', WAIT_MS + 2_000);
      assert.equal(closed.code, 18);
      assert.equal(closed.name, 'TOKEN_EXPIRED');
      assert.ok(Date.now() >= r.tokenExpiresAt! - 50, 'not closed before the token expired');
      assert.equal(ts.server.core.sessions.isOnline(user), false);
    } finally {
      c.close();
    }
  });

  test('logging in with an expired token fails with 18', async () => {
    const c = await ts.connect();
    const expired = await ts.token(uid('dave'), { ttlSeconds: 1, now: Date.now() - 60_000 });
    await rejectsWith(c.login(expired), 18);
    assert.equal(c.user, null);
  });

  test('logging in with a token signed by another secret fails with 21', async () => {
    const c = await ts.connect();
    const forged = await new Auth({ apiKey: API.apiKey, apiSecret: 'not-the-server-secret-0123456789abcd' }).mint(uid('eve'));
    await rejectsWith(c.login(forged), 21);
    await rejectsWith(c.login('garbage'), 21);
  });

  test('the compatible login takes the app ID and the MD5 of the app secret; anything else is 7', async () => {
    const user = uid('frank');
    const md5 = createHash('md5').update(API.appSecret).digest('hex');
    const bad = await ts.connect();
    await rejectsWith(bad.loginWithApp({ appID: API.appID, appSecretMd5: API.appSecret, userID: user }), 7);
    await rejectsWith(bad.loginWithApp({ appID: 'other-app', appSecretMd5: md5, userID: user }), 7);
    const good = await ts.connect();
    const r = await good.loginWithApp({ appID: API.appID, appSecretMd5: md5, userID: user, nickName: 'Frank' });
    assert.equal(r.userID, user);
    assert.equal(r.nickName, 'Frank');
    assert.equal(r.tokenExpiresAt, null);
    assert.equal(ts.server.core.sessions.isOnline(user), true);
  });

  test('a socket logs in once: a second login on it fails with 9', async () => {
    const c = await ts.client(uid('gina'));
    await rejectsWith(c.request('login', { token: await ts.token(uid('gina')) }), 9);
  });

  test('logout ends the session: the user is offline and the socket closes without a kick', async () => {
    const user = uid('hank');
    const watcher = await ts.client(uid('watcher'));
    const c = await ts.client(user);
    const events = inbox(c);
    assert.deepEqual(await watcher.getStatus([user]), [{ userID: user, status: 1, dnd: false }]);
    await c.logout();
    assert.equal(c.user, null);
    assert.deepEqual(await watcher.getStatus([user]), [{ userID: user, status: 0, dnd: false }]);
    assert.equal(ts.server.core.sessions.isOnline(user), false);
    assert.deepEqual(events.unreadOf('closed'), [], 'a logout is not reported as a lost session');
    await rejectsWith(c.createMeeting(), 204);
  });

  test('logging out while ringing ends the call: the caller is told the callee went offline (603)', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    const alice = await ts.client(a);
    const aliceIn = inbox(alice);
    const bob = await ts.client(b);
    const bobIn = inbox(bob);
    const m = await alice.createMeeting();
    const { callID } = await alice.call(b, m);
    await bobIn.take('call.incoming');
    await bob.logout();
    assert.deepEqual(await aliceIn.take('call.rejected'), { callID, code: 603, usrExtDat: '' });
    assert.equal(await ts.server.core.calls.isInCall(a), false);
  });
});
