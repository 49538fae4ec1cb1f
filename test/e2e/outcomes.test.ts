/**
 * Calls that do not happen, from the page, in real Chromium: do not disturb, busy, rejected,
 * offline, cancelled while ringing, and no answer (with a short ring timeout). Each page says
 * what happened in words, and the ringing stops at once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import {
  closeAll,
  dial,
  launchBrowser,
  noticeSays,
  onScreen,
  openUser,
  reportErrors,
  screenshot,
  silent,
  startServer,
  tone,
  type E2EServer,
  type UserPage,
} from './harness.js';

const RING_TIMEOUT_MS = 3_000;
let srv: E2EServer;
let browser: Browser;
let alice: UserPage;
let bob: UserPage;
let carol: UserPage;

before(async () => {
  srv = await startServer({ ringTimeoutMs: RING_TIMEOUT_MS });
  browser = await launchBrowser();
  alice = await openUser(browser, srv.url, 'alice');
  bob = await openUser(browser, srv.url, 'bob');
  carol = await openUser(browser, srv.url, 'carol', { viewport: { width: 390, height: 760 } });
});

after(async () => {
  reportErrors([alice, bob, carol].filter(Boolean));
  await closeAll([alice, bob, carol].filter(Boolean));
  await browser?.close();
  await srv?.close();
});

async function ringing(callee: UserPage, caller: string): Promise<void> {
  await onScreen(callee, 'incoming');
  await callee.page.getByRole('heading', { name: `${caller} is calling` }).waitFor();
  assert.equal(await tone(callee), 'ringtone');
}

test('do not disturb: the caller is told, the callee does not ring, presence shows it', { timeout: 60_000 }, async () => {
  const sw = bob.page.getByRole('switch', { name: 'Do not disturb' });
  await sw.check();
  // Alice sees it live in her contacts.
  await alice.page.locator('#contacts li[data-user="bob"] .presence', { hasText: 'Do not disturb' }).waitFor();
  await alice.page.getByRole('button', { name: 'Call bob' }).first().click();
  await noticeSays(alice, 'bob does not want to be disturbed right now.');
  await onScreen(alice, 'home');
  assert.equal(await bob.page.evaluate(() => document.body.dataset.screen), 'home', 'bob never rang');
  assert.equal(await tone(bob), '');
  await screenshot(alice, '10-outcome-dnd.png');
  await sw.uncheck();
  await alice.page.locator('#contacts li[data-user="bob"] .presence', { hasText: /^Online$/ }).waitFor();
});

test('busy: calling someone whose phone is ringing says they are busy; cancelling stops the ringing at once', { timeout: 60_000 }, async () => {
  await dial(alice, 'bob');
  await ringing(bob, 'alice');
  await alice.page.waitForFunction(() => document.body.dataset.tone === 'ringback');
  await dial(carol, 'bob');
  await noticeSays(carol, 'bob is busy in another call.');
  await screenshot(carol, '11-outcome-busy-phone.png');
  // Alice cancels while it rings.
  await alice.page.getByRole('button', { name: 'Cancel' }).click();
  await silent(alice);
  await silent(bob);
  await onScreen(bob, 'home');
  await noticeSays(alice, 'Call cancelled.');
  await noticeSays(bob, 'alice cancelled the call.');
});

test('rejected: the callee rejects, the caller is told, both stop ringing', { timeout: 60_000 }, async () => {
  await dial(alice, 'bob');
  await ringing(bob, 'alice');
  // By keyboard: Accept has the focus, Reject is the next control.
  assert.equal(await bob.page.evaluate(() => document.activeElement?.id), 'btn-accept');
  await bob.page.keyboard.press('Tab');
  assert.equal(await bob.page.evaluate(() => document.activeElement?.textContent), 'Reject');
  await bob.page.keyboard.press('Enter');
  await silent(bob);
  await noticeSays(bob, 'You declined the call from alice.');
  await noticeSays(alice, 'bob declined the call.');
  await silent(alice);
  await screenshot(alice, '12-outcome-rejected.png');
});

test('offline: calling someone who is not logged in says so', { timeout: 60_000 }, async () => {
  await dial(alice, 'dave');
  await noticeSays(alice, 'dave is offline.');
  await onScreen(alice, 'home');
  assert.equal(await tone(alice), '');
});

test('no answer: after the ring timeout the caller hears "did not answer", the callee sees a missed call', { timeout: 60_000 }, async () => {
  await dial(carol, 'bob');
  await ringing(bob, 'carol');
  await noticeSays(carol, 'bob did not answer.');
  await noticeSays(bob, 'Missed call from carol.');
  await silent(bob);
  await silent(carol);
  await onScreen(bob, 'home');
});

test('the histories show every outcome in words', { timeout: 60_000 }, async () => {
  const expectRow = async (u: UserPage, outcome: string, words: string) => {
    const row = u.page.locator(`#history li[data-outcome="${outcome}"]`).first();
    await row.waitFor();
    assert.match((await row.locator('.h-outcome').textContent()) ?? '', new RegExp(`^${words}$`));
  };
  await expectRow(alice, 'rejected', 'Declined');
  await expectRow(alice, 'cancelled', 'Cancelled');
  await expectRow(bob, 'rejected', 'Declined');
  await expectRow(bob, 'cancelled', 'Missed');
  await expectRow(bob, 'no_answer', 'Missed');
  await expectRow(carol, 'no_answer', 'No answer');
  await screenshot(bob, '13-history-outcomes.png');
});
