/**
 * Call-centre queues on the page, in real Chromium: queues made by an administrator over REST
 * (/v1/queues), an agent console serving one, customers joining and seeing their place, the
 * offer with its countdown, Accept calling the customer with the ordinary call (the customer's
 * page rings, they accept, both are in the call), a reload showing the place again, the customer
 * view in Chinese; and an offer rejected, one timing out, "Next customer" with do not disturb on
 * (nobody waiting, not serving), leaving the queue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueueInfo } from '../../src/protocol/queues.js';
import { onScreen, openUser, remoteVideoShown, screenshot, silent, softphonePages, type UserPage } from './harness.js';

/** Long enough for a page to answer an offer at once; short enough to wait for one to time out. */
const ASSIGN_TIMEOUT_MS = 8_000;
const suite = softphonePages({ assignTimeoutMs: ASSIGN_TIMEOUT_MS });

/** Makes a queue as an administrator does: POST /v1/queues with an admin token. */
async function createQueue(name: string): Promise<QueueInfo> {
  const token = await suite.srv.server.core.auth.mint('ops', { admin: true });
  const res = await fetch(`${suite.srv.url}/v1/queues`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, desc: '', prio: 0 }),
  });
  const body = (await res.json()) as { queue: QueueInfo };
  assert.equal(res.status, 201, JSON.stringify(body));
  return body.queue;
}

async function open(name: string, locale?: string): Promise<UserPage> {
  const u = await openUser(suite.browser, suite.srv.url, name, locale ? { locale } : {});
  suite.users.push(u);
  return u;
}

/** The agent's row of queue `q`. */
const row = (agent: UserPage, q: QueueInfo) => agent.page.locator(`#agent-queues li[data-queue="${q.queID}"]`);

async function serve(agent: UserPage, q: QueueInfo): Promise<void> {
  await agent.page.getByRole('button', { name: `Serve ${q.name}` }).click();
  await agent.page.locator(`#agent-queues li[data-queue="${q.queID}"][data-serving="1"]`).waitFor();
  await row(agent, q).locator('[data-count="agents"]', { hasText: '1 agent' }).waitFor();
  assert.equal(await agent.page.getByRole('button', { name: `Stop serving ${q.name}` }).getAttribute('aria-pressed'), 'true');
}

async function join(customer: UserPage, q: QueueInfo): Promise<void> {
  await customer.page.getByLabel('Queue', { exact: true }).selectOption(String(q.queID));
  await customer.page.getByRole('button', { name: 'Join queue' }).click();
}

/** Waits until the customer's page shows `text` as their place. */
async function placeSays(customer: UserPage, text: string): Promise<void> {
  await customer.page.locator('#queue-position', { hasText: text }).waitFor();
}

/** The seconds the offer's countdown shows, once it shows them. */
async function countdown(agent: UserPage): Promise<number> {
  const c = agent.page.locator('#agent-countdown');
  await c.waitFor({ state: 'visible' });
  const m = /Answer within (\d+) s/.exec((await c.textContent()) ?? '');
  assert.ok(m, 'the countdown says the seconds left');
  return Number(m[1]);
}

test('an agent serves a queue, two customers wait, the agent accepts the first and calls them; the second moves up, also after a reload and in Chinese', { timeout: 120_000 }, async () => {
  const q = await createQueue('Support');
  const agent = await open('agent');
  const carol = await open('carol');
  const dave = await open('dave');

  await serve(agent, q);
  await row(agent, q).locator('[data-count="waiting"]', { hasText: '0 waiting' }).waitFor();

  await join(carol, q);
  await placeSays(carol, 'You are number 1 in Support.');
  // The agent is idle with do not disturb off: carol is offered at once, with the time left to answer.
  await agent.page.locator('#agent-offer-text', { hasText: /^carol from Support, waited \d+:\d\d$/ }).waitFor();
  const first = await countdown(agent);
  // Counted on the server's clock as the page knows it (an offset learned from pings, good to well under a second).
  assert.ok(first >= 1 && first <= ASSIGN_TIMEOUT_MS / 1000 + 1, `countdown ${first} s`);

  await join(dave, q);
  await placeSays(dave, 'You are number 2 in Support.');
  await placeSays(dave, 'You are number 2 in Support. No wait estimate yet.');
  await row(agent, q).locator('[data-count="waiting"]', { hasText: '2 waiting' }).waitFor();
  // The countdown runs.
  await agent.page.waitForFunction(
    (n) => {
      const m = /(\d+) s/.exec(document.getElementById('agent-countdown')?.textContent ?? '');
      return m !== null && Number(m[1]) < n;
    },
    first,
  );
  await screenshot(agent, '60-queue-agent-offer.png');
  await screenshot(dave, '61-queue-customer-number-2.png');

  // Accept: the agent's page calls carol with the ordinary call; carol's page rings.
  await agent.page.getByRole('button', { name: 'Accept', exact: true }).click();
  await onScreen(agent, 'outgoing');
  await agent.page.getByRole('heading', { name: 'Calling carol…' }).waitFor();
  await onScreen(carol, 'incoming');
  await carol.page.getByRole('heading', { name: 'agent is calling' }).waitFor();
  await carol.page.locator('#btn-accept').click();
  await Promise.all([silent(carol), silent(agent)]);
  await Promise.all([onScreen(carol, 'call'), onScreen(agent, 'call')]);
  await Promise.all([remoteVideoShown(carol, 'agent'), remoteVideoShown(agent, 'carol')]);

  // Dave moves up.
  await placeSays(dave, 'You are number 1 in Support.');
  // A reload shows his place again (the page asks the server: queue.mine).
  await dave.page.reload();
  await onScreen(dave, 'home');
  await placeSays(dave, 'You are number 1 in Support.');
  assert.equal(await dave.page.getByRole('button', { name: 'Leave queue' }).isVisible(), true);

  // In Chinese.
  await dave.page.locator('#lang').selectOption('zh');
  await placeSays(dave, '你在 Support 排第 1 位。暂无等待时间估计。');
  await dave.page.getByRole('button', { name: '离开队列' }).waitFor();
  await screenshot(dave, '62-queue-customer-zh.png');
  await dave.page.locator('#lang').selectOption('en');

  // The agent's console, back from the call, shows the waiting count; carol was served.
  await agent.page.locator('#btn-hangup').click();
  await onScreen(agent, 'home');
  await onScreen(carol, 'home');
  await carol.page.locator('#queue-notice', { hasText: 'An agent (agent) is taking you' }).waitFor();
  assert.equal(await carol.page.locator('#queue-join-form').isVisible(), true, 'carol can join again');
  await row(agent, q).locator('[data-count="inService"]', { hasText: '0 in service' }).waitFor();
  // With one service done the server has an estimate; a reload (queue.mine) shows it in words.
  await dave.page.reload();
  await onScreen(dave, 'home');
  await placeSays(dave, 'You are number 1 in Support, under a minute.');
});

