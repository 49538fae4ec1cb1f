/**
 * Cluster mode: three nodes sharing one real redis-server behave as one service — calls by every
 * row of the call contract across nodes, DND and status, meetings with member events, signalling
 * and room messages, and kicks by a login on another node.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CallroomError } from '../../src/protocol/errors.js';
import { next, record } from '../helpers/server.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { letTimePass } from '../helpers/time.js';

const RING_TIMEOUT_MS = 800;
let cl: TestCluster;
before(async () => {
  cl = await startCluster(3, { ringTimeoutMs: RING_TIMEOUT_MS });
});
after(async () => {
  await cl.close();
});

const node = (i: number) => cl.nodes[i]!;
let n = 0;
/** A fresh user name per test, so tests do not see each other's users. */
const user = (base: string) => `${base}-${++n}`;

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    return (err as CallroomError).code;
  }
  throw new Error('expected the request to fail');
}

test('cluster: a call across nodes is delivered, accepted and hung up by the contract', async () => {
  const [a, b] = [user('alice'), user('bob')];
  const alice = await node(0).client(a, 'Alice');
  const bob = await node(1).client(b);
  const m = await alice.createMeeting({ subject: 'x' });
  const incoming = next(bob, 'call.incoming');
  const { callID } = await alice.call(b, m, { usrExtDat: 'hi' });
  const inc = await incoming;
  assert.equal(inc.callID, callID);
  assert.equal(inc.caller.userID, a);
  assert.equal(inc.caller.nickName, 'Alice');
  assert.equal(inc.usrExtDat, 'hi');
  assert.equal(inc.meeting.ID, m.ID);
  const accepted = next(alice, 'call.accepted');
  await bob.accept(callID, 'yes');
  const acc = await accepted;
  assert.equal(acc.usrExtDat, 'yes');
  assert.equal(acc.meeting.ID, m.ID);
  assert.equal((await alice.getStatus([b]))[0]?.status, 2);
  const hung = next(bob, 'call.hungup');
  await alice.hangup(callID, 'bye');
  const h = await hung;
  assert.equal(h.reason, 'hangup');
  assert.equal(h.usrExtDat, 'bye');
  const [rec] = await bob.listCalls();
  assert.equal(rec?.callID, callID);
  assert.equal(rec?.outcome, 'completed');
  assert.ok(rec?.answeredAt && rec.endedAt);
});

test('cluster: reject, cancel and ring timeout across nodes', async () => {
  const [a, b] = [user('alice'), user('bob')];
  const alice = await node(0).client(a);
  const bob = await node(2).client(b);
  const m = await alice.createMeeting();

  // callee rejects: caller NotifyCallRejected 606
  let incoming = next(bob, 'call.incoming');
  let { callID } = await alice.call(b, m);
  await incoming;
  const rejected = next(alice, 'call.rejected');
  await bob.reject(callID, 'no');
  assert.deepEqual(await rejected, { callID, code: 606, usrExtDat: 'no' });

  // caller cancels while ringing: callee NotifyCallHungup (cancelled)
  incoming = next(bob, 'call.incoming');
  ({ callID } = await alice.call(b, m));
  await incoming;
  const cancelled = next(bob, 'call.hungup');
  await alice.hangup(callID, 'oops');
  const c = await cancelled;
  assert.equal(c.reason, 'cancelled');
  assert.equal(c.usrExtDat, 'oops');

  // nobody answers: 604 to the caller, hung up (no_answer) to the callee
  incoming = next(bob, 'call.incoming');
  ({ callID } = await alice.call(b, m));
  await incoming;
  const noAnswer = next(alice, 'call.rejected', 5000);
  const calleeHung = next(bob, 'call.hungup', 5000);
  assert.deepEqual(await noAnswer, { callID, code: 604, usrExtDat: '' });
  assert.equal((await calleeHung).reason, 'no_answer');
  const calls = await alice.listCalls();
  assert.deepEqual(calls.slice(0, 3).map((x) => x.outcome), ['no_answer', 'cancelled', 'rejected']);
});

