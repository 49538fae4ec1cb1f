/**
 * Presence: do-not-disturb takes effect at once; user status (0 offline, 1 idle, 2 in a call,
 * 3 in a meeting, plus DND) on request and as a subscription.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { UserStatus } from '../../src/sdk/index.js';
import { flush, inbox, rejectsWith, startServer, uid, type Inbox, type TestServer } from '../helpers/server.js';

describe('presence', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });

  test('DND on refuses calls at once (602), DND off accepts them at once', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    const alice = await ts.client(a);
    const bob = await ts.client(b);
    const bobIn = inbox(bob);
    const m = await alice.createMeeting();
    await bob.setDnd(true);
    await rejectsWith(alice.call(b, m), 602);
    await bob.setDnd(false);
    const { callID } = await alice.call(b, m);
    assert.equal((await bobIn.take('call.incoming')).callID, callID);
    assert.equal(bobIn.log.filter((e) => e.name === 'call.incoming').length, 1, 'only the call made with DND off arrived');
    await alice.hangup(callID);
  });

  test('a user with DND on can still call others', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    const alice = await ts.client(a);
    const bob = await ts.client(b);
    const aliceIn = inbox(alice);
    await bob.setDnd(true);
    const { callID } = await bob.call(a, await bob.createMeeting());
    assert.equal((await aliceIn.take('call.incoming')).callID, callID);
    await alice.reject(callID);
  });

  test('DND is kept for the user across logins and reported at login', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    const alice = await ts.client(a);
    const bob = await ts.client(b);
    await bob.setDnd(true);
    await bob.logout();
    const again = await ts.client(b);
    assert.equal(again.user?.dnd, true);
    await rejectsWith(alice.call(b, await alice.createMeeting()), 602);
    await again.setDnd(false);
    assert.equal((await ts.client(b)).user?.dnd, false);
  });

  test('status.get of given users: online idle is 1, offline is 0, with the DND flag', async () => {
    const [a, b, nobody] = [uid('alice'), uid('bob'), uid('nobody')];
    const alice = await ts.client(a);
    const bob = await ts.client(b);
    await bob.setDnd(true);
    assert.deepEqual(await alice.getStatus([b, nobody, a]), [
      { userID: b, status: 1, dnd: true },
      { userID: nobody, status: 0, dnd: false },
      { userID: a, status: 1, dnd: false },
    ]);
  });

  test('status.get of everyone lists every online user and nobody offline', async () => {
    const [a, b, c] = [uid('alice'), uid('bob'), uid('carol')];
    const alice = await ts.client(a);
    await ts.client(b);
    const carol = await ts.client(c);
    await carol.logout();
    const all = await alice.getStatus();
    const ids = all.map((s) => s.userID);
    assert.ok(ids.includes(a) && ids.includes(b), 'online users are listed');
    assert.ok(!ids.includes(c), 'a logged-out user is not');
    for (const s of all) assert.notEqual(s.status, 0, `${s.userID} is listed as online`);
    assert.equal(new Set(ids).size, ids.length, 'each user once');
  });

  test('status is 2 while ringing and in a call, 3 in a meeting, 1 when idle', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    const alice = await ts.client(a);
    const bob = await ts.client(b);
    const bobIn = inbox(bob);
    const m = await alice.createMeeting();
    await alice.enterMeeting(m.ID);
    const status = async (u: string) => (await bob.getStatus([u]))[0]!.status;
    assert.equal(await status(a), 3);
    const { callID } = await alice.call(b, m);
    await bobIn.take('call.incoming');
    assert.equal(await status(a), 2);
    assert.equal(await status(b), 2);
    await bob.accept(callID);
    await bob.enterMeeting(m.ID);
    assert.equal(await status(b), 2, 'a call counts before a meeting');
    await bob.hangup(callID);
    assert.equal(await status(a), 3);
    assert.equal(await status(b), 3);
    await bob.exitMeeting();
    assert.equal(await status(b), 1);
  });

  test('a subscriber is told every change of status and DND, and nothing after unsubscribing', async () => {
    const [w, a, b] = [uid('watcher'), uid('alice'), uid('bob')];
    const watcher = await ts.client(w);
    const seen = inbox(watcher);
    const snapshot = await watcher.subscribeStatus();
    assert.ok(snapshot.some((s) => s.userID === w && s.status === 1), 'the snapshot lists the online users');
    const of = (u: string) => () => seen.takeWhere('user.status', (s) => s.userID === u);
    const nextA = of(a);
    const nextB = of(b);
    const want = (s: UserStatus, status: number, dnd = false) => assert.deepEqual(s, { userID: s.userID, status, dnd });

    const alice = await ts.client(a);
    want(await nextA(), 1);
    const bob = await ts.client(b);
    want(await nextB(), 1);
    const bobIn = inbox(bob);
    const m = await alice.createMeeting();
    await alice.enterMeeting(m.ID);
    want(await nextA(), 3);
    const { callID } = await alice.call(b, m);
    await bobIn.take('call.incoming');
    want(await nextA(), 2);
    want(await nextB(), 2);
    await bob.accept(callID);
    await bob.hangup(callID);
    want(await nextA(), 3);
    want(await nextB(), 1);
    await bob.setDnd(true);
    want(await nextB(), 1, true);
    await bob.setDnd(false);
    want(await nextB(), 1, false);
    await alice.logout();
    want(await nextA(), 0);
    await flush(watcher);
    assert.deepEqual(unreadFor(seen, [a, b]), [], 'no duplicate or extra status events');

    await watcher.unsubscribeStatus();
    await bob.setDnd(true);
    await bob.logout();
    await flush(watcher);
    assert.deepEqual(unreadFor(seen, [a, b]), [], 'nothing after unsubscribing');
  });
});

function unreadFor(seen: Inbox, users: string[]): unknown[] {
  return seen.unreadOf('user.status').filter((e) => users.includes((e.payload as UserStatus).userID));
}
