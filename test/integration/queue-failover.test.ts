/**
 * Queue places and offers when a cluster node dies (SIGKILL of a child-process node): the book is
 * in Redis, so a customer whose node died and who reconnects elsewhere keeps their place; an
 * agent whose node died and who does not come back stops serving after the node timeout and the
 * grace, and the customer offered to them goes to another agent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallClient } from '../../src/sdk/index.js';
import { inbox } from '../helpers/server.js';
import { startCluster, spawnNode } from '../helpers/cluster.js';
import { startProxy } from '../helpers/proxy.js';

async function clientAt(url: string, token: string): Promise<CallClient> {
  const c = new CallClient({ url });
  await c.login(token);
  return c;
}

test('cluster: a customer whose node is killed resumes on another node and keeps their place; the agent is offered them first', { timeout: 60_000 }, async () => {
  const cl = await startCluster(2);
  const doomed = await spawnNode(cl.redis.url, 'doomed', ['--resume-grace', '5000']);
  const lb = await startProxy(doomed.url);
  try {
    await cl.nodes[0]!.server.core.queues.define({ queID: 1, name: 'desk', desc: '', prio: 0 });
    const first = new CallClient({ url: lb.url });
    await first.login(await cl.token('first'));
    assert.equal((await first.joinQueue(1)).position, 1);
    const second = await cl.nodes[0]!.client('second');
    assert.equal((await second.joinQueue(1)).position, 2);
    const back = new Promise<{ resumed: boolean }>((r) => first.once('reconnected', r));
    lb.retarget(cl.nodes[1]!.url);
    await doomed.kill();
    assert.equal((await back).resumed, true, 'resumed on another node');
    assert.equal((await first.myQueues()).queuing?.position, 1, 'still first in line');
    const agent = await cl.nodes[1]!.client('agent');
    const ai = inbox(agent);
    await agent.serveQueue(1);
    assert.equal((await ai.take('queue.assigned')).user.userID, 'first');
  } finally {
    await lb.close();
    await doomed.stop();
    await cl.close();
  }
});

test('cluster: an agent whose node is killed and who does not come back stops serving; their customer goes to another agent', { timeout: 60_000 }, async () => {
  const GRACE = 1000;
  const cl = await startCluster(2, { limits: { resumeGraceMs: GRACE } });
  const doomed = await spawnNode(cl.redis.url, 'doomed', ['--resume-grace', String(GRACE)]);
  try {
    await cl.nodes[0]!.server.core.queues.define({ queID: 2, name: 'desk', desc: '', prio: 0 });
    const lost = await clientAt(doomed.url, await cl.token('lost-agent'));
    const li = inbox(lost);
    await lost.serveQueue(2, 0);
    const other = await cl.nodes[1]!.client('other-agent');
    const oi = inbox(other);
    await other.setDnd(true);
    await other.serveQueue(2, 5);
    await other.setDnd(false);
    const customer = await cl.nodes[0]!.client('customer');
    await customer.joinQueue(2);
    assert.equal((await li.take('queue.assigned')).user.userID, 'customer', 'offered to the best agent, on the doomed node');
    lost.close();
    await doomed.kill();
    const offer = await oi.take('queue.assigned', 15_000);
    assert.equal(offer.user.userID, 'customer');
    assert.equal((await customer.myQueues()).queuing?.position, 1, 'the customer never lost their place');
    const [st] = await other.queueStatus(2);
    assert.equal(st?.agents, 1, 'the lost agent serves no more');
    await other.acceptCustomer(2, 'customer');
  } finally {
    await doomed.stop();
    await cl.close();
  }
});
