/**
 * Webhooks in a cluster when a node dies: the node delivering an event is killed (SIGKILL, a child
 * process) while the receiver holds its request open. The outbox is in Redis and the node's claim
 * on the event lapses with its lease, so another node delivers it under the same event ID: nothing
 * is lost, each call's events keep their order, and a receiver that suppresses duplicates by event
 * ID is left with exactly one of each. The dead node's users go offline (user.offline) when their
 * sessions are reaped, through the same outbox. And --offline-ring across nodes: a call that waits
 * for its callee outlasts the sweep for calls whose parties are gone, and rings on the node the
 * callee logs in to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallClient } from '../../src/sdk/index.js';
import { verifyWebhook } from '../../src/server/index.js';
import { ORPHAN_SWEEP_MS } from '../../src/server/cluster/index.js';
import { WEBHOOK_LEASE_MS } from '../../src/server/cluster/outbox.js';
import { startCluster, spawnNode } from '../helpers/cluster.js';
import { next, WAIT_MS } from '../helpers/server.js';
import { letTimePass } from '../helpers/time.js';
import { startReceiver, type ReceivedWebhook } from '../helpers/webhook-receiver.js';

const SECRET = 'webhook-test-secret-0123456789';
const GRACE_MS = 1000;

async function clientAt(url: string, token: string): Promise<CallClient> {
  const c = new CallClient({ url, requestTimeoutMs: WAIT_MS, reconnect: false });
  await c.login(token);
  return c;
}

const callOf = (r: ReceivedWebhook): string | undefined => (r.event.data.callID as string | undefined) ?? (r.event.data.call as { callID?: string } | undefined)?.callID;

/** What a backend that suppresses duplicates by event ID keeps: the first arrival of each event, in arrival order. */
function deduplicated(rs: readonly ReceivedWebhook[]): ReceivedWebhook[] {
  const seen = new Set<string>();
  return rs.filter((r) => !seen.has(r.event.id) && seen.add(r.event.id));
}

test('cluster: a node killed mid-delivery: another node delivers the event under the same ID; nothing lost, in order per call, one of each after duplicate suppression', { timeout: 90_000 }, async () => {
  const rcv = await startReceiver('hold');
  const webhooks = { urls: [rcv.url], secret: SECRET, retryForMs: 60_000, backoff: { baseMs: 20, capMs: 100 } };
  const cl = await startCluster(0, { webhooks, limits: { resumeGraceMs: GRACE_MS } });
  const victim = await spawnNode(cl.redis.url, 'victim', ['--resume-grace', String(GRACE_MS), '--webhook-url', rcv.url, '--webhook-secret', SECRET]);
  try {
    // Only the victim runs: it claims and sends the first event of each key; the receiver holds them.
    const alice = await clientAt(victim.url, await cl.token('alice'));
    const bob = await clientAt(victim.url, await cl.token('bob'));
    const m = await alice.createMeeting();
    const incoming = next(bob, 'call.incoming');
    const { callID } = await alice.call('bob', m);
    await incoming;
    await bob.reject(callID);
    const held = await Promise.all([
      rcv.waitFor((r) => r.event.type === 'call.ringing' && r.event.data.callID === callID, 'call.ringing held'),
      rcv.waitFor((r) => r.event.type === 'user.online' && r.event.data.userID === 'alice', 'alice online held'),
      rcv.waitFor((r) => r.event.type === 'user.online' && r.event.data.userID === 'bob', 'bob online held'),
    ]);
    assert.ok(held.every((r) => r.answered === null), 'the victim\'s requests are out, unanswered');
    assert.ok(!rcv.received.some((r) => callOf(r) === callID && r.event.type !== 'call.ringing'), 'the call\'s later events are committed but wait for the held one');

    // Another node joins; the victim dies with its requests out.
    const survivor = await cl.addNode();
    rcv.mode = 'ok';
    await victim.kill();
    alice.close();
    bob.close();

    const ended = await rcv.waitFor((r) => r.event.type === 'call.ended' && callOf(r) === callID && r.answered === 200, 'call.ended, from the survivor');
    assert.equal((ended.event.data.call as { outcome: string }).outcome, 'rejected');
    for (const u of ['alice', 'bob']) await rcv.waitFor((r) => r.event.type === 'user.offline' && r.event.data.userID === u && r.answered === 200, `${u} offline after the reap`);

    for (const r of rcv.received) assert.ok(verifyWebhook(SECRET, r.headers, r.body).ok, `${r.event.type} signed`);
    for (const h of held) {
      const copies = rcv.received.filter((r) => r.event.id === h.event.id);
      assert.equal(copies.length, 2, `${h.event.type} sent twice: by the victim (held) and once by the node that took it over, never by two at a time`);
      assert.equal(copies[1]!.answered, 200);
      assert.equal(copies[1]!.body, h.body, 'redelivered as it was first sent, same event ID');
    }
    const kept = deduplicated(rcv.received);
    assert.deepEqual(kept.filter((r) => callOf(r) === callID).map((r) => r.event.type), ['call.ringing', 'call.missed', 'call.ended'], 'one of each, in the order they happened');
    for (const u of ['alice', 'bob']) {
      assert.deepEqual(kept.filter((r) => r.event.data.userID === u).map((r) => r.event.type), ['user.online', 'user.offline'], `${u}: one of each, in order`);
    }
    assert.equal(kept.length, rcv.received.length - held.length, 'the only duplicates are the redelivered held events');

    // The survivor delivered: its /metrics count it, and its delivery list shows the rows sent.
    const metrics = await (await fetch(`${survivor.url}/metrics`)).text();
    assert.match(metrics, /callroom_webhooks_sent_total\{type="call.ringing"\} 1\n/);
    assert.match(metrics, /callroom_webhooks_sent_total\{type="user.offline"\} 2\n/);
    assert.match(metrics, /callroom_webhooks_queue_depth 0\n/);
    const admin = await cl.auth.mint('ops', { admin: true });
    const list = (await (await fetch(`${survivor.url}/v1/webhooks/deliveries?limit=100`, { headers: { authorization: `Bearer ${admin}` } })).json()) as {
      enabled: boolean;
      pending: number;
      deliveries: { eventID: string; status: string; attempts: number; inFlight: boolean }[];
    };
    assert.equal(list.enabled, true);
    assert.equal(list.pending, 0);
    assert.equal(list.deliveries.length, 7);
    assert.ok(list.deliveries.every((d) => d.status === 'sent' && !d.inFlight), JSON.stringify(list.deliveries));
    const ringingRow = list.deliveries.find((d) => d.eventID === held[0].event.id)!;
    assert.equal(ringingRow.attempts, 1, 'the victim\'s attempt was never recorded: the survivor\'s is the first');
  } finally {
    await victim.stop();
    await cl.close();
    await rcv.close();
  }
});

