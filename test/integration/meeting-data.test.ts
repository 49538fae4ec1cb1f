/**
 * `meeting.data`: data from a member to one other member (`to`), or to every other member of the
 * room, and nobody else; 817 outside the room and for a `to` who is not another member; data over
 * the limit refused at the edge (5). Through the modern API and through the facade's SendCmd /
 * SendIMmsg. Runs in both modes (scripts/test.mjs: CALLROOM_TEST_MODE=cluster).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Limits } from '../../src/protocol/messages.js';
import type { CallClient, MeetInfo } from '../../src/sdk/index.js';
import { facadeParty, type CallbackName, type FacadeParty } from '../helpers/facade.js';
import { flush, inbox, rejectsWith, startServer, uid, type Inbox, type TestServer } from '../helpers/server.js';

const DATA_CALLBACKS: CallbackName[] = ['NotifyCmdData', 'NotifyIMmsg', 'SendCmdRlst', 'SendCmdRslt', 'SendIMmsgRlst'];

describe('meeting.data', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });

  /** alice, bob and carol in one meeting; dave logged in, outside it. Inboxes opened once all are in. */
  async function room() {
    const [a, b, c, d] = [uid('alice'), uid('bob'), uid('carol'), uid('dave')];
    const alice = await ts.client(a);
    const bob = await ts.client(b);
    const carol = await ts.client(c);
    const dave = await ts.client(d);
    const m = await alice.createMeeting({ pswd: 'pw' });
    await alice.enterMeeting(m.ID);
    await bob.enterMeeting(m.ID, 'pw');
    await carol.enterMeeting(m.ID, 'pw');
    const clients = { alice, bob, carol, dave };
    const boxes = { alice: inbox(alice), bob: inbox(bob), carol: inbox(carol), dave: inbox(dave) };
    return { ids: { a, b, c, d }, m, clients, boxes };
  }

  /** After a round trip on each client, none has an unread `meeting.data`. */
  async function noData(boxes: Record<string, Inbox>, clients: Record<string, CallClient>, who: string[]): Promise<void> {
    for (const name of who) {
      await flush(clients[name]!);
      assert.deepEqual(boxes[name]!.unreadOf('meeting.data'), [], `${name} got no meeting.data`);
    }
  }

  test('data to one member reaches that member alone; the result carries the time the event has', async () => {
    const { ids, m, clients, boxes } = await room();
    const ts1 = await clients.alice.sendData(m.ID, 'cmd', '{"op":"zoom","level":2}', ids.b);
    assert.deepEqual(await boxes.bob.take('meeting.data'), { meetingID: m.ID, from: ids.a, kind: 'cmd', data: '{"op":"zoom","level":2}', ts: ts1 });
    await noData(boxes, clients, ['alice', 'carol', 'dave']);
  });

  test('data without `to` reaches every other member, once, and not the sender', async () => {
    const { ids, m, clients, boxes } = await room();
    const t = await clients.bob.sendData(m.ID, 'im', 'hello, room');
    const expected = { meetingID: m.ID, from: ids.b, kind: 'im', data: 'hello, room', ts: t };
    assert.deepEqual(await boxes.alice.take('meeting.data'), expected);
    assert.deepEqual(await boxes.carol.take('meeting.data'), expected);
    await noData(boxes, clients, ['alice', 'bob', 'carol', 'dave']);
  });

  test('817 outside the meeting, and for a `to` who is not another member', async () => {
    const { ids, m, clients, boxes } = await room();
    await rejectsWith(clients.dave.sendData(m.ID, 'cmd', 'x', ids.a), 817);
    await rejectsWith(clients.dave.sendData(m.ID, 'im', 'x'), 817);
    await rejectsWith(clients.alice.sendData(m.ID, 'cmd', 'x', ids.d), 817);
    await rejectsWith(clients.alice.sendData(m.ID, 'cmd', 'x', ids.a), 817);
    await rejectsWith(clients.alice.sendData(m.ID + 1, 'im', 'x'), 817);
    await clients.bob.exitMeeting(m.ID);
    await rejectsWith(clients.bob.sendData(m.ID, 'im', 'x'), 817);
    await rejectsWith(clients.alice.sendData(m.ID, 'cmd', 'x', ids.b), 817);
    await noData(boxes, clients, ['alice', 'bob', 'carol', 'dave']);
  });

  test('data over the limit, an unknown kind or an extra field is refused with 5; data at the limit is relayed', async () => {
    const { ids, m, clients, boxes } = await room();
    await rejectsWith(clients.alice.sendData(m.ID, 'cmd', 'x'.repeat(Limits.data + 1), ids.b), 5);
    await rejectsWith(clients.alice.request('meeting.data', { meetingID: m.ID, kind: 'file', data: 'x' } as never), 5);
    await rejectsWith(clients.alice.request('meeting.data', { meetingID: m.ID, kind: 'im', data: 'x', extra: 1 } as never), 5);
    await noData(boxes, clients, ['bob', 'carol']);
    const big = 'y'.repeat(Limits.data);
    await clients.alice.sendData(m.ID, 'cmd', big, ids.b);
    assert.equal((await boxes.bob.take('meeting.data')).data, big);
  });
});

