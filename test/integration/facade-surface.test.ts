/**
 * The vendor surface beyond the call guide, against a real server: CreateMeeting2,
 * EnterMeeting3, StopMeeting / StopMeetingRslt, UpdateTokenRslt, both spellings of hang-up
 * (each callback once per event), and MeetingDropped when the client loses its room (a resume
 * after the grace) but not when the session resumes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MeetInfo } from '../../src/protocol/messages.js';
import { facadeParty, watch } from '../helpers/facade.js';
import { flush, next, startServer, uid, type TestServer } from '../helpers/server.js';
import { startProxy } from '../helpers/proxy.js';

describe('facade: rooms and hang-up, the vendor names', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });

  test('CreateMeeting2 makes a room with no subject; EnterMeeting3 enters it; StopMeeting ends it for everyone', async () => {
    const alice = await facadeParty(ts, 'alice');
    const bob = await facadeParty(ts, 'bob');
    alice.f.CreateMeeting2('c2');
    const [meetObj, cookie] = await alice.cb.take('CreateMeetingSuccess');
    assert.equal(cookie, 'c2');
    assert.equal(meetObj.subject, '');
    alice.f.EnterMeeting3(meetObj.ID, 'e3');
    assert.deepEqual(await alice.cb.take('EnterMeetingRslt'), [0, 'e3']);
    bob.f.EnterMeeting(meetObj.ID, meetObj.pswd, bob.id, 'Bob', 'e');
    assert.deepEqual(await bob.cb.take('EnterMeetingRslt'), [0, 'e']);
    assert.deepEqual(await alice.cb.take('UserEnterMeeting'), [bob.id]);
    bob.f.StopMeeting('not-mine');
    assert.deepEqual(await bob.cb.take('StopMeetingRslt'), [800, 'not-mine'], 'only the creator stops it');
    alice.f.StopMeeting('stop');
    assert.deepEqual(await alice.cb.take('StopMeetingRslt'), [0, 'stop']);
    await bob.cb.take('MeetingStopped');
    assert.deepEqual(await alice.cb.take('MeetingStopped'), [], 'every member, the stopper too, sees the room end');
    assert.deepEqual(alice.f.GetAllMembers(), []);
    alice.f.StopMeeting('again');
    assert.deepEqual(await alice.cb.take('StopMeetingRslt'), [817, 'again'], 'in no room');
    assert.deepEqual(alice.cb.unreadOf('MeetingStopped', 'MeetingDropped'), [], 'MeetingStopped once, MeetingDropped never');
  });

  test('UpdateToken reports through UpdateTokenRslt', async () => {
    const alice = await facadeParty(ts, 'alice');
    alice.f.UpdateToken(await ts.token(alice.id), 'u1');
    assert.deepEqual(await alice.cb.take('UpdateTokenRslt'), [0, 'u1']);
    alice.f.UpdateToken(await ts.token('someone-else'), 'u2');
    assert.deepEqual(await alice.cb.take('UpdateTokenRslt'), [21, 'u2']);
  });

  test('HangupCall: HangupCallSuccess and HungupCallSuccess once each; the other side NotifyCallHangup and NotifyCallHungup once each', async () => {
    const alice = await facadeParty(ts, 'alice');
    const bob = await facadeParty(ts, 'bob');
    alice.f.CreateMeeting();
    const [meetObj] = await alice.cb.take('CreateMeetingSuccess');
    const callID = alice.f.Call(bob.id, meetObj as MeetInfo, 'hi', 'call');
    await alice.cb.take('CallSuccess');
    await bob.cb.take('NotifyCallIn');
    bob.f.AcceptCall(callID, meetObj);
    await alice.cb.take('NotifyCallAccepted');
    alice.f.HangupCall(callID, 'bye', 'h');
    assert.deepEqual(await alice.cb.take('HangupCallSuccess'), [callID, 'h']);
    assert.deepEqual(await alice.cb.take('HungupCallSuccess'), [callID, 'h']);
    assert.deepEqual(await bob.cb.take('NotifyCallHangup'), [callID, 'bye']);
    assert.deepEqual(await bob.cb.take('NotifyCallHungup'), [callID, 'bye']);
    alice.f.HungupCall(callID, '', 'again');
    assert.deepEqual(await alice.cb.take('HangupCallFail'), [callID, 600, 'again']);
    assert.deepEqual(await alice.cb.take('HungupCallFail'), [callID, 600, 'again']);
    await flush(bob.f.client!);
    const twice = [...alice.cb.unread(), ...bob.cb.unread()].filter((x) => /Hang|Hung/.test(x.name));
    assert.deepEqual(twice, [], 'nothing fired twice');
  });
});

describe('facade: MeetingDropped', () => {
  test('a client back after the resume grace has lost its room: MeetingDropped, no LineOff; a resumed one keeps it', async () => {
    const ts = await startServer({ limits: { resumeGraceMs: 400 } });
    const proxy = await startProxy(ts.url);
    try {
      const aliceID = uid('alice');
      const bob = await facadeParty(ts, 'bob');
      const f = ts.facade();
      f.SetServerAddr(proxy.url);
      const cb = watch(f);
      f.LoginByToken(await ts.token(aliceID));
      await cb.take('LoginSuccess');
      f.CreateMeeting();
      const [m] = await cb.take('CreateMeetingSuccess');
      f.EnterMeeting2(m.ID);
      await cb.take('EnterMeetingRslt');
      bob.f.EnterMeeting(m.ID, m.pswd);
      await bob.cb.take('EnterMeetingRslt');
      await cb.take('UserEnterMeeting');

      // A short drop: resumed, still in the room.
      const resumed = next(f.client!, 'reconnected');
      proxy.dropAll();
      assert.deepEqual(await resumed, { resumed: true });
      assert.deepEqual(cb.unreadOf('MeetingDropped', 'LineOff'), []);
      assert.equal(f.GetAllMembers().length, 2);

      // Away past the grace: the server ends the session (bob sees alice leave); back, a new session.
      proxy.block(true);
      proxy.dropAll();
      assert.deepEqual(await bob.cb.take('UserLeftMeeting'), [aliceID]);
      const back = next(f.client!, 'reconnected', 20_000);
      proxy.block(false);
      assert.deepEqual(await back, { resumed: false });
      assert.deepEqual(await cb.take('MeetingDropped'), []);
      assert.deepEqual(f.GetAllMembers(), []);
      assert.deepEqual(cb.unreadOf('LineOff', 'MeetingDropped'), [], 'once, and the user is still logged in');
      f.CreateMeeting();
      await cb.take('CreateMeetingSuccess');
    } finally {
      await proxy.close();
      await ts.close();
    }
  });
});