test('cluster --offline-ring: a call waiting for its callee is not ended by the sweep of calls whose parties are gone; it rings on the node the callee logs in to, with the time left', { timeout: 60_000 }, async () => {
  const rcv = await startReceiver('ok');
  const OFFLINE_RING_MS = 30_000;
  const cl = await startCluster(2, { offlineRingMs: OFFLINE_RING_MS, limits: { resumeGraceMs: 300 }, webhooks: { urls: [rcv.url], secret: SECRET, retryForMs: 60_000 } });
  try {
    const alice = await cl.nodes[0]!.client('alice');
    const ai = next(alice, 'call.accepted', 40_000);
    const { callID } = await alice.call('bob', await alice.createMeeting(), { usrExtDat: 'wake up' });
    await rcv.waitFor((r) => r.event.type === 'call.ringing' && r.event.data.callID === callID, 'call.ringing for bob, who is not connected');
    // The scenario: bob's app takes longer than the grace, and than two sweeps, to wake up.
    await letTimePass(2 * ORPHAN_SWEEP_MS + 500);
    const bob = new CallClient({ url: cl.nodes[1]!.url, requestTimeoutMs: WAIT_MS, reconnect: false });
    const incoming = next(bob, 'call.incoming');
    await bob.login(await cl.token('bob'));
    const ring = await incoming;
    assert.equal(ring.callID, callID);
    assert.equal(ring.usrExtDat, 'wake up');
    assert.equal(ring.caller.userID, 'alice');
    assert.ok(typeof ring.ringsForMs === 'number' && ring.ringsForMs > 0 && ring.ringsForMs <= OFFLINE_RING_MS - 2 * ORPHAN_SWEEP_MS, `rings for the time left: ${ring.ringsForMs}`);
    await bob.accept(callID);
    assert.equal((await ai).callID, callID);
    await alice.hangup(callID);
    const ended = await rcv.waitFor((r) => r.event.type === 'call.ended' && callOf(r) === callID, 'call.ended');
    assert.equal((ended.event.data.call as { outcome: string }).outcome, 'completed');
    assert.deepEqual(deduplicated(rcv.accepted()).filter((r) => callOf(r) === callID).map((r) => r.event.type), ['call.ringing', 'call.ended']);
    bob.close();
  } finally {
    await cl.close();
    await rcv.close();
  }
});

test('cluster: a node stopped in order mid-delivery hands its claims over at once, not after the lease', { timeout: 60_000 }, async () => {
  const rcv = await startReceiver('hold');
  const cl = await startCluster(1, { webhooks: { urls: [rcv.url], secret: SECRET, retryForMs: 60_000 } });
  try {
    // Only the first node runs when alice logs in: it claims her user.online and the receiver holds it.
    const alice = await cl.nodes[0]!.client('alice');
    const held = await rcv.waitFor((r) => r.event.type === 'user.online' && r.event.data.userID === 'alice', 'alice online held');
    const other = await cl.addNode();
    rcv.mode = 'ok';
    alice.close();
    const stoppedAt = Date.now();
    const again = rcv.waitFor((r) => r.event.id === held.event.id && r.answered === 200, 'alice online from the other node');
    await cl.nodes[0]!.server.stop();
    await again;
    const took = Date.now() - stoppedAt;
    assert.ok(took < WEBHOOK_LEASE_MS * 0.75, `taken over ${took} ms after the stop (a lapsed lease would take ${WEBHOOK_LEASE_MS} ms)`);
    const metrics = await (await fetch(`${other.url}/metrics`)).text();
    assert.match(metrics, /callroom_webhooks_sent_total\{type="user.online"\} 1\n/);
  } finally {
    await cl.close();
    await rcv.close();
  }
});
