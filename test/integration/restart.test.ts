/**
 * What survives a restart on the same data folder: meetings with their passwords and
 * invitees, call records, DND; meeting IDs are never handed out twice; calls the old process
 * left open are restored, and end with a complete record when their parties do not come back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallRecord } from '../../src/sdk/index.js';
import { flush, inbox, rejectsWith, startServer, uid, type TestServer } from '../helpers/server.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { eventually } from '../helpers/time.js';

function assertComplete(rec: CallRecord | undefined, outcome: string): void {
  assert.ok(rec, 'the record exists');
  assert.equal(rec.state, 'ended');
  assert.equal(rec.outcome, outcome);
  assert.ok(rec.endedAt !== null && rec.endedAt >= rec.createdAt, 'it has an end time, not before its start');
  if (rec.answeredAt !== null) assert.ok(rec.answeredAt >= rec.createdAt && rec.answeredAt <= rec.endedAt);
}

describe('restart', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });

  test('meetings keep their details, password and invitees across a restart', async () => {
    const [a, b, c, d] = [uid('alice'), uid('bob'), uid('carol'), uid('dave')];
    const alice = await ts.client(a);
    const bob = await ts.client(b);
    const bobIn = inbox(bob);
    const m = await alice.createMeeting({ subject: 'kept', pswd: 'sesame' });
    const { callID } = await alice.call(b, m);
    await bobIn.take('call.incoming');
    // An answered call leaves bob invited (a rejected one would not: see hostile.test.ts).
    await bob.accept(callID);
    await bob.hangup(callID);
    const aliceIn = inbox(alice);

    await ts.restart();
    assert.equal((await aliceIn.take('session.closing')).code, 904, 'clients are told the server is shutting down');

    const bob2 = await ts.client(b);
    const entered = await bob2.enterMeeting(m.ID);
    assert.deepEqual(entered.meeting, { ...m, memberCount: 1 }, 'the invitee enters without the password');
    const dave = await ts.client(d);
    await rejectsWith(dave.enterMeeting(m.ID, 'wrong'), 801);
    await dave.enterMeeting(m.ID, 'sesame');
    const carol = await ts.client(c);
    await rejectsWith(carol.enterMeeting(m.ID), 800);
    const alice2 = await ts.client(a);
    await alice2.enterMeeting(m.ID);
  });

  test('call records survive a restart unchanged', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    const alice = await ts.client(a);
    const bob = await ts.client(b);
    const bobIn = inbox(bob);
    const { callID } = await alice.call(b, await alice.createMeeting());
    await bobIn.take('call.incoming');
    await bob.accept(callID);
    await alice.hangup(callID);
    const beforeRestart = await alice.listCalls();
    assert.equal(beforeRestart.length, 1);
    assertComplete(beforeRestart[0], 'completed');

    await ts.restart();
    const again = await ts.client(a);
    assert.deepEqual(await again.listCalls(), beforeRestart);
  });

  test('DND survives a restart', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    await (await ts.client(b)).setDnd(true);
    await ts.restart();
    const bob = await ts.client(b);
    assert.equal(bob.user?.dnd, true);
    const alice = await ts.client(a);
    await rejectsWith(alice.call(b, await alice.createMeeting()), 602);
  });

  test('meeting IDs are never reused after a restart, even the highest one destroyed', async () => {
    const a = uid('alice');
    const alice = await ts.client(a);
    const m1 = await alice.createMeeting();
    const m2 = await alice.createMeeting();
    await alice.destroyMeeting(m2.ID);
    await ts.restart();
    const again = await ts.client(a);
    const m3 = await again.createMeeting();
    assert.ok(m3.ID > m2.ID, `new ID ${m3.ID} is above every earlier one (${m1.ID}, ${m2.ID})`);
    await rejectsWith(again.enterMeeting(m2.ID), 800);
    await again.enterMeeting(m1.ID);
  });

  test('calls ringing or active when the server stops are restored; parties back as new clients end them as lost', async () => {
    const [a, b, c, d] = [uid('alice'), uid('bob'), uid('carol'), uid('dave')];
    const alice = await ts.client(a);
    const bob = await ts.client(b);
    const bobIn = inbox(bob);
    const carol = await ts.client(c);
    const dave = await ts.client(d);
    const daveIn = inbox(dave);
    const ringing = await alice.call(b, await alice.createMeeting());
    await bobIn.take('call.incoming');
    const active = await carol.call(d, await carol.createMeeting());
    await daveIn.take('call.incoming');
    await dave.accept(active.callID);
    // These clients stand for processes that died with the server: they do not come back.
    for (const x of [alice, bob, carol, dave]) x.close();

    await ts.restart();
    const store = ts.store;
    assert.equal((await store.getCall(ringing.callID))?.state, 'ringing', 'the ringing call is restored');
    assert.equal((await store.getCall(active.callID))?.state, 'active', 'the active call is restored');

    // New clients (not resuming) for the same users: the calls their old clients carried end.
    const alice2 = await ts.client(a);
    const bob2 = await ts.client(b);
    const carol2 = await ts.client(c);
    await flush(carol2);
    const r = await store.getCall(ringing.callID);
    assertComplete(r, 'lost');
    assert.equal(r?.answeredAt, null);
    const act = await store.getCall(active.callID);
    assertComplete(act, 'lost');
    assert.notEqual(act?.answeredAt, null);
    assert.deepEqual(await store.listOpenCalls(), []);

    const bob2In = inbox(bob2);
    const { callID } = await alice2.call(b, await alice2.createMeeting());
    assert.equal((await bob2In.take('call.incoming')).callID, callID, 'the parties can be called again');
    await alice2.hangup(callID);
  });

  test('calls a crashed process left open end as lost when nobody comes back within the grace period', async () => {
    // Its own server with a hand-moved clock, so the grace period passes without waiting.
    const clock = new FakeClock(Date.now());
    const crashed = await startServer({ clock, limits: { resumeGraceMs: 1_000 } });
    try {
      await crashed.stop();
      // As if the process had died mid-call: open records, nobody left to end them.
      const store = await crashed.openStore();
      const t = clock.now() - 5_000;
      const base = { caller: uid('x'), callee: uid('y'), meetingID: 1, answeredAt: null, endedAt: null, outcome: null, endedBy: null, callType: 'video' as const };
      const m = await store.createMeeting({ pswd: 'p', subject: '', creator: base.caller, createdAt: t });
      await store.insertCall({ ...base, meetingID: m.id, callID: `crash-ringing-${t}`, state: 'ringing', createdAt: t });
      await store.insertCall({ ...base, caller: uid('v'), callee: uid('w'), meetingID: m.id, callID: `crash-active-${t}`, state: 'active', createdAt: t, answeredAt: t + 1_000 });
      await store.close();

      await crashed.restart();
      const s = crashed.store;
      assert.equal((await s.listOpenCalls()).length, 2, 'both calls are restored');
      clock.advance(1_000);
      // Ended by the restored timer (one node) or the next check for calls without a party (cluster).
      await eventually(async () => assert.deepEqual(await s.listOpenCalls(), []), { timeoutMs: 15_000, what: 'both calls ended' });
      assertComplete(await s.getCall(`crash-ringing-${t}`), 'lost');
      const act = await s.getCall(`crash-active-${t}`);
      assertComplete(act, 'lost');
      assert.equal(act?.answeredAt, t + 1_000);
      assert.deepEqual(await s.listOpenCalls(), []);
    } finally {
      await crashed.close();
    }
  });
});
