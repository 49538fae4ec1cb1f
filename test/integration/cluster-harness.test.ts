/**
 * The cluster mode of the test harness checks itself: the proxy in front of the three nodes is
 * really non-sticky (consecutive connections, and a client's reconnect, reach different nodes,
 * as the nodes themselves count them), and flush() waits for events that travel between nodes.
 * Runs in every mode: it starts the cluster harness itself.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startClusterServer, CLUSTER_NODES, type ClusterTestServer } from '../helpers/cluster-server.js';
import { flush, inbox, next, uid } from '../helpers/server.js';
import { eventually } from '../helpers/time.js';

/** Open WebSocket connections on each node, as its /healthz reports them. */
async function connectionsPerNode(ts: ClusterTestServer): Promise<number[]> {
  return Promise.all(
    ts.nodes.map(async (n) => {
      const r = await fetch(`${n.url}/healthz`);
      assert.equal(r.status, 200);
      return ((await r.json()) as { connections: number }).connections;
    }),
  );
}

/** The one node with an open connection (asserting there is exactly one). */
function theOneNode(counts: number[]): number {
  const busy = counts.flatMap((n, i) => (n > 0 ? [i] : []));
  assert.deepEqual(busy.map((i) => counts[i]), [1], `exactly one node has one connection: ${JSON.stringify(counts)}`);
  return busy[0]!;
}

describe('cluster harness', () => {
  let ts: ClusterTestServer;
  before(async () => {
    ts = await startClusterServer({ limits: { resumeGraceMs: 10_000 } });
  });
  after(async () => {
    await ts.close();
  });

  test(`runs ${CLUSTER_NODES} nodes on one Redis behind the proxy`, async () => {
    assert.equal(ts.nodes.length, CLUSTER_NODES);
    assert.equal(new Set(ts.nodes.map((n) => n.url)).size, CLUSTER_NODES);
    assert.ok(!ts.nodes.some((n) => n.url === ts.url), 'clients connect to the proxy, not to a node');
    for (const n of ts.nodes) {
      const health = (await (await fetch(`${n.url}/healthz`)).json()) as { store: string };
      assert.equal(health.store, 'redis');
    }
  });

  test('two consecutive connections reach different nodes', async () => {
    assert.deepEqual(await connectionsPerNode(ts), Array(CLUSTER_NODES).fill(0));
    const a = await ts.client(uid('a'));
    const first = theOneNode(await connectionsPerNode(ts));
    const b = await ts.client(uid('b'));
    const counts = await connectionsPerNode(ts);
    const second = counts.findIndex((n, i) => i !== first && n === 1);
    assert.notEqual(second, -1, `the second connection is on another node than the first (node ${first}): ${JSON.stringify(counts)}`);
    assert.equal(counts[first], 1);
    await Promise.all([a.logout(), b.logout()]);
  });

  test('a client whose connection drops reconnects to another node', async () => {
    // Nodes count a connection until they have seen it close: wait for the previous test's to go.
    await eventually(async () => assert.deepEqual(await connectionsPerNode(ts), Array(CLUSTER_NODES).fill(0)), { timeoutMs: 5_000, what: 'no connections left' });
    const c = await ts.client(uid('c'));
    const before = theOneNode(await connectionsPerNode(ts));
    const back = next(c, 'reconnected', 20_000);
    ts.proxy.dropAll();
    await back;
    // The old node sees its socket close in its own time; no event tells the test when.
    const after = await eventually(async () => theOneNode(await connectionsPerNode(ts)), { timeoutMs: 5_000, what: 'only the new connection left' });
    assert.notEqual(after, before, `the reconnect reached another node (node ${after}, was ${before})`);
    await c.logout();
  });

  test('flush() returns once an event published by another node has reached the client', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    const alice = await ts.client(a);
    const bob = await ts.client(b);
    const bobIn = inbox(bob);
    const { callID } = await alice.call(b, await alice.createMeeting());
    await flush(bob);
    assert.deepEqual(bobIn.unreadOf('call.incoming').map((e) => (e.payload as { callID: string }).callID), [callID]);
    await alice.hangup(callID);
    await flush(bob);
    assert.deepEqual(bobIn.unreadOf('call.hungup').length, 1);
  });
});
