/**
 * `meeting.media`: a member's microphone, camera and screen-share state reaches every other
 * member of the room, and no one else; outside the room it is 817; out-of-range states are
 * refused at the edge. On one node and on three nodes sharing Redis.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallClient } from '../../src/sdk/index.js';
import { flush, inbox, rejectsWith, startServer, uid, type TestServer } from '../helpers/server.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';

type Login = (userID: string, i: number) => Promise<CallClient>;

async function scenario(login: Login): Promise<void> {
  const [a, b, c, d] = [uid('alice'), uid('bob'), uid('carol'), uid('dave')];
  const alice = await login(a, 0);
  const bob = await login(b, 1);
  const carol = await login(c, 2);
  const dave = await login(d, 0);
  const m = await alice.createMeeting({ pswd: 'pw' });
  await alice.enterMeeting(m.ID);
  await bob.enterMeeting(m.ID, 'pw');
  await carol.enterMeeting(m.ID, 'pw');
  const [ia, ib, ic, id] = [inbox(alice), inbox(bob), inbox(carol), inbox(dave)];
  await bob.setMedia(m.ID, { audio: 3, video: 2, screen: true });
  const expected = { meetingID: m.ID, userID: b, audio: 3, video: 2, screen: true };
  assert.deepEqual(await ia.take('meeting.media'), expected);
  assert.deepEqual(await ic.take('meeting.media'), expected);
  await bob.setMedia(m.ID, { audio: 2, video: 4 });
  assert.deepEqual(await ia.take('meeting.media'), { meetingID: m.ID, userID: b, audio: 2, video: 4 }, 'screen is optional');
  await Promise.all([flush(bob), flush(dave)]);
  assert.deepEqual(ib.unreadOf('meeting.media'), [], 'the sender is not told');
  assert.deepEqual(id.unreadOf('meeting.media'), [], 'a non-member is not told');
  await rejectsWith(dave.setMedia(m.ID, { audio: 3, video: 3 }), 817);
  await rejectsWith(bob.request('meeting.media', { meetingID: m.ID, audio: 5, video: 0 }), 5);
  await rejectsWith(bob.request('meeting.media', { meetingID: m.ID, audio: 1, video: 1, extra: 1 } as never), 5);
  await bob.exitMeeting(m.ID);
  await rejectsWith(bob.setMedia(m.ID, { audio: 3, video: 3 }), 817);
}

describe('meeting.media on one node', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });
  test('reaches every other member, once; 817 outside the room; bad states refused', async () => {
    await scenario((id) => ts.client(id));
  });
});

describe('meeting.media on three nodes', () => {
  let cl: TestCluster;
  before(async () => {
    cl = await startCluster(3);
  });
  after(async () => {
    await cl.close();
  });
  test('reaches every other member across nodes, once; 817 outside the room; bad states refused', async () => {
    await scenario((id, i) => cl.nodes[i]!.client(id));
  });
});
