/**
 * `call.media`: the parties of an active call say whether its media connected, and the call
 * record keeps it (rules/call-media.ts). Runs on one node and, with CALLROOM_TEST_MODE=cluster,
 * on a cluster (each client on a node of the round-robin proxy).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallClient } from '../../src/sdk/client.js';
import { inbox, rejectsWith, startServer, uid, type TestServer } from '../helpers/server.js';

describe('call.media: whether the media of a call connected', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });

  /** Alice calls Bob and Bob answers; Carol is online and not in the call. */
  async function answered(): Promise<{ alice: CallClient; bob: CallClient; carol: CallClient; callID: string }> {
    const [alice, bob, carol] = await Promise.all([ts.client(uid('alice')), ts.client(uid('bob')), ts.client(uid('carol'))]);
    const bobIn = inbox(bob);
    const meeting = await alice.createMeeting();
    const { callID } = await alice.call(bob.user!.userID, meeting);
    await bobIn.take('call.incoming');
    await bob.accept(callID);
    return { alice, bob, carol, callID };
  }

  async function record(c: CallClient, callID: string) {
    const rec = (await c.listCalls({ limit: 5 })).find((r) => r.callID === callID);
    assert.ok(rec, 'the call is listed');
    return rec;
  }

  test('a party reports connected: the record says so, for both parties, and keeps it after the end', async () => {
    const { alice, bob, callID } = await answered();
    assert.equal((await record(alice, callID)).media, undefined, 'nothing reported yet');
    assert.equal(await alice.reportCallMedia(callID, 'connected'), 'connected');
    assert.equal((await record(bob, callID)).media, 'connected');
    // A later 'failed' (a retry that failed after media had flowed) does not rewrite it.
    assert.equal(await bob.reportCallMedia(callID, 'failed'), 'connected');
    await alice.hangup(callID);
    const rec = await record(bob, callID);
    assert.equal(rec.state, 'ended');
    assert.equal(rec.outcome, 'completed');
    assert.equal(rec.media, 'connected');
  });

  test("failed is recorded when no party said connected, and a later connected wins", async () => {
    const { alice, bob, callID } = await answered();
    assert.equal(await bob.reportCallMedia(callID, 'failed'), 'failed');
    assert.equal((await record(alice, callID)).media, 'failed');
    assert.equal(await alice.reportCallMedia(callID, 'connected'), 'connected');
    assert.equal((await record(bob, callID)).media, 'connected');
    await bob.hangup(callID);
  });

  test('only a party, only while the call is active: CALL_NOT_FOUND (600) otherwise; a bad value is refused (5)', async () => {
    const { alice, bob, carol, callID } = await answered();
    await rejectsWith(carol.reportCallMedia(callID, 'connected'), 600);
    await rejectsWith(alice.reportCallMedia('no-such-call', 'connected'), 600);
    await rejectsWith(alice.request('call.media', { callID, media: 'maybe' as 'failed' }), 5);
    await alice.hangup(callID);
    await rejectsWith(bob.reportCallMedia(callID, 'failed'), 600);
    assert.equal((await record(bob, callID)).media, undefined);

    // A ringing call has no media yet.
    const [dora, eve] = await Promise.all([ts.client(uid('dora')), ts.client(uid('eve'))]);
    const eveIn = inbox(eve);
    const { callID: ringing } = await dora.call(eve.user!.userID, await dora.createMeeting());
    await eveIn.take('call.incoming');
    await rejectsWith(eve.reportCallMedia(ringing, 'connected'), 600);
    await dora.hangup(ringing);
  });

  test('a report and a hang-up at the same moment: both take effect (neither write loses the other)', async () => {
    for (let i = 0; i < 5; i++) {
      const { alice, bob, callID } = await answered();
      const [media] = await Promise.allSettled([alice.reportCallMedia(callID, 'connected'), bob.hangup(callID)]);
      const rec = await record(alice, callID);
      assert.equal(rec.state, 'ended');
      // The report either came first (and is kept) or found the call ended (and was refused).
      if (media.status === 'fulfilled') assert.equal(rec.media, 'connected', `round ${i}`);
      else assert.equal(rec.media, undefined, `round ${i}`);
    }
  });
});