test('cluster: busy, offline, DND, self, unknown meeting and unknown call codes across nodes', async () => {
  const [a, b, c] = [user('alice'), user('bob'), user('carol')];
  const alice = await node(0).client(a);
  const bob = await node(1).client(b);
  const carol = await node(2).client(c);
  const m = await alice.createMeeting();
  const mc = await carol.createMeeting();
  assert.equal(await codeOf(alice.call(user('nobody'), m)), 603);
  assert.equal(await codeOf(alice.call(a, m)), 5);
  assert.equal(await codeOf(alice.call(b, { ...m, ID: 999_999 })), 800);
  assert.equal(await codeOf(alice.accept('no-such-call')), 600);

  await bob.setDnd(true);
  const st = await carol.getStatus([b]);
  assert.deepEqual(st[0], { userID: b, status: 1, dnd: true });
  const bobEvents = record(bob, ['call.incoming']);
  assert.equal(await codeOf(alice.call(b, m)), 602);
  await bob.setDnd(false);

  // bob in a call with carol: alice gets 602; bob calling out gets 601
  const incoming = next(bob, 'call.incoming');
  const { callID } = await carol.call(b, mc);
  await incoming;
  assert.equal(await codeOf(alice.call(b, m)), 602);
  assert.equal(await codeOf(bob.call(a, m)), 601);
  // alice may not act on carol's call
  assert.equal(await codeOf(alice.hangup(callID)), 600);
  assert.equal(await codeOf(carol.accept(callID)), 600, 'the caller cannot accept');
  await bob.accept(callID);
  await carol.hangup(callID);
  assert.equal(await codeOf(bob.hangup(callID)), 600, 'an ended call is unknown');
  assert.equal(bobEvents.length, 1, 'a DND callee is told nothing');
});

test('cluster: user status notifications reach subscribers on every node', async () => {
  const [a, b, w] = [user('alice'), user('bob'), user('watcher')];
  const watcher = await node(2).client(w);
  await watcher.subscribeStatus();
  const seen: { userID: string; status: number; dnd: boolean }[] = [];
  watcher.on('user.status', (s) => {
    if (s.userID === a || s.userID === b) seen.push(s);
  });
  const alice = await node(0).client(a);
  const bob = await node(1).client(b);
  await bob.setDnd(true);
  await bob.setDnd(false);
  const m = await alice.createMeeting();
  const incoming = next(bob, 'call.incoming');
  const { callID } = await alice.call(b, m);
  await incoming;
  await alice.hangup(callID);
  await alice.enterMeeting(m.ID);
  const offline = new Promise<void>((resolve) => {
    watcher.on('user.status', (s) => s.userID === a && s.status === 0 && resolve());
  });
  await alice.logout();
  await offline;
  const forA = seen.filter((s) => s.userID === a).map((s) => s.status);
  const forB = seen.filter((s) => s.userID === b).map((s) => `${s.status}${s.dnd ? 'd' : ''}`);
  // logout takes the user offline straight from the meeting (3 → 0), as on one node
  assert.deepEqual(forA, [1, 2, 1, 3, 0]);
  assert.deepEqual(forB, ['1', '1d', '1', '2', '1']);
});

