/**
 * HTTP next to the socket: /healthz, /metrics, and the admin call list GET /v1/calls.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallRecord } from '../../src/sdk/index.js';
import { inbox, startServer, uid, type TestServer } from '../helpers/server.js';

describe('http', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });

  /** One completed call between two new users; returns its ID. */
  async function completedCall(): Promise<{ callID: string; a: string; b: string }> {
    const [a, b] = [uid('alice'), uid('bob')];
    const alice = await ts.client(a);
    const bob = await ts.client(b);
    const bobIn = inbox(bob);
    const { callID } = await alice.call(b, await alice.createMeeting());
    await bobIn.take('call.incoming');
    await bob.accept(callID);
    await alice.hangup(callID);
    return { callID, a, b };
  }

  const get = (path: string, token?: string) =>
    fetch(`${ts.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  test('/healthz says ok with the counts of connections and sessions', async () => {
    await ts.client(uid('alice'));
    const r = await get('/healthz');
    assert.equal(r.status, 200);
    const body = (await r.json()) as { status: string; sessions: number; connections: number; store: string };
    assert.equal(body.status, 'ok');
    assert.equal(body.store, 'sqlite');
    assert.ok(body.sessions >= 1);
    assert.ok(body.connections >= body.sessions);
  });

  test('/metrics counts ended calls by outcome and the call setup time', async () => {
    const metric = async (line: RegExp) => {
      const text = await (await get('/metrics')).text();
      const m = line.exec(text);
      return m ? Number(m[1]) : 0;
    };
    const completed = /^callroom_calls_total\{outcome="completed"\} (\d+)$/m;
    const setups = /^callroom_call_setup_seconds_count (\d+)$/m;
    const r = await get('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/plain/);
    const text = await r.text();
    assert.match(text, /^# TYPE callroom_calls_total counter$/m);
    assert.match(text, /^# TYPE callroom_call_setup_seconds histogram$/m);
    const [c0, s0] = [await metric(completed), await metric(setups)];
    await completedCall();
    assert.equal(await metric(completed), c0 + 1);
    assert.equal(await metric(setups), s0 + 1);
    assert.match(await (await get('/metrics')).text(), /^callroom_call_setup_seconds_bucket\{le="\+Inf"\} \d+$/m);
  });

  test('GET /v1/calls lists every call record for an admin token', async () => {
    const { callID, a, b } = await completedCall();
    const r = await get('/v1/calls', await ts.token('ops', { admin: true }));
    assert.equal(r.status, 200);
    const { calls } = (await r.json()) as { calls: CallRecord[] };
    const rec = calls.find((c) => c.callID === callID);
    assert.ok(rec, 'the call is listed');
    assert.equal(rec.caller, a);
    assert.equal(rec.callee, b);
    assert.equal(rec.outcome, 'completed');
    assert.equal(rec.state, 'ended');
    for (let i = 1; i < calls.length; i++) assert.ok(calls[i - 1]!.createdAt >= calls[i]!.createdAt, 'newest first');
  });

  test('GET /v1/calls filters by user and pages with limit and before', async () => {
    const { callID, a } = await completedCall();
    const admin = await ts.token('ops', { admin: true });
    const mine = (await (await get(`/v1/calls?user=${a}`, admin)).json()) as { calls: CallRecord[] };
    assert.deepEqual(mine.calls.map((c) => c.callID), [callID]);
    const first = (await (await get('/v1/calls?limit=1', admin)).json()) as { calls: CallRecord[] };
    assert.equal(first.calls.length, 1);
    const next = (await (await get(`/v1/calls?limit=1&before=${first.calls[0]!.createdAt}`, admin)).json()) as { calls: CallRecord[] };
    assert.equal(next.calls.length, 1);
    assert.ok(next.calls[0]!.createdAt < first.calls[0]!.createdAt);
    assert.equal((await get('/v1/calls?limit=0', admin)).status, 400);
    assert.equal((await get('/v1/calls?before=yesterday', admin)).status, 400);
  });

  test('GET /v1/calls without a token is 401, with a bad token 401, with a user token 403', async () => {
    const none = await get('/v1/calls');
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { code: number }).code, 21);
    assert.equal((await get('/v1/calls', 'not-a-token')).status, 401);
    const expired = await get('/v1/calls', await ts.token('ops', { admin: true, ttlSeconds: 1, now: Date.now() - 60_000 }));
    assert.equal(expired.status, 401);
    assert.equal(((await expired.json()) as { code: number }).code, 18);
    const user = await get('/v1/calls', await ts.token(uid('alice')));
    assert.equal(user.status, 403);
    const body = (await user.json()) as { ok: boolean; calls?: unknown };
    assert.equal(body.ok, false);
    assert.equal(body.calls, undefined, 'no records leak');
  });

  test('an unknown path is 404 with a JSON error', async () => {
    const r = await get('/v1/nothing-here');
    assert.equal(r.status, 404);
    assert.equal(((await r.json()) as { ok: boolean }).ok, false);
  });
});
