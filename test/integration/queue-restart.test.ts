/**
 * Queue places and offers across a crash of a single node: `callroom serve --data` as a child
 * process, queues made over REST, SIGKILL, the same command again on the same port and folder.
 * The book is written to SQLite before anyone is told, so nobody loses their place, the offer
 * still stands, and nobody is offered twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallClient } from '../../src/sdk/index.js';
import { Auth } from '../../src/server/gateway/auth.js';
import { API, inbox, WAIT_MS } from '../helpers/server.js';
import { spawnServer } from '../helpers/process.js';

const auth = new Auth({ apiKey: API.apiKey, apiSecret: API.apiSecret });

async function clientAt(url: string, userID: string): Promise<CallClient> {
  const c = new CallClient({ url, requestTimeoutMs: WAIT_MS });
  await c.login(await auth.mint(userID));
  return c;
}

test('one node: after a SIGKILL and a restart, customers keep their places, the standing offer can be accepted, nobody is offered twice', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'callroom-qrestart-'));
  const args = ['--data', dir, '--resume-grace', '20000'];
  let server = await spawnServer('server', args);
  const clients: CallClient[] = [];
  try {
    const made = await fetch(`${server.url}/v1/queues`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await auth.mint('ops', { admin: true })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ queID: 7, name: 'desk', desc: 'front desk', prio: 0 }),
    });
    assert.equal(made.status, 201, await made.text());
    const agent = await clientAt(server.url, 'agent');
    const first = await clientAt(server.url, 'first');
    const second = await clientAt(server.url, 'second');
    clients.push(agent, first, second);
    const ai = inbox(agent);
    await agent.serveQueue(7, 1);
    await first.joinQueue(7);
    const offered = await ai.take('queue.assigned');
    assert.equal(offered.user.userID, 'first', 'the first customer is offered to the idle agent');
    await second.joinQueue(7);
    const before = { first: await first.myQueues(), second: await second.myQueues() };
    assert.equal(before.second.queuing?.queID, 7);

    const back = clients.map((c) => new Promise((r) => c.once('reconnected', r)));
    await server.kill();
    server = await spawnServer('server (restarted)', args, server.port);
    // Sessions live in the process, so each client logs in anew (not resumed); its queue state is the book's.
    await Promise.all(back);

    const after = { first: await first.myQueues(), second: await second.myQueues(), agent: await agent.myQueues() };
    assert.deepEqual(after.first.queuing && { queID: after.first.queuing.queID, position: after.first.queuing.position }, before.first.queuing && { queID: 7, position: before.first.queuing.position }, 'the offered customer is still in line');
    assert.equal(after.second.queuing?.position, before.second.queuing?.position, 'the second customer kept their place');
    assert.equal(after.agent.assigned?.userID, 'first', 'the offer still stands');
    assert.equal(after.agent.assignedDeadline, offered.deadline, 'with its deadline');
    assert.deepEqual(after.agent.serving, [{ queID: 7, priority: 1 }], 'the agent still serves the queue');

    // Another agent arriving now is offered the second customer, never the first.
    const other = await clientAt(server.url, 'other');
    clients.push(other);
    const oi = inbox(other);
    await other.serveQueue(7, 1);
    assert.equal((await oi.take('queue.assigned')).user.userID, 'second');
    const left = new Promise((r) => first.once('queue.left', r));
    await agent.acceptCustomer(7, 'first');
    assert.deepEqual(await left, { queID: 7, reason: 'served', agent: 'agent' });
    assert.equal((await first.myQueues()).queuing, null);
    assert.equal((await agent.myQueues()).inService?.userID, 'first');
  } finally {
    for (const c of clients) c.close();
    await server.stop();
  }
});
