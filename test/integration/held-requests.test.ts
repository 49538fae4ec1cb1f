/**
 * Requests made while the SDK reconnects are held and sent once the session is resumed, each
 * bounded by its request timeout; if a new session begins instead, they fail with a clear error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallClient, CallroomError } from '../../src/sdk/index.js';
import { WAIT_MS, startServer, next, type TestServer } from '../helpers/server.js';
import { startProxy, type Proxy } from '../helpers/proxy.js';
import { watch } from '../helpers/facade.js';

interface Scene {
  ts: TestServer;
  proxy: Proxy;
  alice: CallClient;
  bob: CallClient;
  callID: string;
}

/** alice calls bob, who is connected through a proxy and whose phone rings. */
async function ringing(opts: { graceMs: number; bobTimeoutMs: number }, run: (s: Scene) => Promise<void>): Promise<void> {
  const ts = await startServer({ limits: { resumeGraceMs: opts.graceMs } });
  const proxy = await startProxy(ts.url);
  try {
    const alice = await ts.client('alice');
    const bob = new CallClient({ url: proxy.url, requestTimeoutMs: opts.bobTimeoutMs });
    await bob.login(await ts.token('bob'));
    const meeting = await alice.createMeeting();
    const incoming = next(bob, 'call.incoming');
    const { callID } = await alice.call('bob', meeting);
    await incoming;
    await run({ ts, proxy, alice, bob, callID });
    bob.close();
  } finally {
    await proxy.close();
    await ts.close();
  }
}

/** Cuts bob's network and keeps it down until the caller lifts the block; resolves once bob knows. */
async function cutBob(s: Scene): Promise<void> {
  s.proxy.block(true);
  const reconnecting = next(s.bob, 'reconnecting');
  s.proxy.dropAll();
  await reconnecting;
  assert.equal(s.bob.state, 'reconnecting');
}

test('an accept made while the callee reconnects is held and succeeds after the resume; the caller gets call.accepted', async () => {
  await ringing({ graceMs: 10_000, bobTimeoutMs: WAIT_MS }, async (s) => {
    await cutBob(s);
    const accepted = next(s.alice, 'call.accepted');
    const accept = s.bob.accept(s.callID);
    const back = next(s.bob, 'reconnected', WAIT_MS);
    s.proxy.block(false);
    assert.deepEqual(await back, { resumed: true });
    const r = await accept;
    assert.equal(r.callID, s.callID);
    assert.equal((await accepted).callID, s.callID);
    const [rec] = await s.alice.listCalls();
    assert.equal(rec?.callID, s.callID);
    assert.equal(rec?.state, 'active');
    assert.equal(typeof rec?.answeredAt, 'number');
  });
});

test('requests held while reconnecting are sent in the order they were made', async () => {
  await ringing({ graceMs: 10_000, bobTimeoutMs: WAIT_MS }, async (s) => {
    await cutBob(s);
    const order: string[] = [];
    const accept = s.bob.accept(s.callID).then(() => order.push('accept'));
    const hangup = s.bob.hangup(s.callID, 'bye').then(() => order.push('hangup'));
    const hungup = next(s.alice, 'call.hungup');
    s.proxy.block(false);
    await Promise.all([accept, hangup]);
    assert.deepEqual(order, ['accept', 'hangup']);
    assert.equal((await hungup).usrExtDat, 'bye');
    const [rec] = await s.alice.listCalls();
    assert.equal(rec?.outcome, 'completed');
  });
});

test('a request held past its request timeout fails with TIMEOUT and is never sent', async () => {
  await ringing({ graceMs: 10_000, bobTimeoutMs: 400 }, async (s) => {
    await cutBob(s);
    const accept = s.bob.accept(s.callID);
    await assert.rejects(accept, (err: unknown) => {
      assert.ok(err instanceof CallroomError);
      assert.equal(err.errorName, 'TIMEOUT');
      assert.match(err.message, /call\.accept: held while reconnecting, not sent in 400 ms/);
      return true;
    });
    const back = next(s.bob, 'reconnected', WAIT_MS);
    s.proxy.block(false);
    assert.deepEqual(await back, { resumed: true });
    const [rec] = await s.alice.listCalls();
    assert.equal(rec?.state, 'ringing', 'the timed-out accept never reached the server');
    assert.equal(rec?.answeredAt, null);
  });
});

test('held requests fail with a clear error when the session cannot be resumed (a new one began)', async () => {
  await ringing({ graceMs: 300, bobTimeoutMs: WAIT_MS }, async (s) => {
    await cutBob(s);
    const accept = s.bob.accept(s.callID);
    // bob is gone past the grace: his call ends (to alice he went offline while it rang).
    const rejected = await next(s.alice, 'call.rejected');
    assert.equal(rejected.code, 603);
    const back = next(s.bob, 'reconnected', WAIT_MS);
    s.proxy.block(false);
    assert.deepEqual(await back, { resumed: false });
    await assert.rejects(accept, (err: unknown) => {
      assert.ok(err instanceof CallroomError);
      assert.equal(err.errorName, 'CONNECTION_ERROR');
      assert.match(err.message, /could not be resumed/);
      return true;
    });
    assert.equal(s.bob.state, 'connected');
  });
});

test('the facade: AcceptCall during a short blip gets AcceptCallSuccess once the session resumes', async () => {
  const ts = await startServer({ limits: { resumeGraceMs: 10_000 } });
  const proxy = await startProxy(ts.url);
  try {
    const alice = await ts.client('alice');
    const bob = ts.facade();
    bob.SetServerAddr(new URL(proxy.url).host);
    const cb = watch(bob, ['LoginSuccess', 'NotifyCallIn', 'AcceptCallSuccess', 'AcceptCallFail']);
    bob.LoginByToken(await ts.token('bob'));
    await cb.take('LoginSuccess');
    const meeting = await alice.createMeeting();
    const { callID } = await alice.call('bob', meeting);
    await cb.take('NotifyCallIn');
    const client = bob.client!;
    proxy.block(true);
    const reconnecting = next(client, 'reconnecting');
    proxy.dropAll();
    await reconnecting;
    const accepted = next(alice, 'call.accepted');
    bob.AcceptCall(callID, undefined, '', 'cookie-1');
    proxy.block(false);
    const [id, cookie] = await cb.take('AcceptCallSuccess');
    assert.equal(id, callID);
    assert.equal(cookie, 'cookie-1');
    assert.equal((await accepted).callID, callID);
    assert.deepEqual(cb.unreadOf('AcceptCallFail'), []);
    client.close();
  } finally {
    await proxy.close();
    await ts.close();
  }
});
