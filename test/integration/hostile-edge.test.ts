/**
 * Hostile clients at the edge and in rooms (issue 12, points 3, 4, 5, 7, 8 and 11): bursts,
 * invalid UTF-8, clients that do not read, status floods, malformed signals aimed at another
 * member's resume, who sees whose status, standing invitations, and caps on meetings and rooms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { ErrorCodes } from '../../src/protocol/errors.js';
import { inbox, flush, rejectsWith, startServer, WAIT_MS } from '../helpers/server.js';
import { eventually } from '../helpers/time.js';
import { Hostile, frozenServer, loggedIn, type Frame } from '../helpers/hostile.js';

const metric = async (url: string, line: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = text.split('\n').find((l) => l.startsWith(line));
  return m ? Number(m.slice(line.length).trim()) : 0;
};

test('300 frames at once: every frame the server reads gets its answer (ok or RATE_LIMITED) before the rate-limit close', async () => {
  const { ts } = await frozenServer({ ratePerSecond: 50, rateBurst: 200 });
  try {
    const h = await loggedIn(ts, 'burst');
    for (let i = 0; i < 300; i++) h.ws.send(JSON.stringify({ id: 1000 + i, op: 'ping' }));
    const closed = await h.closed;
    const answers = new Map<number, Frame>();
    for (const f of h.frames) if (typeof f.id === 'number' && f.id >= 1000) answers.set(f.id, f);
    // Frames still in flight when the server closes are never read (the SDK fails those
    // requests on the close); everything read before it is answered, in order.
    const n = answers.size;
    assert.ok(n >= 200 + 50, `the burst and the 50 strikes before the close are answered (got ${n})`);
    assert.deepEqual([...answers.keys()].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => 1000 + i), 'no gap');
    const ok = [...answers.values()].filter((f) => f.ok === true).length;
    assert.equal(ok, 200, 'the burst was served');
    assert.equal(n - ok, [...answers.values()].filter((f) => f.code === ErrorCodes.RATE_LIMITED).length);
    const refused = await metric(ts.url, 'callroom_rejected_frames_total{reason="rate"}');
    assert.equal(refused, n - ok, 'every frame refused for the rate was answered before the close');
    assert.equal(closed.code, 4900, 'and then the close, with its code');
  } finally {
    await ts.close();
  }
});

test('invalid UTF-8 in a text frame gets BAD_FRAME, and the socket stays usable', async () => {
  const ts = await startServer();
  try {
    const h = await loggedIn(ts, 'alice');
    h.ws.send(Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x35, 0x2c, 0xff, 0xfe, 0x7d]), { binary: false });
    const bad = await h.wait((f) => f.code === ErrorCodes.BAD_FRAME);
    assert.equal(bad.name, 'BAD_FRAME');
    assert.equal(bad.id, 5, 'answered with the id the frame starts with');
    assert.equal((await h.request('ping')).ok, true);
    h.close();
  } finally {
    await ts.close();
  }
});

test('a member who does not read is closed with 4906 and the server stops buffering for it', async () => {
  const ts = await startServer({ limits: { maxQueuedBytes: 65_536, ratePerSecond: 0 } });
  try {
    const alice = await ts.client('alice');
    const m = await alice.createMeeting({ pswd: 'p' });
    await alice.enterMeeting(m.ID);
    const bob = await loggedIn(ts, 'bob');
    assert.equal((await bob.request('meeting.enter', { meetingID: m.ID, pswd: 'p' })).ok, true);
    const socket = (bob.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    const sdp = 'v=0 '.repeat(8000);
    let sent = 0;
    const line = 'callroom_rejected_frames_total{reason="slow_consumer"}';
    // At most 64 MB; the kernel's socket buffers take some first, then the server must give up on bob.
    while (sent < 2000 && (await metric(ts.url, line)) === 0) {
      for (let i = 0; i < 20; i++, sent++) await alice.signal(m.ID, 'bob', 'offer', { type: 'offer', sdp });
    }
    assert.equal(await metric(ts.url, line), 1, `closed after ${sent} signals of 32 KB`);
    socket.resume();
    assert.equal((await bob.closed).code, 4906);
  } finally {
    await ts.close();
  }
});

test("a held session gets only the latest status of a user who toggled DND 51 times", async () => {
  const ts = await startServer();
  try {
    const toggler = await ts.client('toggler');
    const sub = await loggedIn(ts, 'sub');
    const login = sub.frames.find((f) => f.id === 1) as { result: { sessionID: string } };
    assert.equal((await sub.request('status.subscribe')).ok, true);
    sub.close();
    await eventually(
      async () => assert.equal(((await (await fetch(`${ts.url}/healthz`)).json()) as { connections: number }).connections, 1),
      { timeoutMs: WAIT_MS, what: 'the server sees the dropped socket' },
    );
    for (let i = 0; i < 51; i++) await toggler.setDnd(i % 2 === 0);
    const back = await Hostile.open(ts.url);
    const r = await back.request('login', { token: await ts.token('sub'), resume: { sessionID: login.result.sessionID, lastSeq: 0 } });
    assert.equal((r.result as { resumed: boolean }).resumed, true);
    const st = await back.wait((f) => f.ev === 'user.status');
    assert.deepEqual({ userID: st.userID, dnd: st.dnd }, { userID: 'toggler', dnd: true }, 'the latest state');
    await back.request('ping');
    assert.equal(back.events('user.status').length, 1, 'one event, not 51');
    back.close();
  } finally {
    await ts.close();
  }
});

test("a malformed signal is refused at the edge and uses none of the recipient's seq", async () => {
  const ts = await startServer();
  try {
    const alice = await ts.client('alice');
    const m = await alice.createMeeting({ pswd: 'p' });
    const bob = await loggedIn(ts, 'bob');
    await bob.request('meeting.enter', { meetingID: m.ID, pswd: 'p' });
    await alice.enterMeeting(m.ID);
    await bob.wait((f) => f.ev === 'meeting.memberJoined');
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const raw = await loggedIn(ts, 'mallory');
    await raw.request('meeting.enter', { meetingID: m.ID, pswd: 'p' });
    await bob.wait((f) => f.ev === 'meeting.memberJoined' && (f.member as { userID: string }).userID === 'mallory');
    raw.ws.send(`{"id":77,"op":"meeting.signal","meetingID":${m.ID},"to":"bob","kind":"offer","payload":{"type":"offer","x":${deep}}}`);
    assert.equal((await raw.wait((f) => f.id === 77)).code, ErrorCodes.BAD_ARGUMENT);
    await alice.signal(m.ID, 'bob', 'offer', { type: 'offer', sdp: 'v=0' });
    await bob.wait((f) => f.ev === 'meeting.signal');
    assert.deepEqual(bob.frames.filter((f) => f.ev !== undefined).map((f) => f.seq), [1, 2, 3], 'no gap in the seq');
    raw.close();
    bob.close();
  } finally {
    await ts.close();
  }
});

test('--presence contacts: strangers read as offline and send no status; call partners and token contacts see each other', async () => {
  const ts = await startServer({ limits: { presence: 'contacts' } });
  try {
    const alice = await ts.client('alice');
    const bob = await ts.client('bob');
    const mallory = await ts.client('mallory');
    const malloryIn = inbox(mallory);
    assert.deepEqual((await mallory.subscribeStatus()).map((s) => s.userID), ['mallory'], 'only oneself is listed');
    assert.deepEqual((await mallory.getStatus()).map((s) => s.userID), ['mallory']);
    assert.deepEqual(await mallory.getStatus(['alice']), [{ userID: 'alice', status: 0, dnd: false }], 'a stranger reads as offline');
    const carol = new (await import('../../src/sdk/index.js')).CallClient({ url: ts.url, requestTimeoutMs: WAIT_MS });
    await carol.login(await ts.auth.mint('carol', { contacts: ['alice'] }));
    assert.equal((await carol.getStatus(['alice']))[0]?.status, 1, "the token's contacts are visible");
    const bobIn = inbox(bob);
    await bob.subscribeStatus();
    const { callID } = await alice.call('bob', await alice.createMeeting());
    await bobIn.take('call.incoming');
    assert.equal((await bob.getStatus(['alice']))[0]?.status, 2, 'once called, the caller is a contact');
    await bobIn.takeWhere('user.status', (s) => s.userID === 'alice' && s.status === 2);
    await bob.accept(callID);
    await alice.hangup(callID);
    await flush(mallory);
    assert.deepEqual(malloryIn.unreadOf('user.status'), [], 'the stranger heard nothing of the call');
    carol.close();
  } finally {
    await ts.close();
  }
});

test('--presence none: nobody sees anyone else', async () => {
  const ts = await startServer({ limits: { presence: 'none' } });
  try {
    const alice = await ts.client('alice');
    await ts.client('bob');
    assert.deepEqual((await alice.getStatus()).map((s) => s.userID), ['alice']);
    assert.deepEqual(await alice.getStatus(['bob']), [{ userID: 'bob', status: 0, dnd: false }]);
  } finally {
    await ts.close();
  }
});

test('a rejected or unanswered callee stops being an invitee; an answered one stays', async () => {
  const ts = await startServer({ ringTimeoutMs: 300 });
  try {
    const alice = await ts.client('alice');
    const aliceIn = inbox(alice);
    const [bob, carol, dave] = await Promise.all([ts.client('bob'), ts.client('carol'), ts.client('dave')]);
    const [bobIn, carolIn, daveIn] = [inbox(bob), inbox(carol), inbox(dave)];
    const m = await alice.createMeeting({ pswd: 'secret' });
    const toBob = await alice.call('bob', m);
    await bobIn.take('call.incoming');
    await bob.reject(toBob.callID);
    await rejectsWith(bob.enterMeeting(m.ID), 800);
    await alice.call('carol', m);
    await carolIn.take('call.incoming');
    assert.equal((await aliceIn.take('call.rejected')).code, 606);
    assert.equal((await aliceIn.take('call.rejected')).code, 604, 'nobody answered');
    await rejectsWith(carol.enterMeeting(m.ID), 800);
    const toDave = await alice.call('dave', m);
    await daveIn.take('call.incoming');
    await dave.accept(toDave.callID);
    await alice.hangup(toDave.callID);
    await dave.enterMeeting(m.ID);
  } finally {
    await ts.close();
  }
});

test('caps: meetings per user and members per meeting answer 907 LIMIT_REACHED', async () => {
  const ts = await startServer({ limits: { maxMeetingsPerUser: 3, maxMembersPerMeeting: 2 } });
  try {
    const alice = await ts.client('alice');
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await alice.createMeeting({ pswd: 'p' }));
    await rejectsWith(alice.createMeeting(), ErrorCodes.LIMIT_REACHED);
    await alice.destroyMeeting(made[2]!.ID);
    await alice.createMeeting();
    const [bob, carol] = await Promise.all([ts.client('bob'), ts.client('carol')]);
    await alice.enterMeeting(made[0]!.ID);
    await bob.enterMeeting(made[0]!.ID, 'p');
    await rejectsWith(carol.enterMeeting(made[0]!.ID, 'p'), ErrorCodes.LIMIT_REACHED);
    await bob.exitMeeting();
    await carol.enterMeeting(made[0]!.ID, 'p');
  } finally {
    await ts.close();
  }
});

test('an empty meeting is destroyed after --meeting-ttl and no longer counts against its creator', async () => {
  const { ts, clock } = await frozenServer({ maxMeetingsPerUser: 1 }, { meetingTtlMs: 10_000 });
  try {
    const alice = await ts.client('alice');
    const m = await alice.createMeeting();
    await rejectsWith(alice.createMeeting(), ErrorCodes.LIMIT_REACHED);
    clock.advance(9_000);
    await alice.enterMeeting(m.ID);
    await alice.exitMeeting();
    clock.advance(9_999);
    await rejectsWith(alice.createMeeting(), ErrorCodes.LIMIT_REACHED);
    clock.advance(5_000);
    await rejectsWith(alice.enterMeeting(m.ID), ErrorCodes.MEETING_NOT_FOUND);
    await alice.createMeeting();
  } finally {
    await ts.close();
  }
});
