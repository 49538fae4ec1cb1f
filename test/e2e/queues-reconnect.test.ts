/**
 * The queue views after a reconnect that did not resume the session: an agent's page and a
 * customer's page talk to the server through a TCP proxy, which cuts them off for longer than the
 * (short) resume grace. The server lets both go: the agent stops serving, the customer leaves the
 * queue (another agent, connected directly, sees the counts fall). Once the proxy lets them
 * through, both pages log in as new sessions and ask the server again (queue.mine): the agent's
 * console shows the queue not served, the customer's page no place in line.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { QueueInfo } from '../../src/protocol/queues.js';
import { startProxy, type Proxy } from '../helpers/proxy.js';
import { closeAll, launchBrowser, openUser, reportErrors, startServer, type E2EServer, type UserPage } from './harness.js';

let srv: E2EServer;
let proxy: Proxy;
let browser: Browser;
const users: UserPage[] = [];

before(async () => {
  srv = await startServer({ resumeGraceMs: 2_000 });
  proxy = await startProxy(srv.url);
  browser = await launchBrowser();
});

after(async () => {
  reportErrors(users);
  await closeAll(users);
  await browser?.close();
  await proxy?.close();
  await srv?.close();
});

type PageGlobals = {
  callroom: { client: { on(ev: 'reconnected', fn: (e: { resumed: boolean }) => void): void } };
  __back?: { resumed: boolean }[];
};

async function createQueue(name: string): Promise<QueueInfo> {
  const token = await srv.server.core.auth.mint('ops', { admin: true });
  const res = await fetch(`${srv.url}/v1/queues`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, desc: '', prio: 0 }),
  });
  assert.equal(res.status, 201);
  return ((await res.json()) as { queue: QueueInfo }).queue;
}

/** Counts the page's reconnects and whether each resumed. */
async function watchReconnects(u: UserPage): Promise<void> {
  await u.page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    const box: { resumed: boolean }[] = (g.__back = []);
    g.callroom.client.on('reconnected', (e) => box.push(e));
  });
}

async function reconnects(u: UserPage): Promise<{ resumed: boolean }[]> {
  await u.page.waitForFunction(() => ((globalThis as unknown as PageGlobals).__back ?? []).length > 0);
  return u.page.evaluate(() => (globalThis as unknown as PageGlobals).__back ?? []);
}

test('after a reconnect as a new session the queue views show what the server says: not serving, not queuing', { timeout: 120_000 }, async () => {
  const q = await createQueue('Support');
  // Do not disturb on for both agents: nobody is offered, so the customer just waits.
  const watcher = await openUser(browser, srv.url, 'watcher');
  const agent = await openUser(browser, proxy.url, 'agent');
  const carol = await openUser(browser, proxy.url, 'carol');
  users.push(watcher, agent, carol);
  for (const a of [watcher, agent]) {
    await a.page.getByRole('switch', { name: 'Do not disturb' }).check();
    await a.page.getByRole('button', { name: 'Next customer' }).waitFor();
    await a.page.getByRole('button', { name: 'Serve Support' }).click();
    await a.page.getByRole('button', { name: 'Stop serving Support' }).waitFor();
  }
  const counts = watcher.page.locator(`#agent-queues li[data-queue="${q.queID}"] .q-counts`);
  await counts.locator('[data-count="agents"]', { hasText: '2 agents' }).waitFor();
  await carol.page.getByRole('button', { name: 'Join queue' }).click();
  await carol.page.locator('#queue-position', { hasText: 'You are number 1 in Support.' }).waitFor();
  await counts.locator('[data-count="waiting"]', { hasText: '1 waiting' }).waitFor();
  await Promise.all([watchReconnects(agent), watchReconnects(carol)]);

  // Cut off past the grace: the server lets both sessions go, and with them the serving and the place.
  proxy.block(true);
  proxy.dropAll();
  await counts.locator('[data-count="agents"]', { hasText: '1 agent' }).waitFor();
  await counts.locator('[data-count="waiting"]', { hasText: '0 waiting' }).waitFor();
  proxy.block(false);

  assert.deepEqual(await reconnects(agent), [{ resumed: false }]);
  assert.deepEqual(await reconnects(carol), [{ resumed: false }]);
  await agent.page.getByRole('button', { name: 'Serve Support' }).waitFor();
  assert.equal(await agent.page.locator(`#agent-queues li[data-queue="${q.queID}"]`).getAttribute('data-serving'), '0');
  await carol.page.getByRole('button', { name: 'Join queue' }).waitFor();
  assert.equal(await carol.page.locator('#queue-place').isVisible(), false);
});
