/**
 * Webhooks to a real HTTP receiver on an ephemeral port: every event signed (checked with the
 * verifier `callroom/server` exports), in order per call, redelivered under the same event ID, and
 * none lost when the receiver fails for a while or the server is SIGKILLed between the commit and
 * the delivery. Both modes: one node (the outbox is in SQLite) and a cluster (the outbox is in
 * Redis, each event delivered by one node at a time; a node killed mid-delivery leaves its event to
 * another, see webhooks-cluster.test.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallClient } from '../../src/sdk/index.js';
import { verifyWebhook } from '../../src/server/index.js';
import { Auth } from '../../src/server/gateway/auth.js';
import { API, inbox, rejectsWith, startServer, testMode, uid, WAIT_MS, type TestServer } from '../helpers/server.js';
import { spawnServer } from '../helpers/process.js';
import type { ClusterTestServer } from '../helpers/cluster-server.js';
import { startReceiver, type ReceivedWebhook, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const SECRET = 'webhook-test-secret-0123456789';
const single = testMode() === 'single';

function verified(r: ReceivedWebhook): ReceivedWebhook['event'] {
  const v = verifyWebhook(SECRET, r.headers, r.body);
  assert.ok(v.ok, `the signature verifies: ${JSON.stringify(v)}`);
  assert.equal(v.id, r.event.id, 'the event ID header is the body\'s id');
  return r.event;
}

/** The accepted events of one call, in the order they were accepted. */
function ofCall(rcv: WebhookReceiver, callID: string): string[] {
  return rcv.accepted().filter((r) => r.event.data.callID === callID || (r.event.data.call as { callID?: string } | undefined)?.callID === callID).map((r) => r.event.type);
}

/** The /metrics of every node (one node: the server's): delivery figures are on the node that delivered. */
async function metricsOfNodes(ts: TestServer): Promise<string[]> {
  const urls = ts.mode === 'cluster' ? (ts as ClusterTestServer).nodes.map((n) => n.url) : [ts.url];
  return Promise.all(urls.map(async (u) => (await fetch(`${u}/metrics`)).text()));
}

/** A metric series summed over the nodes. */
function total(texts: string[], series: string): number {
  let sum = 0;
  for (const t of texts) {
    const line = t.split('\n').find((l) => l.startsWith(`${series} `));
    if (line) sum += Number(line.slice(series.length + 1));
  }
  return sum;
}

