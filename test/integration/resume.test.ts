import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallClient } from '../../src/sdk/index.js';
import type { MeetInfo } from '../../src/protocol/messages.js';
import { WAIT_MS, startServer, next, record, type TestServer } from '../helpers/server.js';
import { startProxy, type Proxy } from '../helpers/proxy.js';

async function clientVia(url: string, token: string): Promise<CallClient> {
  const c = new CallClient({ url });
  await c.login(token);
  return c;
}

interface RingingScene {
  ts: TestServer;
  proxy: Proxy;
  alice: CallClient;
  bob: CallClient;
  meeting: MeetInfo;
  callID: string;
}

/**
 * A server holding dropped sessions for `graceMs`, with a TCP proxy in front; alice calls bob
 * and bob's phone rings. `viaProxy` is connected through the proxy (so its network can be cut).
 */
async function withRingingCall(graceMs: number, viaProxy: 'alice' | 'bob', run: (s: RingingScene) => Promise<void>): Promise<void> {
  const ts = await startServer({ limits: { resumeGraceMs: graceMs } });
  const proxy = await startProxy(ts.url);
  try {
    const connect = async (u: 'alice' | 'bob') => (u === viaProxy ? clientVia(proxy.url, await ts.token(u)) : ts.client(u));
    const alice = await connect('alice');
    const bob = await connect('bob');
    const meeting = await alice.createMeeting();
    const incoming = next(bob, 'call.incoming');
    const { callID } = await alice.call('bob', meeting);
    await incoming;
    await run({ ts, proxy, alice, bob, meeting, callID });
  } finally {
    await proxy.close();
    await ts.close();
  }
}

test('a dropped connection resumes its session: the call carries on and missed events arrive once, in order', async () => {
  await withRingingCall(10_000, 'bob', async ({ proxy, alice, bob, meeting: m, callID }) => {
    const events = record(bob, ['reconnecting', 'reconnected', 'meeting.message', 'call.accepted', 'call.hungup']);

    // Bob's network drops and stays down while Alice sends him things.
    proxy.block(true);
    const reconnecting = next(bob, 'reconnecting');
    proxy.dropAll();
    await reconnecting;
    await alice.enterMeeting(m.ID);
    const bobStatus = await alice.getStatus(['bob']);
    assert.equal(bobStatus[0]?.status, 2, 'bob is still in the call during the grace period');

    // Back online: the session resumes.
    proxy.block(false);
    const back = await next(bob, 'reconnected', 20_000);
    assert.deepEqual(back, { resumed: true });
    await bob.accept(callID);
    const hung = next(bob, 'call.hungup');
    await alice.hangup(callID, 'bye');
    assert.equal((await hung).usrExtDat, 'bye');
    const names = events.map((e) => e.name);
    assert.equal(names.filter((n) => n === 'reconnected').length, 1);
    assert.equal(names.filter((n) => n === 'call.hungup').length, 1);
    const calls = await alice.listCalls();
    assert.equal(calls[0]?.outcome, 'completed');
  });
});

test('events sent while a client is away are replayed on resume, exactly once and in order', async () => {
  const ts = await startServer({ limits: { resumeGraceMs: 10_000 } });
  const proxy = await startProxy(ts.url);
  try {
    const alice = await ts.client('alice');
    const bob = await clientVia(proxy.url, await ts.token('bob'));
    const m = await alice.createMeeting({ pswd: 'pw' });
    await alice.enterMeeting(m.ID);
    await bob.enterMeeting(m.ID, 'pw');
    const got: string[] = [];
    bob.on('meeting.message', (e) => got.push(e.text));
    proxy.block(true);
    const reconnecting = next(bob, 'reconnecting');
    proxy.dropAll();
    await reconnecting;
    for (let i = 0; i < 20; i++) await alice.sendMessage(m.ID, `m${i}`);
    proxy.block(false);
    await next(bob, 'reconnected', 20_000);
    await alice.sendMessage(m.ID, 'after');
    await new Promise<void>((resolve, reject) => {
      if (got.includes('after')) return resolve();
      const timer = setTimeout(() => reject(new Error(`"after" did not arrive within ${WAIT_MS} ms; got ${JSON.stringify(got)}`)), WAIT_MS);
      bob.on('meeting.message', (e) => {
        if (e.text !== 'after') return;
        clearTimeout(timer);
        resolve();
      });
    });
    assert.deepEqual(got, [...Array.from({ length: 20 }, (_, i) => `m${i}`), 'after']);
  } finally {
    await proxy.close();
    await ts.close();
  }
});

