/**
 * Cluster mode when things die: a node killed with SIGKILL (a child process) and Redis itself
 * killed and restarted. No node is special: ring timers fire without the node that started the
 * call; a dead node's users are gone after the node timeout plus the resume grace, and the other
 * party gets the contract's event; a user of a dead node who reconnects to another node in time
 * keeps the call; acknowledged records survive a Redis crash (AOF).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallClient } from '../../src/sdk/index.js';
import { next, record } from '../helpers/server.js';
import { startCluster, spawnNode, TEST_CLUSTER } from '../helpers/cluster.js';

const GRACE_MS = 1000;

async function clientAt(url: string, token: string): Promise<CallClient> {
  const c = new CallClient({ url });
  await c.login(token);
  return c;
}

test('cluster: a ring timeout fires after the node that started the call is killed', { timeout: 60_000 }, async () => {
  const cl = await startCluster(2);
  const doomed = await spawnNode(cl.redis.url, 'doomed', ['--ring-timeout', '1000', '--resume-grace', '20000']);
  try {
    const alice = await clientAt(doomed.url, await cl.token('alice'));
    const bob = await cl.nodes[0]!.client('bob');
    const m = await alice.createMeeting();
    const incoming = next(bob, 'call.incoming');
    const { callID } = await alice.call('bob', m);
    await incoming;
    const hung = next(bob, 'call.hungup', 10_000);
    await doomed.kill();
    alice.close();
    const h = await hung;
    assert.equal(h.callID, callID);
    assert.equal(h.reason, 'no_answer');
    const [rec] = await bob.listCalls({ limit: 1 });
    assert.equal(rec?.outcome, 'no_answer');
    assert.equal(rec?.endedBy, null);
  } finally {
    await doomed.stop();
    await cl.close();
  }
});

test('cluster: a node killed mid-call: after the grace its users are gone and the other party is told', { timeout: 60_000 }, async () => {
  const cl = await startCluster(2);
  const doomed = await spawnNode(cl.redis.url, 'doomed', ['--resume-grace', String(GRACE_MS)]);
  try {
    const alice = await clientAt(doomed.url, await cl.token('alice'));
    const bob = await cl.nodes[1]!.client('bob');
    const carol = await cl.nodes[0]!.client('carol');
    const m = await alice.createMeeting();
    await alice.enterMeeting(m.ID);
    const incoming = next(bob, 'call.incoming');
    const { callID } = await alice.call('bob', m);
    await incoming;
    await bob.accept(callID);
    await bob.enterMeeting(m.ID);
    const bobEvents = record(bob, ['call.hungup', 'meeting.memberLeft']);
    const killedAt = Date.now();
    await doomed.kill();
    alice.close();
    // During the node timeout and the grace, alice still counts as online (she may come back).
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await carol.getStatus(['alice']))[0]?.status, 2);
    assert.equal(bobEvents.length, 0);
    const hung = await next(bob, 'call.hungup', 15_000);
    const after = Date.now() - killedAt;
    assert.ok(after >= GRACE_MS, `ended after ${after} ms, before the grace`);
    assert.deepEqual(hung, { callID, usrExtDat: '', reason: 'lost' });
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      bobEvents.map((e) => e.name).sort(),
      ['call.hungup', 'meeting.memberLeft'],
      'told once of each',
    );
    assert.deepEqual((await carol.getStatus(['alice']))[0], { userID: 'alice', status: 0, dnd: false });
    const [rec] = await bob.listCalls({ limit: 1 });
    assert.equal(rec?.outcome, 'lost');
    assert.equal(rec?.endedBy, 'alice');
  } finally {
    await doomed.stop();
    await cl.close();
  }
});

test('cluster: a user whose node died logs in on another node within the grace and keeps the call', { timeout: 60_000 }, async () => {
  const cl = await startCluster(2);
  const doomed = await spawnNode(cl.redis.url, 'doomed', ['--resume-grace', '5000']);
  try {
    const token = await cl.token('alice');
    const alice = await clientAt(doomed.url, token);
    const bob = await cl.nodes[0]!.client('bob');
    const m = await alice.createMeeting();
    const incoming = next(bob, 'call.incoming');
    const { callID } = await alice.call('bob', m);
    await incoming;
    await bob.accept(callID);
    await doomed.kill();
    alice.close();
    // Wait until the node is seen as dead, then come back elsewhere.
    await new Promise((r) => setTimeout(r, TEST_CLUSTER.nodeTimeoutMs + 200));
    const alice2 = await clientAt(cl.nodes[1]!.url, token);
    const bobEvents = record(bob, ['call.hungup']);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(bobEvents.length, 0, 'the call carries on');
    const hung = next(bob, 'call.hungup');
    await alice2.hangup(callID, 'back');
    assert.deepEqual(await hung, { callID, usrExtDat: 'back', reason: 'hangup' });
    const [rec] = await bob.listCalls({ limit: 1 });
    assert.equal(rec?.outcome, 'completed');
    alice2.close();
  } finally {
    await doomed.stop();
    await cl.close();
  }
});

test('cluster: acknowledged call records and meetings survive a Redis crash (appendonly, everysec)', { timeout: 60_000 }, async () => {
  const cl = await startCluster(2);
  try {
    const alice = await cl.nodes[0]!.client('alice');
    const bob = await cl.nodes[1]!.client('bob');
    const m = await alice.createMeeting({ subject: 'kept' });
    const incoming = next(bob, 'call.incoming');
    const { callID } = await alice.call('bob', m);
    await incoming;
    await bob.accept(callID);
    await alice.hangup(callID);
    await cl.redis.crashAndRestart();
    // The nodes reconnect by themselves; the records are there.
    let calls = await alice.listCalls({ limit: 5 }).catch(() => []);
    for (let i = 0; i < 50 && calls.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      calls = await alice.listCalls({ limit: 5 }).catch(() => []);
    }
    assert.equal(calls[0]?.callID, callID);
    assert.equal(calls[0]?.outcome, 'completed');
    const r = await bob.enterMeeting(m.ID, m.pswd);
    assert.equal(r.meeting.subject, 'kept');
  } finally {
    await cl.close();
  }
});
