/**
 * Adding a person to the current call (docs/protocol.md, "Call contract"): a party whose open
 * calls are all active and in meeting M may call another user into M. Each added person is a
 * call of its own (ringing, accept, reject, timeout, hang-up, the callee checks), at most four
 * people to a call (907), and a user lost ends every call they are in. Runs in both modes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CallClient, ErrorCodes, type MeetInfo } from '../../src/sdk/index.js';
import { Inbox, flush, inbox, next, rejectsWith, startServer, uid, type TestServer } from '../helpers/server.js';
import { startProxy } from '../helpers/proxy.js';
import { facadeParty } from '../helpers/facade.js';

const CALL_EVENTS = ['call.incoming', 'call.accepted', 'call.rejected', 'call.hungup'] as const;

interface Party {
  id: string;
  c: CallClient;
  in: Inbox;
}

async function nothingMore(...parties: Party[]): Promise<void> {
  for (const p of parties) {
    await flush(p.c);
    assert.deepEqual(p.in.unreadOf(...CALL_EVENTS), [], `${p.id} got no further call events`);
  }
}

function scene(opts: Parameters<typeof startServer>[0] = {}) {
  let ts!: TestServer;
  before(async () => {
    ts = await startServer(opts);
  });
  after(async () => {
    await ts.close();
  });

  async function party(name: string): Promise<Party> {
    const id = uid(name);
    const c = await ts.client(id, name);
    return { id, c, in: inbox(c) };
  }

  /** `from` calls `to` into `meeting`; returns once `to` has been told. */
  async function ring(from: Party, to: Party, meeting: MeetInfo): Promise<string> {
    const { callID } = await from.c.call(to.id, meeting);
    const incoming = await to.in.takeWhere('call.incoming', (e) => e.callID === callID);
    assert.equal(incoming.meeting.ID, meeting.ID);
    assert.equal(incoming.caller.userID, from.id);
    return callID;
  }

  /** `from` calls `to` into `meeting` and `to` accepts; returns the callID once `from` knows. */
  async function connect(from: Party, to: Party, meeting: MeetInfo): Promise<string> {
    const callID = await ring(from, to, meeting);
    await to.c.accept(callID);
    await from.in.takeWhere('call.accepted', (e) => e.callID === callID);
    return callID;
  }

  /** Alice in an active call with Bob in Alice's meeting. */
  async function inCall() {
    const alice = await party('alice');
    const bob = await party('bob');
    const meeting = await alice.c.createMeeting({ subject: 'add' });
    const ab = await connect(alice, bob, meeting);
    return { alice, bob, meeting, ab };
  }

  async function recordOf(c: CallClient, callID: string) {
    const rec = (await c.listCalls({ limit: 20 })).find((r) => r.callID === callID);
    assert.ok(rec, `a record of ${callID}`);
    return rec;
  }

  return { ts: () => ts, party, ring, connect, inCall, recordOf };
}

