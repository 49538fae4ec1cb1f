/**
 * Meetings (rooms): creation, who may enter (creator, invitee, password), membership events,
 * exit, destruction by the creator, signalling relay and room text messages.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { flush, inbox, rejectsWith, startServer, uid, type TestServer } from '../helpers/server.js';

describe('meetings', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });

  async function user(name: string, nickName?: string) {
    const id = uid(name);
    const c = await ts.client(id, nickName);
    return { id, c, in: inbox(c) };
  }

  test('create returns the full MeetInfo', async () => {
    const alice = await user('alice');
    const before = Math.floor(Date.now() / 1000);
    const m = await alice.c.createMeeting({ subject: 'Weekly sync', pswd: 'sesame' });
    const after = Math.ceil(Date.now() / 1000);
    assert.ok(Number.isSafeInteger(m.ID) && m.ID > 0);
    assert.deepEqual(m, {
      ID: m.ID,
      pswd: 'sesame',
      subject: 'Weekly sync',
      pubMeetUrl: `${ts.url}/?meeting=${m.ID}`,
      creator: alice.id,
      memberCount: 0,
      startTime: m.startTime,
    });
    assert.ok(m.startTime >= before && m.startTime <= after, 'startTime is in seconds, now');
    const plain = await alice.c.createMeeting();
    assert.match(plain.pswd, /^\d{8}$/, 'a password is made when none is given');
    assert.equal(plain.subject, '');
    assert.ok(plain.ID > m.ID, 'IDs are new');
  });

  test('the creator enters without a password; the member count follows', async () => {
    const alice = await user('alice');
    const m = await alice.c.createMeeting();
    const r = await alice.c.enterMeeting(m.ID);
    assert.equal(r.meeting.ID, m.ID);
    assert.equal(r.meeting.memberCount, 1);
    assert.deepEqual(r.members, []);
  });

  test('an invitee (called into the meeting) enters without a password', async () => {
    const alice = await user('alice', 'Alice');
    const bob = await user('bob', 'Bob');
    const m = await alice.c.createMeeting();
    await alice.c.enterMeeting(m.ID);
    await rejectsWith(bob.c.enterMeeting(m.ID), 800);
    const { callID } = await alice.c.call(bob.id, m);
    await bob.in.take('call.incoming');
    await bob.c.accept(callID);
    const r = await bob.c.enterMeeting(m.ID);
    assert.deepEqual(r.members, [{ userID: alice.id, nickName: 'Alice' }]);
    assert.equal(r.meeting.memberCount, 2);
    await alice.c.hangup(callID);
    // Once invited, always invited: the call ending does not take that back.
    await bob.c.exitMeeting();
    await bob.c.enterMeeting(m.ID);
  });

  test('anyone with the password enters; a wrong password is 801; no password is 800', async () => {
    const alice = await user('alice');
    const carol = await user('carol');
    const m = await alice.c.createMeeting({ pswd: 'open-sesame' });
    await rejectsWith(carol.c.enterMeeting(m.ID), 800);
    await rejectsWith(carol.c.enterMeeting(m.ID, ''), 800);
    await rejectsWith(carol.c.enterMeeting(m.ID, 'wrong'), 801);
    const r = await carol.c.enterMeeting(m.ID, 'open-sesame');
    assert.equal(r.meeting.ID, m.ID);
  });

  test('a meeting that does not exist is 800', async () => {
    const alice = await user('alice');
    await rejectsWith(alice.c.enterMeeting(999_999_999), 800);
    await rejectsWith(alice.c.destroyMeeting(999_999_999), 800);
  });

  test('entering a meeting you are in is 807', async () => {
    const alice = await user('alice');
    const m = await alice.c.createMeeting();
    await alice.c.enterMeeting(m.ID);
    await rejectsWith(alice.c.enterMeeting(m.ID), 807);
  });

  test('exit returns the meeting; exiting when not in it is 817', async () => {
    const alice = await user('alice');
    const m = await alice.c.createMeeting();
    const other = await alice.c.createMeeting();
    await rejectsWith(alice.c.exitMeeting(), 817);
    await alice.c.enterMeeting(m.ID);
    await rejectsWith(alice.c.exitMeeting(other.ID), 817);
    assert.equal(await alice.c.exitMeeting(m.ID), m.ID);
    await rejectsWith(alice.c.exitMeeting(m.ID), 817);
  });

  test('members see each other join and leave, by exit, by moving to another meeting, and by disconnecting', async () => {
    const alice = await user('alice', 'Alice');
    const bob = await user('bob', 'Bob');
    const carol = await user('carol', 'Carol');
    const m = await alice.c.createMeeting({ pswd: 'p' });
    await alice.c.enterMeeting(m.ID);
    await bob.c.enterMeeting(m.ID, 'p');
    assert.deepEqual(await alice.in.take('meeting.memberJoined'), { meetingID: m.ID, member: { userID: bob.id, nickName: 'Bob' } });
    await carol.c.enterMeeting(m.ID, 'p');
    assert.deepEqual(await alice.in.take('meeting.memberJoined'), { meetingID: m.ID, member: { userID: carol.id, nickName: 'Carol' } });
    assert.deepEqual(await bob.in.take('meeting.memberJoined'), { meetingID: m.ID, member: { userID: carol.id, nickName: 'Carol' } });

    await bob.c.exitMeeting();
    assert.deepEqual(await alice.in.take('meeting.memberLeft'), { meetingID: m.ID, userID: bob.id });
    assert.deepEqual(await carol.in.take('meeting.memberLeft'), { meetingID: m.ID, userID: bob.id });

    const elsewhere = await carol.c.createMeeting();
    await carol.c.enterMeeting(elsewhere.ID);
    assert.deepEqual(await alice.in.take('meeting.memberLeft'), { meetingID: m.ID, userID: carol.id });

    const dave = await user('dave');
    await dave.c.enterMeeting(m.ID, 'p');
    await alice.in.take('meeting.memberJoined');
    dave.c.close();
    assert.deepEqual(await alice.in.take('meeting.memberLeft'), { meetingID: m.ID, userID: dave.id });
    await flush(alice.c);
    assert.deepEqual(alice.in.unreadOf('meeting.memberJoined', 'meeting.memberLeft'), []);
    assert.equal(bob.in.log.filter((e) => e.name === 'meeting.memberLeft').length, 0, 'a member who left hears no more');
  });

  test('the creator destroys a meeting: its members get meeting.stopped; others may not destroy it (800)', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const carol = await user('carol');
    const m = await alice.c.createMeeting({ pswd: 'p' });
    await alice.c.enterMeeting(m.ID);
    await bob.c.enterMeeting(m.ID, 'p');
    await rejectsWith(bob.c.destroyMeeting(m.ID), 800);
    await rejectsWith(carol.c.destroyMeeting(m.ID), 800);
    await alice.c.destroyMeeting(m.ID);
    assert.deepEqual(await bob.in.take('meeting.stopped'), { meetingID: m.ID });
    assert.deepEqual(await alice.in.take('meeting.stopped'), { meetingID: m.ID });
    await flush(carol.c);
    assert.equal(carol.in.log.length, 0, 'a non-member hears nothing');
    await rejectsWith(bob.c.exitMeeting(), 817);
    // A meeting that is gone is gone (800), with or without a password: IDs are no secret.
    await rejectsWith(bob.c.enterMeeting(m.ID, 'p'), 800);
    await rejectsWith(alice.c.destroyMeeting(m.ID), 800);
    assert.deepEqual(await carol.c.getStatus([alice.id, bob.id]), [
      { userID: alice.id, status: 1, dnd: false },
      { userID: bob.id, status: 1, dnd: false },
    ]);
  });

  test('signals are relayed to the one member they are for', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const carol = await user('carol');
    const m = await alice.c.createMeeting({ pswd: 'p' });
    for (const u of [alice, bob, carol]) await u.c.enterMeeting(m.ID, 'p');
    const offer = { type: 'offer' as const, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
    await alice.c.signal(m.ID, bob.id, 'offer', offer);
    assert.deepEqual(await bob.in.take('meeting.signal'), { meetingID: m.ID, from: alice.id, kind: 'offer', payload: offer });
    const cand = { candidate: 'candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    await bob.c.signal(m.ID, alice.id, 'candidate', cand);
    assert.deepEqual(await alice.in.take('meeting.signal'), { meetingID: m.ID, from: bob.id, kind: 'candidate', payload: cand });
    await alice.c.signal(m.ID, bob.id, 'candidate', null);
    assert.equal((await bob.in.take('meeting.signal')).payload, null);
    await flush(carol.c);
    assert.deepEqual(carol.in.unreadOf('meeting.signal'), [], 'nobody else gets it');
  });

  test('signals to a non-member, to yourself, or from outside the meeting are refused with 817', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const outsider = await user('outsider');
    const m = await alice.c.createMeeting({ pswd: 'p' });
    await alice.c.enterMeeting(m.ID);
    await bob.c.enterMeeting(m.ID, 'p');
    const offer = { type: 'offer' as const, sdp: 'v=0' };
    await rejectsWith(alice.c.signal(m.ID, outsider.id, 'offer', offer), 817);
    await rejectsWith(alice.c.signal(m.ID, alice.id, 'offer', offer), 817);
    await rejectsWith(outsider.c.signal(m.ID, bob.id, 'offer', offer), 817);
    await flush(outsider.c);
    await flush(bob.c);
    assert.deepEqual(outsider.in.unreadOf('meeting.signal'), []);
    assert.deepEqual(bob.in.unreadOf('meeting.signal'), []);
  });

  test('room text messages reach every other member with sender, nickname and time', async () => {
    const alice = await user('alice', 'Alice');
    const bob = await user('bob');
    const carol = await user('carol');
    const outsider = await user('outsider');
    const m = await alice.c.createMeeting({ pswd: 'p' });
    for (const u of [alice, bob, carol]) await u.c.enterMeeting(m.ID, 'p');
    const ts0 = Date.now();
    const at = await alice.c.sendMessage(m.ID, 'hello, room 👋');
    assert.ok(at >= ts0 && at <= Date.now());
    const want = { meetingID: m.ID, from: alice.id, nickName: 'Alice', text: 'hello, room 👋', ts: at };
    assert.deepEqual(await bob.in.take('meeting.message'), want);
    assert.deepEqual(await carol.in.take('meeting.message'), want);
    await rejectsWith(outsider.c.sendMessage(m.ID, 'let me in'), 817);
    await flush(alice.c);
    await flush(bob.c);
    assert.deepEqual(alice.in.unreadOf('meeting.message'), [], 'the sender does not get its own message');
    assert.deepEqual(bob.in.unreadOf('meeting.message'), [], "the outsider's message went nowhere");
  });
});
