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
import type { MeetInfo } from '../../src/protocol/messages.js';
import { next, record } from '../helpers/server.js';
import { startCluster, spawnNode, TEST_CLUSTER } from '../helpers/cluster.js';
import { letTimePass } from '../helpers/time.js';
import { startProxy } from '../helpers/proxy.js';

const GRACE_MS = 1000;
/**
 * The scenario "while her node is down": a moment after the kill, well inside the window in
 * which alice may still come back (the node timeout, 600 ms, plus the grace, 1000 ms).
 */
const WHILE_DOWN_MS = 300;
/** The scenario "after her node was declared dead": the node timeout passed, and a margin. */
const NODE_DECLARED_DEAD_MS = TEST_CLUSTER.nodeTimeoutMs + 200;

async function clientAt(url: string, token: string): Promise<CallClient> {
  const c = new CallClient({ url });
  await c.login(token);
  return c;
}

/** The scene "alice and bob in a call, both in its meeting": alice calls bob into her meeting. */
async function callInMeeting(alice: CallClient, bob: CallClient): Promise<{ m: MeetInfo; callID: string }> {
  const m = await alice.createMeeting();
  await alice.enterMeeting(m.ID);
  const incoming = next(bob, 'call.incoming');
  const { callID } = await alice.call(bob.user!.userID, m);
  await incoming;
  await bob.accept(callID);
  await bob.enterMeeting(m.ID);
  return { m, callID };
}