describe('adding a person to the current call', () => {
  const { ts, party, ring, connect, inCall, recordOf } = scene();

  test('a third and a fourth person join the same meeting, each on a call of their own; a fifth is refused with 907', async () => {
    const { alice, bob, meeting, ab } = await inCall();
    const carol = await party('carol');
    const dave = await party('dave');
    const erin = await party('erin');
    const ac = await connect(alice, carol, meeting);
    // A callee of the call may add someone too.
    const bd = await connect(bob, dave, meeting);
    assert.equal(new Set([ab, ac, bd]).size, 3);
    for (const p of [alice, bob, carol, dave]) assert.equal(await ts().isInCall(p.id), true, `${p.id} is in the call`);
    for (const [c, id] of [[alice.c, ab], [alice.c, ac], [bob.c, bd]] as const) assert.equal((await recordOf(c, id)).state, 'active');

    for (const p of [alice, bob, carol, dave]) await rejectsWith(p.c.call(erin.id, meeting), ErrorCodes.LIMIT_REACHED);
    await nothingMore(alice, bob, carol, dave, erin);
    assert.equal(await ts().isInCall(erin.id), false);

    // Once one leaves, there is room again.
    await dave.c.hangup(bd);
    await bob.in.takeWhere('call.hungup', (e) => e.callID === bd);
    const ae = await connect(alice, erin, meeting);
    for (const id of [ab, ac, ae]) await alice.c.hangup(id);
  });

  test('four at most also against invites at the same moment: of three racing invites into a call of three, one rings and two get 907', async () => {
    const { alice, bob, meeting, ab } = await inCall();
    const carol = await party('carol');
    const ac = await connect(alice, carol, meeting);
    const others = await Promise.all(['dave', 'erin', 'frank'].map(party));
    const callers = [alice, bob, carol];
    const results = await Promise.allSettled(others.map((o, i) => callers[i]!.c.call(o.id, meeting)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(ok.length, 1, JSON.stringify(results));
    assert.deepEqual(refused.map((r) => (r.reason as { code: number }).code), [ErrorCodes.LIMIT_REACHED, ErrorCodes.LIMIT_REACHED]);
    for (const [i, r] of results.entries()) {
      if (r.status === 'fulfilled') await others[i]!.in.takeWhere('call.incoming', (e) => e.callID === r.value.callID);
    }
    await nothingMore(...others);
    for (const [i, r] of results.entries()) if (r.status === 'fulfilled') await callers[i]!.c.hangup(r.value.callID);
    await alice.c.hangup(ac);
    await alice.c.hangup(ab);
  });

  test('601 still: calling into another meeting while in a call, or anyone while a call of yours rings', async () => {
    const { alice, bob, meeting, ab } = await inCall();
    const carol = await party('carol');
    const dave = await party('dave');
    const elsewhere = await alice.c.createMeeting();
    await rejectsWith(alice.c.call(carol.id, elsewhere), ErrorCodes.ALREADY_IN_CALL);
    await rejectsWith(bob.c.call(carol.id, elsewhere), ErrorCodes.ALREADY_IN_CALL);
    const ac = await ring(alice, carol, meeting);
    // Alice has a call ringing; Carol, being rung, is in a ringing call.
    await rejectsWith(alice.c.call(dave.id, meeting), ErrorCodes.ALREADY_IN_CALL);
    await rejectsWith(carol.c.call(dave.id, meeting), ErrorCodes.ALREADY_IN_CALL);
    await nothingMore(alice, bob, carol, dave);
    await alice.c.hangup(ac);
    await carol.in.takeWhere('call.hungup', (e) => e.callID === ac && e.reason === 'cancelled');
    await alice.c.hangup(ab);
  });

  test('the usual callee checks for the person added: busy (602) in DND or in another call, offline (603), already in this call (602)', async () => {
    const { alice, bob, meeting, ab } = await inCall();
    const carol = await party('carol');
    await carol.c.setDnd(true);
    await rejectsWith(alice.c.call(carol.id, meeting), ErrorCodes.PEER_BUSY);
    await carol.c.setDnd(false);
    const dave = await party('dave');
    const daves = await dave.c.createMeeting();
    const dc = await connect(dave, carol, daves);
    await rejectsWith(alice.c.call(carol.id, meeting), ErrorCodes.PEER_BUSY);
    await rejectsWith(alice.c.call(dave.id, meeting), ErrorCodes.PEER_BUSY);
    await rejectsWith(alice.c.call(bob.id, meeting), ErrorCodes.PEER_BUSY);
    await rejectsWith(alice.c.call(uid('nobody'), meeting), ErrorCodes.PEER_OFFLINE);
    await nothingMore(alice, bob, carol, dave);
    await dave.c.hangup(dc);
    await alice.c.hangup(ab);
  });

  test('each call ends on its own: a hang-up, a reject or a cancel of one leaves the others going', async () => {
    const { alice, bob, meeting, ab } = await inCall();
    const carol = await party('carol');
    const dave = await party('dave');
    const ac = await connect(alice, carol, meeting);

    // Dave says no: Alice hears 606, the others nothing.
    const ad = await ring(alice, dave, meeting);
    await dave.c.reject(ad, 'not now');
    assert.deepEqual(await alice.in.takeWhere('call.rejected', (e) => e.callID === ad), { callID: ad, code: 606, usrExtDat: 'not now' });

    // Bob hangs up: only Alice is told, of Bob's call; Alice and Carol go on.
    await bob.c.hangup(ab, 'bye');
    const h = await alice.in.takeWhere('call.hungup', (e) => e.callID === ab);
    assert.equal(h.reason, 'hangup');
    await nothingMore(alice, bob, carol, dave);
    assert.equal(await ts().isInCall(bob.id), false);
    assert.equal(await ts().isInCall(alice.id), true);
    assert.equal(await ts().isInCall(carol.id), true);
    assert.equal((await recordOf(alice.c, ab)).outcome, 'completed');
    assert.equal((await recordOf(alice.c, ac)).state, 'active');
    const status = await bob.c.getStatus([alice.id, carol.id, bob.id]);
    assert.deepEqual(status.map((s) => s.status), [2, 2, 1]);

    // Alice may still add someone: her one call left is active in the meeting.
    const ad2 = await connect(alice, dave, meeting);
    await carol.c.hangup(ac);
    await alice.in.takeWhere('call.hungup', (e) => e.callID === ac);
    assert.equal((await recordOf(dave.c, ad2)).state, 'active');
    await dave.c.hangup(ad2);
    await alice.in.takeWhere('call.hungup', (e) => e.callID === ad2);
    await nothingMore(alice, bob, carol, dave);
    assert.equal(await ts().isInCall(alice.id), false);
  });

  test('a user lost ends every call they are in, each as lost, and each other party is told once', async () => {
    const { alice, bob, meeting, ab } = await inCall();
    const carol = await party('carol');
    const dave = await party('dave');
    const ac = await connect(alice, carol, meeting);
    const ad = await ring(alice, dave, meeting);
    await alice.c.logout();
    const toBob = await bob.in.takeWhere('call.hungup', (e) => e.callID === ab);
    const toCarol = await carol.in.takeWhere('call.hungup', (e) => e.callID === ac);
    assert.equal(toBob.reason, 'lost');
    assert.equal(toCarol.reason, 'lost');
    // Dave's phone was ringing: the caller is gone.
    const toDave = await dave.in.takeWhere('call.hungup', (e) => e.callID === ad);
    assert.equal(toDave.reason, 'lost');
    await nothingMore(bob, carol, dave);
    for (const [c, id] of [[bob.c, ab], [carol.c, ac], [dave.c, ad]] as const) assert.equal((await recordOf(c, id)).outcome, 'lost');
    for (const p of [alice, bob, carol, dave]) assert.equal(await ts().isInCall(p.id), false);
  });

  test('session.info reports the oldest open call; the next one once it ends', async () => {
    const { alice, bob, meeting, ab } = await inCall();
    const carol = await party('carol');
    const ac = await connect(alice, carol, meeting);
    const a1 = await alice.c.sessionInfo();
    assert.equal(a1?.callID, ab);
    assert.equal(a1?.peerID, bob.id);
    assert.equal(a1?.accepted, true);
    assert.equal(a1?.meetingID, meeting.ID);
    assert.equal((await carol.c.sessionInfo())?.callID, ac);
    assert.equal((await bob.c.sessionInfo())?.callID, ab);
    await bob.c.hangup(ab);
    await alice.in.takeWhere('call.hungup', (e) => e.callID === ab);
    const a2 = await alice.c.sessionInfo();
    assert.equal(a2?.callID, ac);
    assert.equal(a2?.peerID, carol.id);
    assert.equal(await bob.c.sessionInfo(), null);
    await carol.c.hangup(ac);
    await alice.in.takeWhere('call.hungup', (e) => e.callID === ac);
    assert.equal(await alice.c.sessionInfo(), null);
  });
});

describe('adding a person with the facade', () => {
  const { ts } = scene();

  test('Call into the meeting of the active call adds a person; a fifth gets CallFail 907; GetSessionInfo follows the oldest call', async () => {
    const [alice, bob, carol, dave, erin] = await Promise.all(['alice', 'bob', 'carol', 'dave', 'erin'].map((n) => facadeParty(ts(), n)));
    alice!.f.CreateMeeting('room', 'ck-create');
    const [meetObj] = await alice!.cb.take('CreateMeetingSuccess');
    const connect = async (to: typeof bob) => {
      const callID = alice!.f.Call(to!.id, meetObj, '', 'ck-call');
      assert.deepEqual(await alice!.cb.take('CallSuccess'), [callID, 'ck-call']);
      const [inID, inMeet, callerID] = await to!.cb.take('NotifyCallIn');
      assert.deepEqual([inID, inMeet.ID, callerID], [callID, meetObj.ID, alice!.id]);
      to!.f.AcceptCall(callID, inMeet, '', 'ck-accept');
      await to!.cb.take('AcceptCallSuccess');
      assert.equal((await alice!.cb.take('NotifyCallAccepted'))[0], callID);
      return callID;
    };
    const ab = await connect(bob);
    const ac = await connect(carol);
    const ad = await connect(dave);
    const ae = alice!.f.Call(erin!.id, meetObj, '', 'ck-call');
    assert.deepEqual(await alice!.cb.take('CallFail'), [ae, 907, 'ck-call']);
    await flush(alice!.f.client!);
    assert.equal(alice!.f.GetSessionInfo().callID, ab);
    assert.equal(alice!.f.GetSessionInfo().peerID, bob!.id);
    bob!.f.HangupCall(ab, '', 'ck-hangup');
    await bob!.cb.take('HangupCallSuccess');
    assert.equal((await alice!.cb.take('NotifyCallHangup'))[0], ab);
    assert.equal(alice!.f.GetSessionInfo().callID, ac);
    for (const id of [ac, ad]) {
      alice!.f.HangupCall(id, '', 'ck-hangup');
      await alice!.cb.take('HangupCallSuccess');
    }
    assert.equal(alice!.f.GetSessionInfo().callID, '');
    assert.equal(erin!.cb.log.filter((x) => x.name === 'NotifyCallIn').length, 0);
  });
});

describe('adding a person: the ring timeout of an added call', () => {
  const { party, ring, inCall, recordOf } = scene({ ringTimeoutMs: 1_500 });

  test('a person added who does not answer: 604 to the one who added them, the call goes on', async () => {
    const { alice, bob, meeting, ab } = await inCall();
    const carol = await party('carol');
    const ac = await ring(alice, carol, meeting);
    assert.deepEqual(await alice.in.takeWhere('call.rejected', (e) => e.callID === ac), { callID: ac, code: 604, usrExtDat: '' });
    assert.equal((await carol.in.takeWhere('call.hungup', (e) => e.callID === ac)).reason, 'no_answer');
    await nothingMore(alice, bob, carol);
    assert.equal((await recordOf(alice.c, ab)).state, 'active');
    await alice.c.hangup(ab);
  });
});

describe('adding a person: connections and restarts', () => {
  test('a connection that drops past the resume grace ends every call of its user, each as lost', async () => {
    const ts = await startServer({ limits: { resumeGraceMs: 300 } });
    const proxy = await startProxy(ts.url);
    try {
      const alice = new CallClient({ url: proxy.url });
      await alice.login(await ts.token('alice'));
      const [bob, carol] = await Promise.all(['bob', 'carol'].map((u) => ts.client(u)));
      const bobIn = inbox(bob!);
      const carolIn = inbox(carol!);
      const m = await alice.createMeeting();
      const callInto = async (to: CallClient, toIn: Inbox, id: string) => {
        const { callID } = await alice.call(id, m);
        await toIn.takeWhere('call.incoming', (e) => e.callID === callID);
        const accepted = next(alice, 'call.accepted');
        await to.accept(callID);
        await accepted;
        return callID;
      };
      const ab = await callInto(bob!, bobIn, 'bob');
      const ac = await callInto(carol!, carolIn, 'carol');
      proxy.block(true);
      proxy.dropAll();
      assert.equal((await bobIn.takeWhere('call.hungup', (e) => e.callID === ab)).reason, 'lost');
      assert.equal((await carolIn.takeWhere('call.hungup', (e) => e.callID === ac)).reason, 'lost');
      assert.equal(await ts.isInCall('bob'), false);
      assert.equal(await ts.isInCall('carol'), false);
      alice.close();
    } finally {
      await proxy.close();
      await ts.close();
    }
  });

  test('a call with a person added survives a server restart: both calls go on and end on their own', async () => {
    const ts = await startServer({ limits: { resumeGraceMs: 5_000 } });
    try {
      const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((u) => ts.client(u)));
      const m = await alice!.createMeeting();
      const callInto = async (to: CallClient, id: string) => {
        const incoming = next(to, 'call.incoming');
        const { callID } = await alice!.call(id, m);
        await incoming;
        await to.accept(callID);
        return callID;
      };
      const ab = await callInto(bob!, 'bob');
      const ac = await callInto(carol!, 'carol');
      const back = [alice!, bob!, carol!].map((c) => next(c, 'reconnected', 20_000));
      await ts.restart();
      await Promise.all(back);
      assert.equal((await alice!.sessionInfo())?.callID, ab);
      const bobHung = next(bob!, 'call.hungup');
      await alice!.hangup(ab);
      assert.equal((await bobHung).callID, ab);
      assert.equal(await ts.isInCall('carol'), true);
      assert.equal((await alice!.sessionInfo())?.callID, ac);
      const aliceHung = next(alice!, 'call.hungup');
      await carol!.hangup(ac);
      assert.equal((await aliceHung).callID, ac);
      const recs = await alice!.listCalls({ limit: 5 });
      assert.deepEqual(recs.filter((r) => r.callID === ab || r.callID === ac).map((r) => r.outcome), ['completed', 'completed']);
    } finally {
      await ts.close();
    }
  });
});
