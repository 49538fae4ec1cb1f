/**
 * The call contract (DESIGN.md §3), row by row, through the RTCSDK facade: the callbacks,
 * their arguments and the sdkErr numbers the guide's code sees.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MeetInfo } from '../../src/sdk/index.js';
import { facadeParty, watch, type CallbackName, type FacadeParty } from '../helpers/facade.js';
import { WAIT_MS, flush, startServer, uid, type TestServer } from '../helpers/server.js';

const CALL_CALLBACKS: CallbackName[] = [
  'CallSuccess', 'CallFail', 'NotifyCallIn', 'AcceptCallSuccess', 'AcceptCallFail', 'RejectCallSuccess',
  'RejectCallFail', 'NotifyCallAccepted', 'NotifyCallRejected', 'HungupCallSuccess', 'HungupCallFail', 'NotifyCallHungup',
];

/** Asserts no call callback is waiting for any of `parties`, after a round trip on each. */
async function nothingMore(...parties: FacadeParty[]): Promise<void> {
  for (const p of parties) {
    await flush(p.f.client!);
    assert.deepEqual(p.cb.unreadOf(...CALL_CALLBACKS), [], `${p.id} got no further call callbacks`);
  }
}

async function meetingOf(p: FacadeParty): Promise<MeetInfo> {
  p.f.CreateMeeting('room', 'ck-create');
  const [meetObj, cookie] = await p.cb.take('CreateMeetingSuccess');
  assert.equal(cookie, 'ck-create');
  return meetObj;
}

/** Expects CallFail for `callID` with `code` and the cookie "ck-call". */
async function callFails(p: FacadeParty, callID: string, code: number): Promise<void> {
  assert.deepEqual(await p.cb.take('CallFail'), [callID, code, 'ck-call']);
}