test('cluster: a ring timeout fires after the node that started the call is killed', { timeout: 60_000 }, async () => {
  const cl = await startCluster(2);
  const doomed = await spawnNode(cl.redis.url, 'doomed', ['--ring-timeout', '1000', '--resume-grace', '20000']);
  try {
    const alice = await clientAt(doomed.url, await cl.token('alice'));
    const bob = await cl.nodes[0]!.client('bob');
    const m = await alice.createMeeting();
    const incoming = next(bob, 'call.incoming');
    const invitedAt = Date.now();
    const { callID } = await alice.call('bob', m);
    await incoming;
    const hung = next(bob, 'call.hungup', 10_000);
    await doomed.kill();
    alice.close();
    const h = await hung;
    // The deadline was 1000 ms after the invite (at most); it fired within a second of it.
    const late = Date.now() - invitedAt - 1000;
    assert.ok(late < 1000, `fired ${late} ms after its deadline`);
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
    const { m, callID } = await callInMeeting(alice, bob);
    const bobEvents = record(bob, ['call.hungup', 'meeting.memberLeft']);
    const killedAt = Date.now();
    await doomed.kill();
    alice.close();
    // During the node timeout and the grace, alice still counts as online (she may come back).
    const hungup = next(bob, 'call.hungup', 15_000);
    const left = next(bob, 'meeting.memberLeft', 15_000);
    await letTimePass(WHILE_DOWN_MS);
    assert.equal((await carol.getStatus(['alice']))[0]?.status, 2);
    // Past the barrier, anything published for bob so far has arrived: nothing was.
    await cl.barrier(bob);
    assert.equal(bobEvents.length, 0);
    const hung = await hungup;
    const after = Date.now() - killedAt;
    assert.ok(after >= GRACE_MS, `ended after ${after} ms, before the grace`);
    assert.deepEqual(hung, { callID, usrExtDat: '', reason: 'lost' });
    assert.deepEqual(await left, { meetingID: m.ID, userID: 'alice' });
    // Past the barrier, a second telling of either would have arrived.
    await cl.barrier(bob);
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

test('cluster: a user whose node died resumes on another node within the grace: call, meeting and missed events kept', { timeout: 60_000 }, async () => {
  const cl = await startCluster(2);
  const doomed = await spawnNode(cl.redis.url, 'doomed', ['--resume-grace', '5000']);
  const lb = await startProxy(doomed.url);
  try {
    const alice = new CallClient({ url: lb.url });
    await alice.login(await cl.token('alice'));
    const bob = await cl.nodes[0]!.client('bob');
    const { m, callID } = await callInMeeting(alice, bob);
    const bobEvents = record(bob, ['call.hungup', 'meeting.memberLeft']);
    const aliceEvents = record(alice, ['meeting.message', 'meeting.memberLeft', 'call.hungup']);
    const missedMsg = next(alice, 'meeting.message', 15_000);
    const back = next(alice, 'reconnected', 15_000);
    // Her node dies; the load balancer sends her reconnect to another node.
    lb.retarget(cl.nodes[1]!.url);
    await doomed.kill();
    // Sent while she is away: kept in her session's log in Redis.
    const ts = await bob.sendMessage(m.ID, 'while you were away');
    assert.equal((await back).resumed, true, 'resumed on another node');
    assert.deepEqual(await missedMsg, { meetingID: m.ID, from: 'bob', nickName: 'bob', text: 'while you were away', ts });
    // Still a member: her messages reach bob.
    const heard = next(bob, 'meeting.message');
    await alice.sendMessage(m.ID, 'back');
    assert.equal((await heard).text, 'back');
    await cl.barrier(bob);
    assert.equal(bobEvents.length, 0, 'the call and the membership carry on: nobody is told she left');
    const hung = next(bob, 'call.hungup');
    await alice.hangup(callID, 'bye');
    assert.deepEqual(await hung, { callID, usrExtDat: 'bye', reason: 'hangup' });
    const [rec] = await bob.listCalls({ limit: 1 });
    assert.equal(rec?.outcome, 'completed');
    await cl.barrier(alice);
    assert.deepEqual(aliceEvents.map((e) => e.name), ['meeting.message'], 'the missed message once, and nothing else');
    alice.close();
  } finally {
    await lb.close();
    await doomed.stop();
    await cl.close();
  }
});

test('cluster: a fresh login after the user\'s node died ends the call it carried, as after a restart', { timeout: 60_000 }, async () => {
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
    await letTimePass(NODE_DECLARED_DEAD_MS);
    const hung = next(bob, 'call.hungup');
    const alice2 = await clientAt(cl.nodes[1]!.url, token);
    assert.deepEqual(await hung, { callID, usrExtDat: '', reason: 'lost' });
    const [rec] = await bob.listCalls({ limit: 1 });
    assert.equal(rec?.outcome, 'lost');
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
    // The nodes reconnect by themselves (awaited: their connections are ready again); the records
    // are there.
    await cl.crashRedis();
    const calls = await alice.listCalls({ limit: 5 });
    assert.equal(calls[0]?.callID, callID);
    assert.equal(calls[0]?.outcome, 'completed');
    const r = await bob.enterMeeting(m.ID, m.pswd);
    assert.equal(r.meeting.subject, 'kept');
  } finally {
    await cl.close();
  }
});

test('cluster: Redis down for 3 s: a ring timeout due meanwhile fires within 1 s of its return, and events sent meanwhile arrive', { timeout: 60_000 }, async () => {
  const RING_MS = 1500;
  const cl = await startCluster(2, { ringTimeoutMs: RING_MS });
  try {
    const alice = await cl.nodes[0]!.client('alice');
    const bob = await cl.nodes[1]!.client('bob');
    const carol = await cl.nodes[0]!.client('carol');
    const dave = await cl.nodes[1]!.client('dave');
    const room = await carol.createMeeting();
    await carol.enterMeeting(room.ID);
    await dave.enterMeeting(room.ID, room.pswd);
    const m = await alice.createMeeting();
    const incoming = next(bob, 'call.incoming');
    const rejected = next(alice, 'call.rejected', 20_000);
    const hungup = next(bob, 'call.hungup', 20_000);
    const heard = next(dave, 'meeting.message', 20_000);
    const { callID } = await alice.call('bob', m);
    await incoming;
    await cl.redis.down();
    // Sent while Redis is away: the node holds the request and sends it once Redis is back.
    const sent = carol.sendMessage(room.ID, 'during the outage');
    // The outage outlasts the ring deadline.
    await letTimePass(RING_MS + 1500);
    await cl.redis.up();
    const upAt = Date.now();
    assert.deepEqual(await rejected, { callID, code: 604, usrExtDat: '' });
    const late = Date.now() - upAt;
    assert.ok(late < 1000, `the timeout fired ${late} ms after Redis was back`);
    assert.deepEqual(await hungup, { callID, usrExtDat: '', reason: 'no_answer' });
    const ts = await sent;
    assert.deepEqual(await heard, { meetingID: room.ID, from: 'carol', nickName: 'carol', text: 'during the outage', ts });
    const [rec] = await bob.listCalls({ limit: 1 });
    assert.equal(rec?.outcome, 'no_answer');
  } finally {
    await cl.close();
  }
});

test('cluster: a ring timeout whose caller\'s node died reaches the caller when it resumes on another node', { timeout: 60_000 }, async () => {
  const cl = await startCluster(2);
  const doomed = await spawnNode(cl.redis.url, 'doomed', ['--ring-timeout', '1500', '--resume-grace', '10000']);
  const lb = await startProxy(doomed.url);
  try {
    const alice = new CallClient({ url: lb.url });
    await alice.login(await cl.token('alice'));
    const bob = await cl.nodes[0]!.client('bob');
    const m = await alice.createMeeting();
    const incoming = next(bob, 'call.incoming');
    const { callID } = await alice.call('bob', m);
    await incoming;
    const rejected = next(alice, 'call.rejected', 20_000);
    const back = next(alice, 'reconnected', 20_000);
    const hungup = next(bob, 'call.hungup', 20_000);
    lb.retarget(cl.nodes[1]!.url);
    await doomed.kill();
    assert.deepEqual(await hungup, { callID, usrExtDat: '', reason: 'no_answer' });
    assert.equal((await back).resumed, true);
    assert.deepEqual(await rejected, { callID, code: 604, usrExtDat: '' });
    alice.close();
  } finally {
    await lb.close();
    await doomed.stop();
    await cl.close();
  }
});

test('cluster: a node restarted under the same --node-id: its earlier sessions resume on any node, or end after the grace with members told once', { timeout: 60_000 }, async () => {
  const GRACE = 1500;
  const cl = await startCluster(1);
  const first = await spawnNode(cl.redis.url, 'same', ['--resume-grace', String(GRACE)]);
  const lbA = await startProxy(first.url);
  let second: Awaited<ReturnType<typeof spawnNode>> | null = null;
  try {
    const alice = new CallClient({ url: lbA.url });
    await alice.login(await cl.token('alice'));
    const carol = await clientAt(first.url, await cl.token('carol'));
    const bob = await cl.nodes[0]!.client('bob');
    const m = await alice.createMeeting();
    await alice.enterMeeting(m.ID);
    await carol.enterMeeting(m.ID, m.pswd);
    await bob.enterMeeting(m.ID, m.pswd);
    const left = record(bob, ['meeting.memberLeft']);
    const carolLeft = next(bob, 'meeting.memberLeft', 20_000);
    const back = next(alice, 'reconnected', 20_000);
    await first.kill();
    carol.close();
    second = await spawnNode(cl.redis.url, 'same', ['--resume-grace', String(GRACE)]);
    lbA.retarget(second.url);
    assert.equal((await back).resumed, true, 'resumed on the restarted node');
    // carol does not come back: after the grace she leaves the meeting, told once.
    assert.deepEqual(await carolLeft, { meetingID: m.ID, userID: 'carol' });
    const heard = next(bob, 'meeting.message');
    await alice.sendMessage(m.ID, 'still here');
    assert.equal((await heard).text, 'still here');
    await cl.barrier(bob);
    assert.deepEqual(left.map((e) => e.payload), [{ meetingID: m.ID, userID: 'carol' }], 'only carol left, once');
    alice.close();
  } finally {
    await lbA.close();
    await first.stop();
    await second?.stop();
    await cl.close();
  }
});