test('past the grace period the user is gone: a callee lost while ringing gives the caller 603', async () => {
  await withRingingCall(300, 'bob', async ({ proxy, alice, bob, callID }) => {
    proxy.block(true);
    const rejected = next(alice, 'call.rejected');
    proxy.dropAll();
    const r = await rejected;
    assert.equal(r.callID, callID);
    assert.equal(r.code, 603);
    const calls = await alice.listCalls();
    assert.equal(calls[0]?.outcome, 'lost');
    bob.close();
  });
});

test('a caller lost during an active call gives the callee NotifyCallHungup after the grace period', async () => {
  await withRingingCall(300, 'alice', async ({ proxy, alice, bob, callID }) => {
    await bob.accept(callID);
    proxy.block(true);
    const hung = next(bob, 'call.hungup');
    proxy.dropAll();
    const h = await hung;
    assert.equal(h.callID, callID);
    assert.equal(h.reason, 'lost');
    alice.close();
  });
});

test('a call in progress survives a server restart and can be hung up after it with a complete record', async () => {
  const ts = await startServer({ limits: { resumeGraceMs: 5_000 } });
  try {
    const alice = await ts.client('alice');
    const bob = await ts.client('bob');
    const m = await alice.createMeeting();
    const incoming = next(bob, 'call.incoming');
    const { callID } = await alice.call('bob', m);
    await incoming;
    await bob.accept(callID);
    const aliceBack = next(alice, 'reconnected', 20_000);
    const bobBack = next(bob, 'reconnected', 20_000);
    await ts.restart();
    // One node keeps a session's events in memory, so a restart ends it; a cluster keeps them
    // in Redis, so the session outlives the restart of every node.
    assert.deepEqual(await aliceBack, { resumed: ts.mode === 'cluster' });
    await bobBack;
    const hung = next(bob, 'call.hungup');
    await alice.hangup(callID, 'after restart');
    assert.equal((await hung).usrExtDat, 'after restart');
    const [rec] = await alice.listCalls();
    assert.equal(rec?.callID, callID);
    assert.equal(rec?.outcome, 'completed');
    assert.ok(rec?.answeredAt && rec.endedAt && rec.endedAt >= rec.answeredAt);
  } finally {
    await ts.close();
  }
});

test('after a restart, a party that comes back as a fresh client (not resuming) ends its restored call as lost', async () => {
  const ts = await startServer({ limits: { resumeGraceMs: 10_000 } });
  try {
    const alice = new CallClient({ url: ts.url, reconnect: false });
    await alice.login(await ts.token('alice'));
    const bob = await ts.client('bob');
    const m = await alice.createMeeting();
    const incoming = next(bob, 'call.incoming');
    const { callID } = await alice.call('bob', m);
    await incoming;
    await bob.accept(callID);
    const bobBack = next(bob, 'reconnected', 20_000);
    await ts.restart();
    await bobBack;
    // Alice's app was restarted too: a new client that knows nothing of the call.
    const hung = next(bob, 'call.hungup');
    const alice2 = await ts.client('alice');
    assert.equal((await hung).reason, 'lost');
    assert.equal((await alice2.getStatus(['alice', 'bob'])).every((s) => s.status === 1), true, 'both free again');
    const [rec] = await bob.listCalls();
    assert.equal(rec?.callID, callID);
    assert.equal(rec?.outcome, 'lost');
    alice.close();
  } finally {
    await ts.close();
  }
});

test('after a restart, what happens to a call before its party is back is held and delivered when it resumes', async () => {
  const ts = await startServer({ limits: { resumeGraceMs: 10_000 } });
  const proxy = await startProxy(ts.url);
  try {
    const alice = await clientVia(proxy.url, await ts.token('alice'));
    const bob = await ts.client('bob');
    const m = await alice.createMeeting();
    const incoming = next(bob, 'call.incoming');
    const { callID } = await alice.call('bob', m);
    await incoming;
    // Alice's network is down across the restart; Bob is back first and answers.
    proxy.block(true);
    const bobBack = next(bob, 'reconnected', 20_000);
    await ts.restart();
    proxy.dropAll();
    await bobBack;
    await bob.accept(callID);
    const accepted = next(alice, 'call.accepted', 20_000);
    const aliceBack = next(alice, 'reconnected', 20_000);
    proxy.block(false);
    // One node keeps a session's events in memory, so a restart ends it; a cluster keeps them
    // in Redis, so the session outlives the restart of every node.
    assert.deepEqual(await aliceBack, { resumed: ts.mode === 'cluster' });
    assert.equal((await accepted).callID, callID, 'the answer reached alice after all');
    const hung = next(bob, 'call.hungup');
    await alice.hangup(callID);
    await hung;
    const [rec] = await bob.listCalls();
    assert.equal(rec?.outcome, 'completed');
  } finally {
    await proxy.close();
    await ts.close();
  }
});