describe('call contract, RTCSDK facade', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });

  async function pair() {
    const alice = await facadeParty(ts, 'alice', 'Alice');
    const bob = await facadeParty(ts, 'bob', 'Bob');
    return { alice, bob, meetObj: await meetingOf(alice) };
  }

  async function ringing(usrExtDat = 'hello') {
    const p = await pair();
    const callID = p.alice.f.Call(p.bob.id, p.meetObj, usrExtDat, 'ck-call');
    await p.alice.cb.take('CallSuccess');
    await p.bob.cb.take('NotifyCallIn');
    return { ...p, callID };
  }

  test('not logged in: every call function fails with 12 and hands back the cookie', async () => {
    const f = ts.facade();
    const cb = watch(f);
    const meetObj = { ID: 1 };
    const callID = f.Call('bob', meetObj, '', 'ck-1');
    f.AcceptCall('some-call', meetObj, '', 'ck-2');
    f.RejectCall('some-call', '', 'ck-3');
    f.HungupCall('some-call', '', 'ck-4');
    f.CreateMeeting('', 'ck-5');
    f.SetDNDStatus(1, 'ck-6');
    f.EnterMeeting2(1, 'me', 'Me', 'ck-7');
    assert.deepEqual(cb.log, [], 'no callback runs before its function has returned');
    assert.deepEqual(await cb.take('CallFail'), [callID, 12, 'ck-1']);
    assert.deepEqual(await cb.take('AcceptCallFail'), ['some-call', 12, 'ck-2']);
    assert.deepEqual(await cb.take('RejectCallFail'), ['some-call', 12, 'ck-3']);
    assert.deepEqual(await cb.take('HungupCallFail'), ['some-call', 12, 'ck-4']);
    assert.deepEqual(await cb.take('CreateMeetingFail'), [12, 'ck-5']);
    assert.deepEqual(await cb.take('SetDNDStatusFail'), [12, 'ck-6']);
    assert.deepEqual(await cb.take('EnterMeetingRslt'), [12, 'ck-7']);
  });

  test('calling yourself fails with CallFail(callID, 5)', async () => {
    const { alice, bob, meetObj } = await pair();
    await callFails(alice, alice.f.Call(alice.id, meetObj, '', 'ck-call'), 5);
    await nothingMore(alice, bob);
  });

  test('bad arguments fail with CallFail(callID, 5)', async () => {
    const { alice, bob } = await pair();
    await callFails(alice, alice.f.Call(bob.id, undefined as unknown as MeetInfo, '', 'ck-call'), 5);
    await callFails(alice, alice.f.Call('', { ID: 1 }, '', 'ck-call'), 5);
    await callFails(alice, alice.f.Call(bob.id, { ID: -3 }, '', 'ck-call'), 5);
    await nothingMore(alice, bob);
  });

  test('usrExtDat over 4096 characters fails with CallFail(callID, 5)', async () => {
    const { alice, bob, meetObj } = await pair();
    await callFails(alice, alice.f.Call(bob.id, meetObj, 'x'.repeat(4097), 'ck-call'), 5);
    await nothingMore(alice, bob);
  });

  test('a meeting that does not exist or is not usable fails with CallFail(callID, 800)', async () => {
    const { alice, bob } = await pair();
    await callFails(alice, alice.f.Call(bob.id, { ID: 987_654_321 }, '', 'ck-call'), 800);
    const carol = await facadeParty(ts, 'carol');
    const carols = await meetingOf(carol);
    await callFails(alice, alice.f.Call(bob.id, { ID: carols.ID }, '', 'ck-call'), 800);
    await nothingMore(alice, bob, carol);
  });

  test("someone else's meeting with a wrong password fails with CallFail(callID, 800), not 801", async () => {
    const { alice, bob } = await pair();
    const carol = await facadeParty(ts, 'carol');
    const carols = await meetingOf(carol);
    assert.ok(carols.pswd, 'the meeting has a password');
    await callFails(alice, alice.f.Call(bob.id, { ID: carols.ID, pswd: `not-${carols.pswd}` }, '', 'ck-call'), 800);
    await nothingMore(alice, bob, carol);
  });

  test('a callee who is not online fails with CallFail(callID, 603)', async () => {
    const { alice, meetObj } = await pair();
    await callFails(alice, alice.f.Call(uid('nobody'), meetObj, '', 'ck-call'), 603);
    await nothingMore(alice);
  });

  test('a callee with DND on fails with CallFail(callID, 602) and gets no NotifyCallIn', async () => {
    const { alice, bob, meetObj } = await pair();
    bob.f.SetDNDStatus(1, 'ck-dnd');
    assert.deepEqual(await bob.cb.take('SetDNDStatusSuccess'), ['ck-dnd']);
    await callFails(alice, alice.f.Call(bob.id, meetObj, '', 'ck-call'), 602);
    await nothingMore(alice, bob);
  });

  test('a busy callee fails with CallFail(callID, 602); a busy caller with 601', async () => {
    const { alice, bob, callID } = await ringing();
    const carol = await facadeParty(ts, 'carol');
    const carols = await meetingOf(carol);
    await callFails(carol, carol.f.Call(bob.id, carols, '', 'ck-call'), 602);
    const dave = await facadeParty(ts, 'dave');
    await callFails(alice, alice.f.Call(dave.id, { ID: carols.ID, pswd: carols.pswd }, '', 'ck-call'), 601);
    await nothingMore(alice, bob, carol, dave);
    alice.f.HungupCall(callID);
    await alice.cb.take('HungupCallSuccess');
  });

  test('delivered: Call returns the callID at once, CallSuccess(callID, cookie), NotifyCallIn(callID, meetObj, callerID, usrExtDat)', async () => {
    const { alice, bob, meetObj } = await pair();
    const callID = alice.f.Call(bob.id, meetObj, 'ext-data', 'ck-call');
    assert.match(callID, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(alice.cb.log.filter((e) => e.name === 'CallSuccess').length, 0, 'the callID comes before any callback');
    assert.deepEqual(await alice.cb.take('CallSuccess'), [callID, 'ck-call']);
    assert.deepEqual(await bob.cb.take('NotifyCallIn'), [callID, meetObj, alice.id, 'ext-data']);
    await nothingMore(alice, bob);
    alice.f.HungupCall(callID);
  });

  test('accept: AcceptCallSuccess(callID, cookie); NotifyCallAccepted(callID, meetObj, usrExtDat) to the caller', async () => {
    const { alice, bob, meetObj, callID } = await ringing();
    bob.f.AcceptCall(callID, meetObj, 'coming', 'ck-acc');
    assert.deepEqual(await bob.cb.take('AcceptCallSuccess'), [callID, 'ck-acc']);
    const [id, m, ext] = await alice.cb.take('NotifyCallAccepted');
    assert.equal(id, callID);
    assert.equal(m.ID, meetObj.ID);
    assert.equal(ext, 'coming');
    await nothingMore(alice, bob);
    bob.f.HungupCall(callID);
  });

  test('reject: RejectCallSuccess(callID, cookie); NotifyCallRejected(callID, 606, usrExtDat) to the caller', async () => {
    const { alice, bob, callID } = await ringing();
    bob.f.RejectCall(callID, 'not now', 'ck-rej');
    assert.deepEqual(await bob.cb.take('RejectCallSuccess'), [callID, 'ck-rej']);
    assert.deepEqual(await alice.cb.take('NotifyCallRejected'), [callID, 606, 'not now']);
    await nothingMore(alice, bob);
  });

  test('the caller hangs up while ringing: HungupCallSuccess(callID, cookie); NotifyCallHungup(callID, usrExtDat)', async () => {
    const { alice, bob, callID } = await ringing();
    alice.f.HungupCall(callID, 'sorry', 'ck-hup');
    assert.deepEqual(await alice.cb.take('HungupCallSuccess'), [callID, 'ck-hup']);
    assert.deepEqual(await bob.cb.take('NotifyCallHungup'), [callID, 'sorry']);
    await nothingMore(alice, bob);
  });

  for (const who of ['caller', 'callee'] as const) {
    test(`the ${who} hangs up an active call: HungupCallSuccess to them, NotifyCallHungup to the other`, async () => {
      const { alice, bob, meetObj, callID } = await ringing();
      bob.f.AcceptCall(callID, meetObj);
      await alice.cb.take('NotifyCallAccepted');
      await bob.cb.take('AcceptCallSuccess');
      const [me, other] = who === 'caller' ? [alice, bob] : [bob, alice];
      me.f.HangupCall(callID, 'bye', 'ck-hup');
      assert.deepEqual(await me.cb.take('HungupCallSuccess'), [callID, 'ck-hup']);
      assert.deepEqual(await other.cb.take('NotifyCallHungup'), [callID, 'bye']);
      await nothingMore(alice, bob);
    });
  }

  test('accept, reject or hang up a call that is unknown, ended or not yours: …Fail(callID, 600, cookie)', async () => {
    const { alice, bob, callID } = await ringing();
    const mallory = await facadeParty(ts, 'mallory');
    mallory.f.AcceptCall(callID, undefined, '', 'c1');
    assert.deepEqual(await mallory.cb.take('AcceptCallFail'), [callID, 600, 'c1']);
    mallory.f.RejectCall(callID, '', 'c2');
    assert.deepEqual(await mallory.cb.take('RejectCallFail'), [callID, 600, 'c2']);
    mallory.f.HungupCall(callID, '', 'c3');
    assert.deepEqual(await mallory.cb.take('HungupCallFail'), [callID, 600, 'c3']);
    bob.f.AcceptCall('no-such-call', undefined, '', 'c4');
    assert.deepEqual(await bob.cb.take('AcceptCallFail'), ['no-such-call', 600, 'c4']);
    await nothingMore(alice, bob, mallory);
    bob.f.RejectCall(callID);
    await bob.cb.take('RejectCallSuccess');
    await alice.cb.take('NotifyCallRejected');
    bob.f.AcceptCall(callID, undefined, '', 'c5');
    assert.deepEqual(await bob.cb.take('AcceptCallFail'), [callID, 600, 'c5']);
    alice.f.HungupCall(callID, '', 'c6');
    assert.deepEqual(await alice.cb.take('HungupCallFail'), [callID, 600, 'c6']);
    await nothingMore(alice, bob);
  });

  test('NotifyCallAccepted.call and NotifyCallRejected.call work as the guide writes them', async () => {
    const alice = { id: uid('alice'), f: ts.facade() };
    const recorder = watch(alice.f, ['LoginSuccess', 'CreateMeetingSuccess', 'CallSuccess']);
    const accepted: unknown[][] = [];
    const rejected: unknown[][] = [];
    let wake: () => void = () => {};
    alice.f.NotifyCallAccepted.call = (...a) => (accepted.push(a), wake());
    alice.f.NotifyCallRejected.call = (...a) => (rejected.push(a), wake());
    const until = (cond: () => boolean) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('timed out')), WAIT_MS);
        wake = () => cond() && (clearTimeout(t), resolve());
        wake();
      });
    alice.f.LoginByToken(await ts.token(alice.id), '', alice.id);
    await recorder.take('LoginSuccess');
    const bob = await facadeParty(ts, 'bob');
    alice.f.CreateMeeting();
    const [meetObj] = await recorder.take('CreateMeetingSuccess');
    const first = alice.f.Call(bob.id, meetObj, '', '');
    await bob.cb.take('NotifyCallIn');
    bob.f.AcceptCall(first, meetObj, 'yes');
    await until(() => accepted.length === 1);
    assert.equal(accepted[0]![0], first);
    assert.equal((accepted[0]![1] as MeetInfo).ID, meetObj.ID);
    assert.equal(accepted[0]![2], 'yes');
    bob.f.HungupCall(first);
    await bob.cb.take('HungupCallSuccess');
    const second = alice.f.Call(bob.id, meetObj, '', '');
    await bob.cb.take('NotifyCallIn');
    bob.f.RejectCall(second, 'no', '');
    await until(() => rejected.length === 1);
    assert.deepEqual(rejected, [[second, 606, 'no']]);
  });
});

describe('call contract, RTCSDK facade: ring timeout', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer({ ringTimeoutMs: 300 });
  });
  after(async () => {
    await ts.close();
  });

  test('nobody answers: NotifyCallRejected(callID, 604, "") to the caller, NotifyCallHungup(callID, "") to the callee', async () => {
    const alice = await facadeParty(ts, 'alice');
    const bob = await facadeParty(ts, 'bob');
    const meetObj = await meetingOf(alice);
    const callID = alice.f.Call(bob.id, meetObj, 'hello?', 'ck-call');
    await alice.cb.take('CallSuccess');
    await bob.cb.take('NotifyCallIn');
    assert.deepEqual(await alice.cb.take('NotifyCallRejected'), [callID, 604, '']);
    assert.deepEqual(await bob.cb.take('NotifyCallHungup'), [callID, '']);
    await nothingMore(alice, bob);
  });
});