describe('SendCmd and SendIMmsg, RTCSDK facade', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });

  async function enter(p: FacadeParty, m: MeetInfo): Promise<void> {
    p.f.EnterMeeting(m.ID, m.pswd, p.id, p.id, `enter-${p.id}`);
    assert.deepEqual(await p.cb.take('EnterMeetingRslt'), [0, `enter-${p.id}`]);
  }

  /** alice, bob and carol in a room made by alice; dave logged in, outside it. */
  async function room() {
    const [alice, bob, carol, dave] = [
      await facadeParty(ts, 'alice'),
      await facadeParty(ts, 'bob'),
      await facadeParty(ts, 'carol'),
      await facadeParty(ts, 'dave'),
    ];
    alice.f.CreateMeeting('data', 'ck-create');
    const [m] = await alice.cb.take('CreateMeetingSuccess');
    for (const p of [alice, bob, carol]) await enter(p, m);
    return { alice, bob, carol, dave };
  }

  /** After a round trip on each, none has an unread data callback. */
  async function nothingMore(...parties: FacadeParty[]): Promise<void> {
    for (const p of parties) {
      await flush(p.f.client!);
      assert.deepEqual(p.cb.unreadOf(...DATA_CALLBACKS), [], `${p.id} got no further data callbacks`);
    }
  }

  test('SendCmd reaches the one member as NotifyCmdData; SendCmdRlst and SendCmdRslt report 0, once each', async () => {
    const { alice, bob, carol, dave } = await room();
    const taskID = alice.f.SendCmd(bob.id, 'raise-hand', 'ck-cmd');
    assert.match(taskID, /^[0-9a-f-]{36}$/, 'SendCmd returns its taskID at once');
    assert.deepEqual(await alice.cb.take('SendCmdRlst'), [taskID, 0, 'ck-cmd']);
    assert.deepEqual(await alice.cb.take('SendCmdRslt'), [taskID, 0, 'ck-cmd']);
    assert.deepEqual(await bob.cb.take('NotifyCmdData'), [alice.id, 'raise-hand']);
    await nothingMore(alice, bob, carol, dave);
  });

  test('SendIMmsg with an empty UserID reaches every other member as NotifyIMmsg, not the sender', async () => {
    const { alice, bob, carol, dave } = await room();
    const before = Math.floor(Date.now() / 1000);
    const taskID = carol.f.SendIMmsg('hello all', '', 'ck-im');
    assert.deepEqual(await carol.cb.take('SendIMmsgRlst'), [taskID, 0, 'ck-im']);
    for (const p of [alice, bob]) {
      const [from, text, sendTime] = await p.cb.take('NotifyIMmsg');
      assert.deepEqual([from, text], [carol.id, 'hello all']);
      assert.ok(sendTime >= before - 1 && sendTime <= Math.floor(Date.now() / 1000) + 1, `sendTime ${sendTime} is now, in seconds`);
    }
    await nothingMore(alice, bob, carol, dave);
  });

  test('SendIMmsg to one member reaches that member alone', async () => {
    const { alice, bob, carol, dave } = await room();
    const taskID = bob.f.SendIMmsg('psst', alice.id, 'ck-im1');
    assert.deepEqual(await bob.cb.take('SendIMmsgRlst'), [taskID, 0, 'ck-im1']);
    assert.deepEqual((await alice.cb.take('NotifyIMmsg')).slice(0, 2), [bob.id, 'psst']);
    await nothingMore(alice, bob, carol, dave);
  });

  test('12 before login; 817 outside a room and to a non-member; 5 for data over the limit and a command to nobody', async () => {
    const { alice, bob, carol, dave } = await room();
    const loggedOut = ts.facade();
    const seen: unknown[][] = [];
    loggedOut.SendCmdRlst.callback = (...a) => seen.push(['SendCmdRlst', ...a]);
    loggedOut.SendIMmsgRlst.callback = (...a) => seen.push(['SendIMmsgRlst', ...a]);
    const t0 = loggedOut.SendCmd(bob.id, 'x', 'ck0');
    const t1 = loggedOut.SendIMmsg('x', '', 'ck1');
    await new Promise<void>((r) => setImmediate(r));
    assert.deepEqual(seen, [['SendCmdRlst', t0, 12, 'ck0'], ['SendIMmsgRlst', t1, 12, 'ck1']]);

    const t2 = dave.f.SendCmd(alice.id, 'x', 'ck2');
    assert.deepEqual(await dave.cb.take('SendCmdRlst'), [t2, 817, 'ck2']);
    assert.deepEqual(await dave.cb.take('SendCmdRslt'), [t2, 817, 'ck2']);
    const t3 = dave.f.SendIMmsg('x', '', 'ck3');
    assert.deepEqual(await dave.cb.take('SendIMmsgRlst'), [t3, 817, 'ck3']);

    const t4 = alice.f.SendCmd(dave.id, 'x', 'ck4');
    assert.deepEqual(await alice.cb.take('SendCmdRlst'), [t4, 817, 'ck4']);
    assert.deepEqual(await alice.cb.take('SendCmdRslt'), [t4, 817, 'ck4']);
    const t5 = alice.f.SendIMmsg('x', uid('nobody'), 'ck5');
    assert.deepEqual(await alice.cb.take('SendIMmsgRlst'), [t5, 817, 'ck5']);

    const t6 = alice.f.SendCmd(bob.id, 'x'.repeat(Limits.data + 1), 'ck6');
    assert.deepEqual(await alice.cb.take('SendCmdRlst'), [t6, 5, 'ck6']);
    assert.deepEqual(await alice.cb.take('SendCmdRslt'), [t6, 5, 'ck6']);
    const t7 = alice.f.SendIMmsg('x'.repeat(Limits.data + 1), '', 'ck7');
    assert.deepEqual(await alice.cb.take('SendIMmsgRlst'), [t7, 5, 'ck7']);
    const t8 = alice.f.SendCmd('', 'x', 'ck8');
    assert.deepEqual(await alice.cb.take('SendCmdRlst'), [t8, 5, 'ck8'], 'a command needs a member to go to');
    assert.deepEqual(await alice.cb.take('SendCmdRslt'), [t8, 5, 'ck8']);
    await nothingMore(alice, bob, carol, dave);
  });
});