describe('webhooks', () => {
  let rcv: WebhookReceiver;
  let ts: TestServer;
  before(async () => {
    rcv = await startReceiver('ok');
    ts = await startServer({ webhooks: { urls: [rcv.url], secret: SECRET, retryForMs: 60_000, backoff: { baseMs: 20, capMs: 100 } } });
  });
  after(async () => {
    await ts?.close();
    await rcv?.close();
  });

  test('a call and its parties: user.online, call.ringing, call.missed (rejected), call.ended with the record (an audio call says so); signed, in order', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    const alice = await ts.client(a);
    const bob = await ts.client(b);
    for (const u of [a, b]) {
      const on = verified(await rcv.waitFor((r) => r.event.type === 'user.online' && r.event.data.userID === u, `${u} online`));
      assert.deepEqual(on.data, { userID: u });
    }
    const bi = inbox(bob);
    const m = await alice.createMeeting();
    const { callID } = await alice.call(b, m, { callType: 'audio' });
    await bi.take('call.incoming');
    await bob.reject(callID);
    const ended = verified(await rcv.waitFor((r) => r.event.type === 'call.ended' && (r.event.data.call as { callID: string }).callID === callID, 'call.ended'));
    assert.deepEqual(ofCall(rcv, callID), ['call.ringing', 'call.missed', 'call.ended'], 'in the order they happened');
    const rec = await ts.store.getCall(callID);
    assert.deepEqual(ended.data.call, rec, 'call.ended carries the full call record, as stored');
    assert.equal((ended.data.call as { callType: string }).callType, 'audio');
    const ringing = verified(rcv.accepted().find((r) => r.event.type === 'call.ringing' && r.event.data.callID === callID)!);
    assert.deepEqual(ringing.data, { callID, caller: a, callee: b, meetingID: m.ID, createdAt: rec!.createdAt, callType: 'audio' });
    const missed = verified(rcv.accepted().find((r) => r.event.type === 'call.missed' && r.event.data.callID === callID)!);
    assert.deepEqual(missed.data, { callID, caller: a, callee: b, reason: 'rejected', at: rec!.endedAt });

    bob.close();
    const off = verified(await rcv.waitFor((r) => r.event.type === 'user.offline' && r.event.data.userID === b, `${b} offline`));
    assert.deepEqual(off.data, { userID: b });
    alice.close();
  });

  test('a call to a user who is not connected: 603 to the caller, call.missed (callee_offline) to the backend', async () => {
    const [a, b] = [uid('alice'), uid('nobody')];
    const alice = await ts.client(a);
    const m = await alice.createMeeting();
    await rejectsWith(alice.call(b, m, { callID: `off-${a}` }), 603);
    const missed = verified(await rcv.waitFor((r) => r.event.type === 'call.missed' && r.event.data.callee === b, 'call.missed'));
    assert.equal(missed.data.reason, 'callee_offline');
    assert.equal(missed.data.caller, a);
    alice.close();
  });

  test('queue events: a customer who leaves is queue.abandoned, one an agent accepts is queue.served', async () => {
    const admin = await ts.token('ops', { admin: true });
    const queID = 900 + Math.floor(Math.random() * 99);
    const made = await fetch(`${ts.url}/v1/queues`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ queID, name: 'hooks', desc: '', prio: 0 }) });
    assert.equal(made.status, 201, await made.text());
    const [c1, c2, ag] = [uid('cust'), uid('cust'), uid('agent')];
    const first = await ts.client(c1);
    const second = await ts.client(c2);
    await first.joinQueue(queID);
    await first.leaveQueue();
    const left = verified(await rcv.waitFor((r) => r.event.type === 'queue.abandoned' && r.event.data.user === c1, 'queue.abandoned'));
    assert.deepEqual(left.data, { queID, user: c1, reason: 'cancelled' });
    const agent = await ts.client(ag);
    const ai = inbox(agent);
    await agent.serveQueue(queID, 1);
    await second.joinQueue(queID);
    assert.equal((await ai.take('queue.assigned')).user.userID, c2);
    await agent.acceptCustomer(queID, c2);
    const served = verified(await rcv.waitFor((r) => r.event.type === 'queue.served' && r.event.data.user === c2, 'queue.served'));
    assert.equal(served.data.agent, ag);
    assert.equal(served.data.queID, queID);
    assert.equal(typeof served.data.waitedMs, 'number');
    for (const c of [first, second, agent]) c.close();
  });

  test('a receiver that fails (500) and recovers gets every event afterwards, in order per call; a redelivery keeps its event ID', async () => {
    const [a, b, c] = [uid('alice'), uid('bob'), uid('carol')];
    const alice = await ts.client(a);
    const bob = await ts.client(b);
    const carol = await ts.client(c);
    await rcv.waitFor((r) => r.event.type === 'user.online' && r.event.data.userID === c && r.answered === 200, 'carol online');
    rcv.mode = 'fail';
    const failedFrom = rcv.received.length;
    const m = await alice.createMeeting();
    const bi = inbox(bob);
    const ci = inbox(carol);
    const one = await alice.call(b, m);
    await bi.take('call.incoming');
    await bob.accept(one.callID);
    await bob.hangup(one.callID);
    const two = await carol.call(b, await carol.createMeeting());
    await bi.take('call.incoming');
    await carol.hangup(two.callID);
    void ci;
    // The receiver has refused at least the first event of each call, more than once.
    await rcv.waitFor((r) => r.event.type === 'call.ringing' && r.event.data.callID === one.callID && r.answered === 500 && rcv.received.filter((x) => x.event.id === r.event.id).length >= 2, 'a retry of the first call\'s ringing');
    await rcv.waitFor((r) => r.event.type === 'call.ringing' && r.event.data.callID === two.callID && r.answered === 500, 'the second call\'s ringing refused');
    const refused = rcv.received.slice(failedFrom).filter((r) => r.answered === 500);
    assert.ok(refused.every((r) => r.event.type === 'call.ringing'), `nothing after a refused event of its call was sent: ${refused.map((r) => r.event.type).join(',')}`);

    rcv.mode = 'ok';
    await rcv.waitFor((r) => r.event.type === 'call.ended' && (r.event.data.call as { callID: string }).callID === one.callID && r.answered === 200, 'first call ended');
    await rcv.waitFor((r) => r.event.type === 'call.ended' && (r.event.data.call as { callID: string }).callID === two.callID && r.answered === 200, 'second call ended');
    assert.deepEqual(ofCall(rcv, one.callID), ['call.ringing', 'call.ended'], 'an answered call: ringing then ended, nothing missed');
    assert.deepEqual(ofCall(rcv, two.callID), ['call.ringing', 'call.missed', 'call.ended'], 'a cancelled call is missed');
    for (const r of rcv.accepted()) verified(r);
    // Each refused event was delivered afterwards under the same ID, and accepted exactly once.
    for (const r of refused) assert.equal(rcv.accepted().filter((x) => x.event.id === r.event.id).length, 1, `${r.event.type} ${r.event.id} accepted once`);
    const missed = rcv.accepted().find((r) => r.event.type === 'call.missed' && r.event.data.callID === two.callID)!;
    assert.equal(missed.event.data.reason, 'cancelled');

    const metrics = await metricsOfNodes(ts);
    assert.ok(total(metrics, 'callroom_webhooks_failed_total{type="call.ringing"}') >= 2, 'failed attempts counted');
    assert.ok(total(metrics, 'callroom_webhooks_retried_total{type="call.ringing"}') >= 2, 'retries counted');
    assert.ok(total(metrics, 'callroom_webhooks_sent_total{type="call.ended"}') >= 2, 'deliveries counted');
    assert.ok(total(metrics, 'callroom_webhooks_delivery_seconds_count') >= 1, 'latencies observed');
    for (const m of metrics) assert.match(m, /callroom_webhooks_queue_depth \d/);

    const admin = await ts.token('ops', { admin: true });
    const tail = (await (await fetch(`${ts.url}/v1/webhooks/deliveries?limit=1000`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { enabled: boolean; deliveries: { eventID: string; status: string; attempts: number; lastStatus: number }[] };
    assert.equal(tail.enabled, true);
    const firstRinging = refused.find((r) => r.event.data.callID === one.callID)!;
    const row = tail.deliveries.find((d) => d.eventID === firstRinging.event.id)!;
    assert.equal(row.status, 'sent');
    assert.ok(row.attempts >= 3, `delivered at the third attempt or later, got ${row.attempts}`);
    assert.equal(row.lastStatus, 200);
    const refusedTail = await fetch(`${ts.url}/v1/webhooks/deliveries`);
    assert.equal(refusedTail.status, 401, 'the delivery list needs an admin token');
    for (const x of [alice, bob, carol]) x.close();
  });
});

const auth = new Auth({ apiKey: API.apiKey, apiSecret: API.apiSecret });

async function clientAt(url: string, userID: string): Promise<CallClient> {
  const c = new CallClient({ url, requestTimeoutMs: WAIT_MS, reconnect: false });
  await c.login(await auth.mint(userID));
  return c;
}

// One node; a cluster's SIGKILL (a node killed mid-delivery) is in webhooks-cluster.test.ts.
if (single) test('a SIGKILL between the commit and the delivery loses nothing: after a restart on the same data the receiver gets every event, with the same IDs', { timeout: 60_000 }, async () => {
  const rcv = await startReceiver('hold');
  const dir = mkdtempSync(join(tmpdir(), 'callroom-webhooks-'));
  const args = ['--data', dir, '--webhook-url', rcv.url, '--webhook-secret', SECRET];
  let server = await spawnServer('server', args);
  const clients: CallClient[] = [];
  try {
    const alice = await clientAt(server.url, 'alice');
    const bob = await clientAt(server.url, 'bob');
    clients.push(alice, bob);
    const bi = inbox(bob);
    const m = await alice.createMeeting();
    const { callID } = await alice.call('bob', m);
    await bi.take('call.incoming');
    // Every answer above came after its commit: the events are in the outbox, some are held in flight.
    await bob.reject(callID);
    const heldRinging = await rcv.waitFor((r) => r.event.type === 'call.ringing', 'call.ringing held by the receiver');
    assert.equal(heldRinging.answered, null);
    assert.ok(!rcv.received.some((r) => r.event.data.callID === callID && r.event.type !== 'call.ringing') && !rcv.received.some((r) => r.event.type === 'call.ended'), 'the later events of the call are committed but not sent: they wait for the held one');
    await server.kill();
    rcv.release('drop');
    const beforeKill = new Map(rcv.received.map((r) => [r.event.type + ':' + String(r.event.data.userID ?? r.event.data.callID), r.event.id]));
    for (const c of clients) c.close();

    rcv.mode = 'ok';
    server = await spawnServer('server (restarted)', args, server.port);
    const ended = verified(await rcv.waitFor((r) => r.event.type === 'call.ended' && r.answered === 200, 'call.ended after the restart'));
    assert.equal((ended.data.call as { outcome: string }).outcome, 'rejected');
    assert.deepEqual(ofCall(rcv, callID), ['call.ringing', 'call.missed', 'call.ended']);
    for (const u of ['alice', 'bob']) await rcv.waitFor((r) => r.event.type === 'user.online' && r.event.data.userID === u && r.answered === 200, `${u} online`);
    for (const r of rcv.accepted()) {
      verified(r);
      const earlier = beforeKill.get(r.event.type + ':' + String(r.event.data.userID ?? r.event.data.callID));
      if (earlier !== undefined) assert.equal(r.event.id, earlier, `${r.event.type} redelivered under the ID it was first sent with`);
    }
    assert.equal(rcv.accepted().filter((r) => r.event.id === heldRinging.event.id).length, 1, 'the held event was delivered once after the restart');
  } finally {
    for (const c of clients) c.close();
    await server.stop();
    await rcv.close();
  }
});

describe('--offline-ring: a call to a user who is not connected waits for them', () => {
  let rcv: WebhookReceiver;
  let ts: TestServer;
  before(async () => {
    rcv = await startReceiver('ok');
    ts = await startServer({ offlineRingMs: 20_000, webhooks: { urls: [rcv.url], secret: SECRET, retryForMs: 60_000 } });
  });
  after(async () => {
    await ts?.close();
    await rcv?.close();
  });

  test('the backend logs the callee in on call.ringing; the call rings on the new session with the time left (and its type) and is answered', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    const alice = await ts.client(a);
    const ai = inbox(alice);
    const m = await alice.createMeeting();
    // Success means "delivered or waiting": bob is not connected.
    const { callID } = await alice.call(b, m, { usrExtDat: 'hello', callType: 'audio' });
    // The "backend": on call.ringing for bob, it wakes bob's app, which logs in.
    const ringing = verified(await rcv.waitFor((r) => r.event.type === 'call.ringing' && r.event.data.callee === b, 'call.ringing for the offline callee'));
    assert.equal(ringing.data.callID, callID);
    assert.equal(ringing.data.callType, 'audio', 'the push can say it is an audio call');
    assert.equal(await ts.isInCall(b), true, 'bob is reserved for the call while it waits');
    const bob = await ts.connect();
    const bi = inbox(bob);
    await bob.login(await ts.token(b));
    const incoming = await bi.take('call.incoming');
    assert.equal(incoming.callID, callID);
    assert.equal(incoming.caller.userID, a);
    assert.equal(incoming.usrExtDat, 'hello');
    assert.equal(incoming.callType, 'audio', 'a waiting call rings as its type');
    assert.ok(typeof incoming.ringsForMs === 'number' && incoming.ringsForMs > 0 && incoming.ringsForMs <= 20_000, `rings for the time left: ${incoming.ringsForMs}`);
    await bob.accept(callID);
    assert.equal((await ai.take('call.accepted')).callID, callID);
    await alice.hangup(callID);
    await rcv.waitFor((r) => r.event.type === 'call.ended' && (r.event.data.call as { callID: string }).callID === callID, 'call.ended');
    assert.deepEqual(ofCall(rcv, callID), ['call.ringing', 'call.ended'], 'answered: not missed');
    assert.equal((await ts.store.getCall(callID))?.outcome, 'completed');
    alice.close();
    bob.close();
  });

  test('a second call to the waiting callee is busy (602)', async () => {
    const [a, c, b] = [uid('alice'), uid('carol'), uid('bob')];
    const alice = await ts.client(a);
    const carol = await ts.client(c);
    const { callID } = await alice.call(b, await alice.createMeeting());
    await rejectsWith(carol.call(b, await carol.createMeeting()), 602);
    await alice.hangup(callID);
    const missed = verified(await rcv.waitFor((r) => r.event.type === 'call.missed' && r.event.data.callID === callID, 'call.missed'));
    assert.equal(missed.data.reason, 'cancelled');
    alice.close();
    carol.close();
  });
});

test('--offline-ring: a callee who does not connect in time: 604 to the caller, call.missed (no_answer) to the backend', async () => {
  const rcv = await startReceiver('ok');
  const ts = await startServer({ offlineRingMs: 300, webhooks: { urls: [rcv.url], secret: SECRET, retryForMs: 60_000 } });
  try {
    const [a, b] = [uid('alice'), uid('bob')];
    const alice = await ts.client(a);
    const ai = inbox(alice);
    const { callID } = await alice.call(b, await alice.createMeeting());
    const rejected = await ai.take('call.rejected');
    assert.deepEqual([rejected.callID, rejected.code], [callID, 604]);
    const missed = verified(await rcv.waitFor((r) => r.event.type === 'call.missed' && r.event.data.callID === callID, 'call.missed'));
    assert.equal(missed.data.reason, 'no_answer');
    assert.equal((await ts.store.getCall(callID))?.outcome, 'no_answer');
    assert.deepEqual(ofCall(rcv, callID).slice(0, 2), ['call.ringing', 'call.missed']);
    alice.close();
  } finally {
    await ts.close();
    await rcv.close();
  }
});
