/**
 * Audio-only calls: the invite's `callType` rings as that type (`call.incoming`), is kept in the
 * call record (`calls.list`, GET /v1/calls) through every transition and told by `session.info`, defaults to video, and an
 * unknown type is refused with BAD_ARGUMENT (5) before anything happens. Both modes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CallClient, ErrorCodes, type CallRecord, type MeetInfo } from '../../src/sdk/index.js';
import { Inbox, flush, inbox, rejectsWith, startServer, uid, type TestServer } from '../helpers/server.js';

const CALL_EVENTS = ['call.incoming', 'call.accepted', 'call.rejected', 'call.hungup'] as const;

interface Party {
  id: string;
  c: CallClient;
  in: Inbox;
}

describe('call types (audio or video)', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });

  async function party(name: string): Promise<Party> {
    const id = uid(name);
    const c = await ts.client(id);
    return { id, c, in: inbox(c) };
  }

  async function pair(): Promise<{ alice: Party; bob: Party; meeting: MeetInfo }> {
    const alice = await party('alice');
    const bob = await party('bob');
    return { alice, bob, meeting: await alice.c.createMeeting() };
  }

  async function recordOf(c: CallClient, callID: string): Promise<CallRecord> {
    const rec = (await c.listCalls({ limit: 10 })).find((r) => r.callID === callID);
    assert.ok(rec, `${callID} is in the caller's calls.list`);
    return rec;
  }

  async function adminRecord(callID: string): Promise<CallRecord | undefined> {
    const token = await ts.token('ops', { admin: true });
    const r = await fetch(`${ts.url}/v1/calls?limit=200`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200);
    return ((await r.json()) as { calls: CallRecord[] }).calls.find((c) => c.callID === callID);
  }

  test('an audio invite rings as audio; the record says audio while it rings, is answered and ends', async () => {
    const { alice, bob, meeting } = await pair();
    const { callID } = await alice.c.call(bob.id, meeting, { callType: 'audio' });
    const ring = await bob.in.take('call.incoming');
    assert.equal(ring.callID, callID);
    assert.equal(ring.callType, 'audio', 'the callee is told it is an audio call');
    assert.equal((await recordOf(alice.c, callID)).callType, 'audio', 'ringing');

    await bob.c.accept(callID);
    await alice.in.take('call.accepted');
    assert.equal((await recordOf(bob.c, callID)).callType, 'audio', 'active');
    for (const p of [alice, bob]) assert.equal((await p.c.sessionInfo())?.callType, 'audio', `session.info tells ${p.id} it is an audio call`);

    await alice.c.hangup(callID);
    await bob.in.take('call.hungup');
    const ended = await recordOf(alice.c, callID);
    assert.equal(ended.state, 'ended');
    assert.equal(ended.outcome, 'completed');
    assert.equal(ended.callType, 'audio', 'ended');
    assert.equal((await recordOf(bob.c, callID)).callType, 'audio', "the callee's calls.list says so too");
    assert.equal((await adminRecord(callID))?.callType, 'audio', 'GET /v1/calls says so');
  });

  test('an invite without a call type is a video call; so is one that says video', async () => {
    const { alice, bob, meeting } = await pair();
    const { callID } = await alice.c.call(bob.id, meeting);
    assert.equal((await bob.in.take('call.incoming')).callType, 'video');
    await alice.c.hangup(callID);
    await bob.in.take('call.hungup');
    const rec = await recordOf(alice.c, callID);
    assert.equal(rec.callType, 'video');
    assert.equal(rec.outcome, 'cancelled');
    assert.equal((await adminRecord(callID))?.callType, 'video');

    const second = await alice.c.call(bob.id, meeting, { callType: 'video' });
    assert.equal((await bob.in.take('call.incoming')).callType, 'video');
    await bob.c.reject(second.callID);
    await alice.in.take('call.rejected');
    assert.equal((await recordOf(bob.c, second.callID)).callType, 'video');
  });

  test('an unknown call type is refused with BAD_ARGUMENT (5) and nothing happens: no ring, no record, nobody busy', async () => {
    const { alice, bob, meeting } = await pair();
    const callID = `bad-type-${uid('c')}`;
    const invite = { callID, callee: bob.id, meetingID: meeting.ID };
    for (const callType of ['fax', 'AUDIO', '', 1, null, ['audio']]) {
      await rejectsWith(alice.c.request('call.invite', { ...invite, callType } as never), ErrorCodes.BAD_ARGUMENT);
    }
    await flush(alice.c);
    await flush(bob.c);
    assert.deepEqual(bob.in.unreadOf(...CALL_EVENTS), [], 'the callee was not rung');
    assert.deepEqual(alice.in.unreadOf(...CALL_EVENTS), [], 'the caller got no call event');
    assert.equal(await ts.isInCall(alice.id), false, 'the caller is not in a call');
    assert.equal(await ts.isInCall(bob.id), false, 'the callee is not in a call');
    assert.deepEqual(await alice.c.listCalls(), [], 'no record was written');
    assert.equal(await adminRecord(callID), undefined, 'GET /v1/calls has none');

    // The callID was not taken: the same invite with a valid type goes through.
    await alice.c.call(bob.id, meeting, { callID, callType: 'audio' });
    assert.equal((await bob.in.take('call.incoming')).callType, 'audio');
    await alice.c.hangup(callID);
    await bob.in.take('call.hungup');
  });
});