test('an offer rejected and one not answered in time; Next customer with do not disturb on; leaving the queue', { timeout: 120_000 }, async () => {
  const q = await createQueue('Billing');
  const agent = await open('agent2');
  const erin = await open('erin');
  const frank = await open('frank');
  await serve(agent, q);

  // Rejected: erin keeps her place (and is not offered to this agent again).
  await join(erin, q);
  await agent.page.locator('#agent-offer-text', { hasText: /^erin from Billing/ }).waitFor();
  await agent.page.getByRole('button', { name: 'Reject', exact: true }).click();
  await agent.page.locator('#agent-notice', { hasText: 'You passed erin to another agent.' }).waitFor();
  assert.equal(await agent.page.locator('#agent-offer').isVisible(), false);
  await placeSays(erin, 'You are number 1 in Billing.');

  // Not answered: the offer of frank goes at the deadline, with the reason.
  await join(frank, q);
  await placeSays(frank, 'You are number 2 in Billing.');
  await agent.page.locator('#agent-offer-text', { hasText: /^frank from Billing/ }).waitFor();
  await countdown(agent);
  // A reload of the agent's page shows the queue served and the offer again, with its countdown (queue.mine's assignedDeadline).
  await agent.page.reload();
  await onScreen(agent, 'home');
  await agent.page.getByRole('button', { name: `Stop serving ${q.name}` }).waitFor();
  await agent.page.locator('#agent-offer-text', { hasText: /^frank from Billing/ }).waitFor();
  await countdown(agent);
  await agent.page.locator('#agent-notice', { hasText: 'The offer of frank was withdrawn: not answered in time.' }).waitFor({ timeout: ASSIGN_TIMEOUT_MS + 10_000 });
  assert.equal(await agent.page.locator('#agent-offer').isVisible(), false);
  await row(agent, q).locator('[data-count="waiting"]', { hasText: '2 waiting' }).waitFor();

  // Do not disturb on: the agent asks. Both customers passed this agent, so nobody is waiting for them.
  assert.equal(await agent.page.getByRole('button', { name: 'Next customer' }).isVisible(), false);
  await agent.page.getByRole('switch', { name: 'Do not disturb' }).check();
  await agent.page.getByRole('button', { name: 'Next customer' }).click();
  await agent.page.locator('#agent-notice', { hasText: 'Nobody is waiting for you just now.' }).waitFor();
  await agent.page.getByRole('button', { name: `Stop serving ${q.name}` }).click();
  await agent.page.getByRole('button', { name: `Serve ${q.name}` }).waitFor();
  await agent.page.getByRole('button', { name: 'Next customer' }).click();
  await agent.page.locator('#agent-notice', { hasText: 'You are not serving any queue' }).waitFor();
  await screenshot(agent, '63-queue-agent-not-serving.png');

  // Erin leaves; frank moves up.
  await erin.page.getByRole('button', { name: 'Leave queue' }).click();
  await erin.page.locator('#queue-notice', { hasText: 'You left the queue.' }).waitFor();
  assert.equal(await erin.page.locator('#queue-place').isVisible(), false);
  await placeSays(frank, 'You are number 1 in Billing.');
});
