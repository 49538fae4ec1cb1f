/**
 * Abuse: hostile but well-formed use of the service. Each attempt is refused with the
 * documented code (docs/security.md, docs/protocol.md), and nothing leaks: the refusal says
 * no more than the code's stock message, the attacker's socket stays unauthenticated, and the
 * victim's call or meeting is unaffected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { ErrorCodes, ErrorMessages } from '../../src/protocol/errors.js';
import { API, startServer, next, WAIT_MS, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/time.js';

interface Response {
  id: number | null;
  ok: boolean;
  code?: number;
  name?: string;
  message?: string;
  result?: Record<string, unknown>;
}

/** A bare WebSocket speaking the wire protocol, for what the SDK would never send. */
class Raw {
  readonly responses: Response[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private nextID = 1;
  private waiters = new Map<number, (r: Response) => void>();
  private anyWaiters: ((r: Response) => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as Response & { ev?: string };
      if (msg.ev !== undefined) return;
      this.responses.push(msg);
      for (const w of this.anyWaiters.splice(0)) w(msg);
      if (typeof msg.id === 'number') {
        this.waiters.get(msg.id)?.(msg);
        this.waiters.delete(msg.id);
      }
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<Raw> {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/v1/ws', { headers });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Raw(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    });
  }

  /** Sends a request and resolves with its response. */
  request(op: string, params: Record<string, unknown> = {}): Promise<Response> {
    const id = this.nextID++;
    return this.send(JSON.stringify({ id, op, ...params }), id);
  }

  send(frame: string, id: number | null = null): Promise<Response> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response to ${frame.slice(0, 60)}`)), 5000);
      const done = (r: Response) => {
        clearTimeout(timer);
        resolve(r);
      };
      if (id === null) this.anyWaiters.push(done);
      else this.waiters.set(id, done);
      this.ws.send(frame);
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const claims = (sub: string) => ({ sub, name: sub, iss: API.apiKey, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 3600 });

/** A token built by hand: any header, any payload, an HMAC under any key (or no signature). */
function handmade(header: Record<string, unknown>, payload: Record<string, unknown>, hmac: { alg: 'sha256' | 'sha512'; key: string } | null): string {
  const body = `${b64url(header)}.${b64url(payload)}`;
  const sig = hmac ? createHmac(hmac.alg, hmac.key).update(body).digest('base64url') : '';
  return `${body}.${sig}`;
}

function assertRefused(r: Response, name: keyof typeof ErrorCodes, what: string): void {
  assert.equal(r.ok, false, `${what}: must be refused`);
  assert.equal(r.code, ErrorCodes[name], `${what}: code ${r.code} ${r.name}, wanted ${ErrorCodes[name]} ${name}`);
  assert.equal(r.name, name, what);
}

/** The socket stays unauthenticated: an op after the refused login gets NOT_LOGGED_IN. */
async function assertNotLoggedIn(raw: Raw, what: string): Promise<void> {
  assertRefused(await raw.request('status.get', { userIDs: ['alice'] }), 'NOT_LOGGED_IN', `${what}, then an op`);
}

test('tokens: forged, expired, alg none and key confusion are refused with 21 or 18 and a stock message', async () => {
  const ts = await startServer();
  try {
    const secret = new TextEncoder().encode(API.apiSecret);
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string, 'TOKEN_INVALID' | 'TOKEN_EXPIRED'][] = [
      ['signed with a wrong secret', await new SignJWT({ name: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer(API.apiKey).setExpirationTime(now + 3600).sign(new TextEncoder().encode('not-the-secret-0123456789abcdef0123')), 'TOKEN_INVALID'],
      ['expired', await ts.auth.mint('alice', { ttlSeconds: 60, now: Date.now() - 3600_000 }), 'TOKEN_EXPIRED'],
      ['alg none, no signature', handmade({ alg: 'none', typ: 'JWT' }, claims('alice'), null), 'TOKEN_INVALID'],
      ['alg none with an HS256 signature', handmade({ alg: 'none', typ: 'JWT' }, claims('alice'), { alg: 'sha256', key: API.apiSecret }), 'TOKEN_INVALID'],
      ['RS256 header over an HMAC with the secret', handmade({ alg: 'RS256', typ: 'JWT' }, claims('alice'), { alg: 'sha256', key: API.apiSecret }), 'TOKEN_INVALID'],
      ['HS512 with the right secret', await new SignJWT({ name: 'alice' }).setProtectedHeader({ alg: 'HS512' }).setSubject('alice').setIssuer(API.apiKey).setExpirationTime(now + 3600).sign(secret), 'TOKEN_INVALID'],
      ['signed with the API key instead of the secret', handmade({ alg: 'HS256', typ: 'JWT' }, claims('alice'), { alg: 'sha256', key: API.apiKey }), 'TOKEN_INVALID'],
      ['wrong issuer', await new SignJWT({ name: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer('someone-else').setExpirationTime(now + 3600).sign(secret), 'TOKEN_INVALID'],
      ['no exp', await new SignJWT({ name: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer(API.apiKey).sign(secret), 'TOKEN_INVALID'],
      ['no sub', await new SignJWT({ name: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(API.apiKey).setExpirationTime(now + 3600).sign(secret), 'TOKEN_INVALID'],
      ['payload swapped under a valid signature', (() => {
        const good = handmade({ alg: 'HS256', typ: 'JWT' }, claims('alice'), { alg: 'sha256', key: API.apiSecret }).split('.');
        return `${good[0]}.${b64url({ ...claims('alice'), sub: 'admin', admin: true })}.${good[2]}`;
      })(), 'TOKEN_INVALID'],
    ];
    // The control: a correct hand-made token is accepted, so the refusals below are about the flaw.
    const control = await Raw.open(ts.url);
    const ok = await control.request('login', { token: handmade({ alg: 'HS256', typ: 'JWT' }, claims('alice'), { alg: 'sha256', key: API.apiSecret }) });
    assert.equal(ok.ok, true, 'a correct hand-made token logs in');
    control.close();

    for (const [what, token, want] of cases) {
      const raw = await Raw.open(ts.url);
      const r = await raw.request('login', { token });
      assertRefused(r, want, what);
      assert.equal(r.message, ErrorMessages[want], `${what}: the message says nothing about why`);
      await assertNotLoggedIn(raw, what);
      raw.close();
    }
  } finally {
    await ts.close();
  }
});

test('identity is the token subject: a userID next to the token is ignored', async () => {
  const ts = await startServer();
  try {
    const bob = await ts.client('bob');
    const raw = await Raw.open(ts.url);
    const r = await raw.request('login', { token: await ts.token('mallory'), userID: 'bob', nickName: 'Bob' });
    assert.equal(r.ok, true);
    assert.equal(r.result?.userID, 'mallory', 'logged in as the token subject');
    assert.equal(bob.state, 'connected', 'bob is not kicked by a login that names him');
    const status = await bob.getStatus(['bob']);
    assert.equal(status[0]?.status, 1, 'bob is still online');
    raw.close();
  } finally {
    await ts.close();
  }
});

test("another user's call: accept, reject and hang up are refused with 600 and the call carries on", async () => {
  const ts = await startServer();
  try {
    const alice = await ts.client('alice');
    const bob = await ts.client('bob');
    const mallory = await Raw.open(ts.url);
    assert.equal((await mallory.request('login', { token: await ts.token('mallory'), userID: 'bob' })).ok, true);
    const m = await alice.createMeeting();
    const incoming = next(bob, 'call.incoming');
    const { callID } = await alice.call('bob', m);
    await incoming;
    let disturbed = 0;
    for (const c of [alice, bob]) for (const e of ['call.hungup', 'call.rejected', 'call.accepted'] as const) c.on(e, () => disturbed++);

    for (const op of ['call.accept', 'call.reject', 'call.hangup']) {
      const r = await mallory.request(op, { callID });
      assertRefused(r, 'CALL_NOT_FOUND', `mallory ${op} on a ringing call`);
      assert.equal(r.message, ErrorMessages.CALL_NOT_FOUND);
    }
    // The same answer as for a call that does not exist: nothing tells them apart.
    const unknown = await mallory.request('call.hangup', { callID: 'no-such-call' });
    assert.deepEqual({ ...unknown, id: 0 }, { ...(await mallory.request('call.hangup', { callID })), id: 0 });
    // The caller cannot answer their own call either.
    await assert.rejects(alice.accept(callID), (e: { code: number }) => e.code === 600);
    assert.equal(disturbed, 0, 'neither party heard of the attempts');

    const accepted = next(alice, 'call.accepted');
    await bob.accept(callID);
    await accepted;
    for (const op of ['call.accept', 'call.reject', 'call.hangup']) {
      assertRefused(await mallory.request(op, { callID }), 'CALL_NOT_FOUND', `mallory ${op} on an active call`);
    }
    assert.equal((await alice.getStatus(['alice', 'bob'])).every((s) => s.status === 2), true, 'both still in the call');
    const hung = next(bob, 'call.hungup');
    await alice.hangup(callID);
    await hung;
    const calls = await bob.listCalls();
    assert.equal(calls[0]?.callID, callID);
    assert.equal(calls[0]?.outcome, 'completed');
    assert.equal(calls[0]?.endedBy, 'alice');
    mallory.close();
  } finally {
    await ts.close();
  }
});

test('meetings: no invitation and no password gives 800, a wrong password 801, signals to non-members 817', async () => {
  const ts = await startServer();
  try {
    const alice = await ts.client('alice');
    const bob = await ts.client('bob');
    const mallory = await ts.client('mallory');
    const m = await alice.createMeeting({ pswd: 'secret' });
    await alice.enterMeeting(m.ID);
    const code = (p: Promise<unknown>) => p.then(() => 0, (e: { code: number }) => e.code);

    assert.equal(await code(mallory.enterMeeting(m.ID)), 800, 'no invitation, no password');
    assert.equal(await code(mallory.enterMeeting(m.ID, 'guess')), 801, 'wrong password');
    assert.equal(await code(mallory.enterMeeting(987_654)), 800, 'a meeting that does not exist gives the same 800');
    assert.equal(await code(mallory.request('meeting.get', { meetingID: m.ID })), 800, 'its details are not shown');
    assert.equal(await code(mallory.destroyMeeting(m.ID)), 800, 'only the creator destroys it');
    assert.equal(await code(mallory.call('bob', { ID: m.ID })), 800, 'nor can it be used to call someone');
    assert.equal(await code(mallory.signal(m.ID, 'alice', 'offer', { type: 'offer', sdp: 'v=0' })), 817, 'a non-member cannot signal members');
    assert.equal(await code(mallory.sendMessage(m.ID, 'hi')), 817, 'nor send room messages');

    // A member cannot relay to someone outside the room, nor reach a room they are not in.
    const other = await mallory.createMeeting();
    await mallory.enterMeeting(other.ID);
    assert.equal(await code(alice.signal(m.ID, 'mallory', 'offer', { type: 'offer', sdp: 'v=0' })), 817, 'to a non-member');
    assert.equal(await code(alice.signal(m.ID, 'bob', 'offer', { type: 'offer', sdp: 'v=0' })), 817, 'to an online non-member');
    assert.equal(await code(mallory.signal(m.ID, 'alice', 'offer', { type: 'offer', sdp: 'v=0' })), 817, 'from another room');
    assert.equal((await alice.getStatus(['mallory']))[0]?.status, 3);

    // The right password works, and then signals flow.
    await bob.enterMeeting(m.ID, 'secret');
    const sig = next(bob, 'meeting.signal');
    await alice.signal(m.ID, 'bob', 'offer', { type: 'offer', sdp: 'v=0' });
    assert.equal((await sig).from, 'alice');
  } finally {
    await ts.close();
  }
});

test('a flood past the per-session rate gets RATE_LIMITED (900) and then a close with 4900', async () => {
  const ts = await startServer({ limits: { ratePerSecond: 5, rateBurst: 5 } });
  try {
    const bystander = await ts.client('bob');
    const raw = await Raw.open(ts.url);
    assert.equal((await raw.request('login', { token: await ts.token('flooder') })).ok, true);
    for (let i = 0; i < 200; i++) raw.ws.send(JSON.stringify({ id: 1000 + i, op: 'ping' }));
    const closed = await raw.closed;
    assert.equal(closed.code, 4900);
    const limited = raw.responses.filter((r) => r.code === ErrorCodes.RATE_LIMITED);
    assert.ok(limited.length >= 40, `RATE_LIMITED responses before the close: ${limited.length}`);
    assert.ok(raw.responses.filter((r) => r.ok).length <= 6, 'at most the burst got through');
    // The flood hurt nobody else.
    assert.equal((await bystander.getStatus(['bob']))[0]?.status, 1);
  } finally {
    await ts.close();
  }
});

test('a frame over 64 KiB gets 901 and the socket stays usable; over 1 MiB closes with 1009', async () => {
  const ts = await startServer();
  try {
    const raw = await Raw.open(ts.url);
    assert.equal((await raw.request('login', { token: await ts.token('alice') })).ok, true);
    const big = await raw.send(JSON.stringify({ id: 7, op: 'meeting.message', meetingID: 1, text: 'x'.repeat(70 * 1024) }), 7);
    assertRefused(big, 'FRAME_TOO_LARGE', '70 KiB frame');
    assert.equal((await raw.request('ping')).ok, true, 'the socket is still usable');
    raw.ws.send('y'.repeat(1024 * 1024 + 16));
    assert.equal((await raw.closed).code, 1009);
  } finally {
    await ts.close();
  }
});

test('too many connections from one address: the one over the cap is closed with 4902', async () => {
  const ts = await startServer({ limits: { maxConnsPerIP: 3 } });
  try {
    const held = await Promise.all([Raw.open(ts.url), Raw.open(ts.url), Raw.open(ts.url)]);
    const over = await Raw.open(ts.url);
    assert.equal((await over.closed).code, 4902);
    held[0]!.close();
    await held[0]!.closed;
    // The server frees the slot when it sees the socket close, which tells no client: wait for its
    // connection count (the refused one was never counted) to drop to the two still held.
    await eventually(
      async () => {
        const health = (await (await fetch(`${ts.url}/healthz`)).json()) as { connections: number };
        assert.equal(health.connections, 2);
      },
      { timeoutMs: WAIT_MS, what: 'the closed connection is freed on the server' },
    );
    const again = await Raw.open(ts.url);
    assert.equal((await again.request('login', { token: await ts.token('alice') })).ok, true, 'a slot freed is usable again');
    for (const h of [...held, again]) h.close();
  } finally {
    await ts.close();
  }
});

test('a socket that never logs in is closed with 4903', async () => {
  const ts = await startServer({ limits: { loginTimeoutMs: 300 } });
  try {
    const raw = await Raw.open(ts.url);
    const started = Date.now();
    assert.equal((await raw.request('ping')).ok, true, 'ping is answered before login');
    assert.equal((await raw.closed).code, 4903);
    assert.ok(Date.now() - started < 3000);
  } finally {
    await ts.close();
  }
});

test('Origin allowlist: a foreign page gets HTTP 403 on upgrade; an allowed one and non-browsers connect', async () => {
  const ts = await startServer({ limits: { allowedOrigins: ['https://phone.example.com'] } });
  try {
    await assert.rejects(Raw.open(ts.url, { Origin: 'https://evil.example.net' }), (e: { status?: number }) => e.status === 403);
    await assert.rejects(Raw.open(ts.url, { Origin: 'https://phone.example.com.evil.net' }), (e: { status?: number }) => e.status === 403);
    await assert.rejects(Raw.open(ts.url, { Origin: 'null' }), (e: { status?: number }) => e.status === 403);
    const good = await Raw.open(ts.url, { Origin: 'https://phone.example.com' });
    assert.equal((await good.request('login', { token: await ts.token('alice') })).ok, true);
    const cli = await Raw.open(ts.url);
    assert.equal((await cli.request('login', { token: await ts.token('bob') })).ok, true);
    good.close();
    cli.close();
  } finally {
    await ts.close();
  }
});

async function offlineUser(ts: TestServer, userID: string, dnd: boolean): Promise<void> {
  const c = await ts.client(userID);
  await c.setDnd(dnd);
  await c.logout();
}

test('an unknown user cannot be told from an offline one: same status, same 603', async () => {
  const ts = await startServer();
  try {
    await offlineUser(ts, 'carol', false);
    await offlineUser(ts, 'dave', true); // offline with DND on must not show it either
    const alice = await ts.client('alice');
    const raw = await Raw.open(ts.url);
    assert.equal((await raw.request('login', { token: await ts.token('mallory') })).ok, true);

    const st = await raw.request('status.get', { userIDs: ['carol', 'dave', 'nobody-ever'] });
    assert.deepEqual(st.result?.users, [
      { userID: 'carol', status: 0, dnd: false },
      { userID: 'dave', status: 0, dnd: false },
      { userID: 'nobody-ever', status: 0, dnd: false },
    ]);
    const all = await raw.request('status.get', {});
    const listed = (all.result?.users as { userID: string }[]).map((u) => u.userID).sort();
    assert.deepEqual(listed, ['alice', 'mallory'], 'only online users are listed');

    const m = await raw.request('meeting.create', {});
    const meetingID = (m.result?.meeting as { ID: number }).ID;
    const answers = [];
    for (const callee of ['carol', 'dave', 'nobody-ever']) {
      const r = await raw.request('call.invite', { callID: `c-${callee}`, callee, meetingID });
      assertRefused(r, 'PEER_OFFLINE', `calling ${callee}`);
      answers.push({ code: r.code, name: r.name, message: r.message });
    }
    assert.deepEqual(answers[0], answers[1]);
    assert.deepEqual(answers[1], answers[2]);
    // Call history shows nothing of them to a stranger either.
    const calls = await raw.request('calls.list', {});
    assert.deepEqual(calls.result?.calls, []);
    alice.close();
    raw.close();
  } finally {
    await ts.close();
  }
});
