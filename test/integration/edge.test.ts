/**
 * The edge, over a raw WebSocket: every bad frame gets a typed error and leaves the socket
 * usable; oversized frames are refused (or cut off past the hard cap); nothing works before
 * login; a socket that never logs in is closed. Meanwhile, other users' calls carry on.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RawSocket, type Frame } from '../helpers/raw.js';
import { flush, inbox, startServer, uid, type Inbox, type TestServer } from '../helpers/server.js';
import type { CallClient } from '../../src/sdk/index.js';

function isError(f: Frame, code: number, name: string, id: number | null): void {
  assert.equal(f.ok, false, JSON.stringify(f));
  assert.equal(f.code, code, JSON.stringify(f));
  assert.equal(f.name, name);
  assert.equal(f.id, id);
  assert.equal(typeof f.message, 'string');
}

describe('edge', () => {
  let ts: TestServer;
  const sockets: RawSocket[] = [];
  // A call between two other users, ringing throughout; checked at the end.
  let alice: CallClient;
  let bob: CallClient;
  let aliceIn: Inbox;
  let bobIn: Inbox;
  let bystanderCall: string;
  let bobID: string;

  before(async () => {
    ts = await startServer();
    const a = uid('alice');
    bobID = uid('bob');
    alice = await ts.client(a);
    bob = await ts.client(bobID);
    aliceIn = inbox(alice);
    bobIn = inbox(bob);
    bystanderCall = (await alice.call(bobID, await alice.createMeeting())).callID;
    await bobIn.take('call.incoming');
  });
  after(async () => {
    for (const s of sockets) s.close();
    await ts.close();
  });

  async function open(): Promise<RawSocket> {
    const s = await RawSocket.open(ts.url);
    sockets.push(s);
    return s;
  }

  async function loggedIn(): Promise<RawSocket> {
    const s = await open();
    const r = await s.request('login', { token: await ts.token(uid('raw')) });
    assert.equal(r.ok, true, JSON.stringify(r));
    return s;
  }

  /** The socket still answers. */
  async function usable(s: RawSocket): Promise<void> {
    const r = await s.request('ping');
    assert.equal(r.ok, true);
    assert.equal(s.isOpen, true);
  }

  test('malformed JSON gets BAD_FRAME (6) and the socket stays usable', async () => {
    const s = await loggedIn();
    s.send('{"id": 1, "op": "ping"');
    isError(await s.response(), 6, 'BAD_FRAME', null);
    await usable(s);
  });

  test('JSON that is not an object gets BAD_FRAME (6)', async () => {
    const s = await loggedIn();
    for (const t of ['[1,2,3]', '"ping"', '17', 'null']) {
      s.send(t);
      isError(await s.response(), 6, 'BAD_FRAME', null);
    }
    await usable(s);
  });

  test('a binary frame gets BAD_FRAME (6)', async () => {
    const s = await loggedIn();
    s.send(Buffer.from(JSON.stringify({ id: 5, op: 'ping' })));
    const r = await s.response();
    isError(r, 6, 'BAD_FRAME', null);
    assert.match(String(r.message), /binary/);
    await usable(s);
  });

  test('an unknown op gets UNKNOWN_OP (4) with the request id', async () => {
    const s = await loggedIn();
    s.send({ id: 77, op: 'call.forward', callID: 'x' });
    isError(await s.response(), 4, 'UNKNOWN_OP', 77);
    await usable(s);
  });

  test('wrong types get BAD_ARGUMENT (5) with the request id', async () => {
    const s = await loggedIn();
    s.send({ id: 78, op: 'dnd.set', dnd: 'yes' });
    isError(await s.response(), 5, 'BAD_ARGUMENT', 78);
    s.send({ id: 79, op: 'call.invite', callID: 'c1', callee: bobID, meetingID: '1' });
    isError(await s.response(), 5, 'BAD_ARGUMENT', 79);
    s.send({ id: 80, op: 'meeting.create', subject: 'x', admin: true });
    isError(await s.response(), 5, 'BAD_ARGUMENT', 80);
    await usable(s);
  });

  test('a frame over 64 KiB gets FRAME_TOO_LARGE (901) with its id, and the socket stays usable', async () => {
    const s = await loggedIn();
    s.send(JSON.stringify({ id: 81, op: 'meeting.message', meetingID: 1, text: 'x'.repeat(70 * 1024) }));
    isError(await s.response(), 901, 'FRAME_TOO_LARGE', 81);
    await usable(s);
    const r = await s.request('meeting.create', { subject: 'still works' });
    assert.equal(r.ok, true);
  });

  test('a frame over 1 MiB closes the socket (1009)', async () => {
    const s = await loggedIn();
    s.send(JSON.stringify({ id: 82, op: 'ping', pad: 'x'.repeat(1024 * 1024) }));
    const closed = await s.closed;
    assert.equal(closed.code, 1009);
  });

  test('requests before login get NOT_LOGGED_IN (12); ping is allowed', async () => {
    const s = await open();
    for (const [op, params] of [
      ['meeting.create', {}],
      ['call.invite', { callID: 'pre-1', callee: bobID, meetingID: 1 }],
      ['call.hangup', { callID: bystanderCall }],
      ['dnd.set', { dnd: true }],
      ['status.get', {}],
      ['logout', {}],
    ] as const) {
      const r = await s.request(op, params);
      isError(r, 12, 'NOT_LOGGED_IN', r.id as number);
    }
    await usable(s);
    const login = await s.request('login', { token: await ts.token(uid('late')) });
    assert.equal(login.ok, true, 'it can still log in');
  });

  test('a login with neither token nor app credentials gets BAD_ARGUMENT (5)', async () => {
    const s = await open();
    isError(await s.request('login', { userID: 'someone' }), 5, 'BAD_ARGUMENT', 1);
    isError(await s.request('login', { protocol: 99, token: await ts.token(uid('p')) }), 4, 'UNKNOWN_OP', 2);
  });

  test("acting on someone else's call gets CALL_NOT_FOUND (600) and changes nothing", async () => {
    const s = await loggedIn();
    for (const op of ['call.accept', 'call.reject', 'call.hangup']) {
      const r = await s.request(op, { callID: bystanderCall });
      isError(r, 600, 'CALL_NOT_FOUND', r.id as number);
    }
    const reuse = await s.request('call.invite', { callID: bystanderCall, callee: bobID, meetingID: 1 });
    assert.equal(reuse.ok, false);
    assert.equal(await ts.server.core.calls.isInCall(bobID), true);
  });

  test("through all of the above, the other users' call was untouched and still works", async () => {
    await flush(alice);
    await flush(bob);
    assert.deepEqual(aliceIn.unread(), [], 'the caller got nothing');
    assert.deepEqual(bobIn.unread(), [], 'the callee got nothing more');
    await bob.accept(bystanderCall, 'finally');
    assert.equal((await aliceIn.take('call.accepted')).usrExtDat, 'finally');
    await alice.hangup(bystanderCall);
    assert.equal((await bobIn.take('call.hungup')).reason, 'hangup');
  });
});