test('cluster: meetings across nodes: member events, signalling relay, room messages, destroy', async () => {
  const [a, b, c] = [user('alice'), user('bob'), user('carol')];
  const alice = await node(0).client(a, 'Alice');
  const bob = await node(1).client(b, 'Bob');
  const carol = await node(2).client(c, 'Carol');
  const m = await alice.createMeeting({ pswd: 'pw' });
  await alice.enterMeeting(m.ID);
  assert.equal(await codeOf(bob.enterMeeting(m.ID)), 800);
  assert.equal(await codeOf(bob.enterMeeting(m.ID, 'bad')), 801);
  const joined = next(alice, 'meeting.memberJoined');
  const r = await bob.enterMeeting(m.ID, 'pw');
  assert.deepEqual(r.members, [{ userID: a, nickName: 'Alice' }]);
  assert.equal(r.meeting.memberCount, 2);
  assert.deepEqual((await joined).member, { userID: b, nickName: 'Bob' });
  assert.equal(await codeOf(bob.enterMeeting(m.ID, 'pw')), 807);

  const sig = next(bob, 'meeting.signal');
  await alice.signal(m.ID, b, 'offer', { type: 'offer', sdp: 'v=0' });
  assert.deepEqual(await sig, { meetingID: m.ID, from: a, kind: 'offer', payload: { type: 'offer', sdp: 'v=0' } });
  assert.equal(await codeOf(alice.signal(m.ID, c, 'offer', null)), 817, 'no relay to a non-member');
  assert.equal(await codeOf(carol.signal(m.ID, a, 'offer', null)), 817, 'a non-member cannot relay');

  const msg = next(alice, 'meeting.message');
  await bob.sendMessage(m.ID, 'hello');
  const got = await msg;
  assert.equal(got.text, 'hello');
  assert.equal(got.nickName, 'Bob');

  const left = next(alice, 'meeting.memberLeft');
  await bob.exitMeeting(m.ID);
  assert.deepEqual(await left, { meetingID: m.ID, userID: b });
  await bob.enterMeeting(m.ID, 'pw');
  const stopped = next(bob, 'meeting.stopped');
  assert.equal(await codeOf(bob.destroyMeeting(m.ID)), 800, 'only the creator destroys');
  await alice.destroyMeeting(m.ID);
  assert.deepEqual(await stopped, { meetingID: m.ID });
  assert.equal(await codeOf(bob.sendMessage(m.ID, 'x')), 817);
});

test('cluster: a callee called into a meeting may enter it from another node without its password', async () => {
  const [a, b] = [user('alice'), user('bob')];
  const alice = await node(1).client(a);
  const bob = await node(2).client(b);
  const m = await alice.createMeeting({ pswd: 'secret' });
  const incoming = next(bob, 'call.incoming');
  const { callID } = await alice.call(b, m);
  await incoming;
  await bob.accept(callID);
  const r = await bob.enterMeeting(m.ID);
  assert.equal(r.meeting.ID, m.ID);
  await alice.hangup(callID);
});

test('cluster: a login on another node kicks the older session and ends its call', async () => {
  const [a, b] = [user('alice'), user('bob')];
  const alice = await node(0).client(a);
  const bob1 = await node(1).client(b);
  const m = await alice.createMeeting();
  const incoming = next(bob1, 'call.incoming');
  const { callID } = await alice.call(b, m);
  await incoming;
  await bob1.accept(callID);
  const kicked = next(bob1, 'closed', 5000).then((e) => e.code);
  const hung = next(alice, 'call.hungup');
  const bob2 = await node(2).client(b);
  assert.equal(await kicked, 10);
  const h = await hung;
  assert.equal(h.callID, callID);
  assert.equal(h.reason, 'lost');
  // the new session works: it can be called
  const incoming2 = next(bob2, 'call.incoming');
  const c2 = await alice.call(b, m);
  assert.equal((await incoming2).callID, c2.callID);
  await alice.hangup(c2.callID);
  assert.equal((await alice.getStatus([b]))[0]?.status, 1);
});

test('cluster: two callers on different nodes race for one callee: exactly one gets through', async () => {
  for (let i = 0; i < 10; i++) {
    const [a, b, c] = [user('a'), user('b'), user('c')];
    const alice = await node(0).client(a);
    const bob = await node(1).client(b);
    const carol = await node(2).client(c);
    const [ma, mb] = await Promise.all([alice.createMeeting(), bob.createMeeting()]);
    const incoming = record(carol, ['call.incoming']);
    const rs = await Promise.allSettled([alice.call(c, ma), bob.call(c, mb)]);
    const ok = rs.filter((r) => r.status === 'fulfilled');
    assert.equal(ok.length, 1);
    const failed = rs.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.equal((failed.reason as CallroomError).code, 602);
    // Both invites have run (and published whatever they publish): past the barrier, a second
    // call.incoming would have arrived.
    await cl.barrier(carol);
    assert.equal(incoming.length, 1);
    const callID = (ok[0] as PromiseFulfilledResult<{ callID: string }>).value.callID;
    await carol.reject(callID);
  }
});