describe('edge: login deadline', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer({ limits: { loginTimeoutMs: 200 } });
  });
  after(async () => {
    await ts.close();
  });

  test('a socket that never logs in is closed with 4903 LOGIN_TIMEOUT; one that logged in stays', async () => {
    const good = await RawSocket.open(ts.url);
    try {
      const r = await good.request('login', { token: await ts.token(uid('punctual')) });
      assert.equal(r.ok, true);
      const idle = await RawSocket.open(ts.url);
      assert.equal((await idle.request('ping')).ok, true, 'not closed at once: it has until the deadline');
      const closed = await idle.closed;
      assert.equal(closed.code, 4903);
      assert.equal(closed.reason, 'LOGIN_TIMEOUT');
      // The idle socket opened after the good one logged in and has hit its deadline, so the
      // good one's deadline has passed too: it is still open because it logged in.
      const pong = await good.request('ping');
      assert.equal(pong.ok, true);
      assert.equal(good.isOpen, true);
    } finally {
      good.close();
    }
  });
});

describe('edge: rate cap', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer({ limits: { ratePerSecond: 1, rateBurst: 3 } });
  });
  after(async () => {
    await ts.close();
  });

  test('requests over the rate cap get RATE_LIMITED (900) with their own id, at once', async () => {
    const s = await RawSocket.open(ts.url);
    try {
      for (let id = 1; id <= 6; id++) s.send({ id, op: 'ping' });
      const got: Frame[] = [];
      for (let i = 0; i < 6; i++) got.push(await s.response());
      const limited = got.filter((f) => f.ok === false);
      assert.ok(limited.length >= 2, `some were limited: ${JSON.stringify(got)}`);
      for (const f of limited) assert.equal(f.code, 900);
      assert.deepEqual(got.map((f) => f.id).sort(), [1, 2, 3, 4, 5, 6], 'every request got the response with its id');
    } finally {
      s.close();
    }
  });

  test('through the SDK, a rate-limited request fails with 900 instead of waiting for its timeout', async () => {
    const c = await ts.connect();
    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => c.request('ping', {})));
    const codes = results.map((r) => (r.status === 'fulfilled' ? 0 : (r.reason as { code: number }).code));
    assert.ok(codes.includes(900), `codes: ${codes}`);
    assert.ok(codes.every((x) => x === 0 || x === 900), `codes: ${codes}`);
    assert.ok(Date.now() - started < 5_000, 'nobody waited for a timeout');
  });
});