test('cluster: accept against cancel from two nodes, many times: one outcome, each party told once', async () => {
  const [a, b] = [user('alice'), user('bob')];
  const alice = await node(0).client(a);
  const bob = await node(1).client(b);
  const m = await alice.createMeeting();
  const aliceEvents = record(alice, ['call.accepted', 'call.rejected', 'call.hungup']);
  const bobEvents = record(bob, ['call.incoming', 'call.accepted', 'call.rejected', 'call.hungup']);
  const outcomes = { accepted: 0, cancelled: 0 };
  const ROUNDS = 40;
  for (let i = 0; i < ROUNDS; i++) {
    const incoming = next(bob, 'call.incoming');
    const { callID } = await alice.call(b, m, { callID: randomUUID() });
    await incoming;
    const [acc, can] = await Promise.allSettled([bob.accept(callID), alice.hangup(callID)]);
    if (acc.status === 'fulfilled') {
      // accept won; the "cancel" was a hangup of the active call
      assert.equal(can.status, 'fulfilled');
      outcomes.accepted++;
    } else {
      assert.equal((acc.reason as CallroomError).code, 600);
      assert.equal(can.status, 'fulfilled');
      outcomes.cancelled++;
    }
    // Both scripts have run and published their events: past the barrier, each party has every
    // event it was sent for this call (a missing or a duplicate one shows below).
    await cl.barrier(alice, bob);
    const [rec] = await alice.listCalls({ limit: 1 });
    assert.equal(rec?.callID, callID);
    assert.equal(rec?.state, 'ended');
    assert.equal(rec?.outcome, acc.status === 'fulfilled' ? 'completed' : 'cancelled');
    const forA = aliceEvents.filter((e) => (e.payload as { callID: string }).callID === callID).map((e) => e.name);
    const forB = bobEvents.filter((e) => (e.payload as { callID: string }).callID === callID).map((e) => e.name);
    if (acc.status === 'fulfilled') {
      assert.deepEqual(forA, ['call.accepted']);
      assert.deepEqual(forB, ['call.incoming', 'call.hungup']);
    } else {
      assert.deepEqual(forA, []);
      assert.deepEqual(forB, ['call.incoming', 'call.hungup']);
    }
  }
  assert.equal(outcomes.accepted + outcomes.cancelled, ROUNDS);
});

test('cluster: accept against the ring timeout: exactly one outcome', async () => {
  const [a, b] = [user('alice'), user('bob')];
  const alice = await node(2).client(a);
  const bob = await node(1).client(b);
  const m = await alice.createMeeting();
  const aliceEvents = record(alice, ['call.accepted', 'call.rejected']);
  // The scenario: bob accepts around the ring timeout (40 ms before it to 20 ms after it,
  // counted from his call.incoming), so that the accept and the timer race.
  const ACCEPT_AFTER_MS = [RING_TIMEOUT_MS - 40, RING_TIMEOUT_MS - 20, RING_TIMEOUT_MS, RING_TIMEOUT_MS + 20];
  for (let i = 0; i < 8; i++) {
    const incoming = next(bob, 'call.incoming');
    const { callID } = await alice.call(b, m);
    await incoming;
    await letTimePass(ACCEPT_AFTER_MS[i % ACCEPT_AFTER_MS.length]!);
    const acc = await bob.accept(callID).then(
      () => true,
      () => false,
    );
    // The outcome is decided: the accept succeeded (the timer, removed by it, will not fire) or it
    // failed because the timer had already ended the call. Past the barrier, alice has been told.
    await cl.barrier(alice);
    const [rec] = await alice.listCalls({ limit: 1 });
    const told = aliceEvents.filter((e) => (e.payload as { callID: string }).callID === callID).map((e) => e.name);
    if (acc) {
      assert.equal(rec?.state, 'active');
      assert.deepEqual(told, ['call.accepted']);
      await alice.hangup(callID);
    } else {
      assert.equal(rec?.outcome, 'no_answer');
      assert.deepEqual(told, ['call.rejected']);
    }
  }
});
