/**
 * Getting attention, in real Chromium: an incoming call in a hidden tab changes the title and
 * shows a desktop notification (permission asked from the page's button); an unanswered call is
 * counted as missed until the person clears it; the call screen's keys (M, V, Esc) and its
 * network quality indicator; the camera preview on the ringing screen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dial, onScreen, openUser, screenshot, softphonePages, type UserPage } from './harness.js';

const suite = softphonePages();

/** Lets the test hide the tab (Chromium's headless pages are always visible) and records notifications. */
const HIDDEN_TAB = `
  let hidden = false;
  Object.defineProperty(Document.prototype, 'hidden', { get: () => hidden, configurable: true });
  Object.defineProperty(Document.prototype, 'visibilityState', { get: () => (hidden ? 'hidden' : 'visible'), configurable: true });
  window.__setHidden = (h) => { hidden = h; document.dispatchEvent(new Event('visibilitychange')); };
  const Real = window.Notification;
  window.__notes = [];
  class Recorded extends Real {
    constructor(title, opts) { super(title, opts); window.__notes.push({ title, body: opts && opts.body }); }
  }
  Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
  Recorded.requestPermission = (...a) => Real.requestPermission(...a);
  window.Notification = Recorded;
`;

const setHidden = (u: UserPage, h: boolean) => u.page.evaluate((v) => (globalThis as unknown as { __setHidden(h: boolean): void }).__setHidden(v), h);
const notes = (u: UserPage) => u.page.evaluate(() => (globalThis as unknown as { __notes: { title: string; body: string }[] }).__notes);
const titleIs = (u: UserPage, want: string) => u.page.waitForFunction((w) => document.title === w, want);

async function callBob(alice: UserPage): Promise<void> {
  await dial(alice, 'bob');
  await onScreen(alice, 'outgoing');
}

test('a call to a hidden tab: title and notification; unanswered, it is a missed call until cleared', { timeout: 120_000 }, async () => {
  const alice = await openUser(suite.browser, suite.srv.url, 'alice');
  const bob = await openUser(suite.browser, suite.srv.url, 'bob', { initScript: HIDDEN_TAB });
  suite.users.push(alice, bob);

  // A server without call-centre queues shows no queue cards.
  await bob.page.locator('#agent-card').waitFor({ state: 'hidden' });
  await bob.page.locator('#queue-card').waitFor({ state: 'hidden' });

  // Permission is asked only when bob presses the button.
  const allow = bob.page.getByRole('button', { name: 'Alert me to calls' });
  await allow.waitFor();
  await bob.context.grantPermissions(['notifications'], { origin: suite.srv.url });
  await allow.click();
  await allow.waitFor({ state: 'hidden' });

  await setHidden(bob, true);
  await callBob(alice);
  await titleIs(bob, 'alice is calling — callroom');
  assert.deepEqual(await notes(bob), [{ title: 'alice is calling', body: 'Open callroom to answer.' }]);

  // alice gives up (Esc on the ringing-out screen): bob missed it.
  await alice.page.keyboard.press('Escape');
  await onScreen(alice, 'home');
  await onScreen(bob, 'home');
  await titleIs(bob, '(1) callroom');
  await setHidden(bob, false);
  const badge = bob.page.locator('#missed-calls');
  await badge.getByText('1 missed call').waitFor();
  await screenshot(bob, '70-missed-call-badge.png');
  await bob.page.getByLabel('Language').selectOption('zh');
  await badge.getByText('1 个未接来电').waitFor();
  await bob.page.getByLabel('语言').selectOption('en');

  // A second one missed while looking at the page counts too; clicking the badge clears the count.
  await callBob(alice);
  await onScreen(bob, 'incoming');
  assert.equal(await bob.page.evaluate(() => document.title), '(1) callroom', 'a visible tab keeps its title while ringing');
  assert.equal((await notes(bob)).length, 1, 'and shows no notification');
  await alice.page.getByRole('button', { name: 'Cancel' }).click();
  await badge.getByText('2 missed calls').waitFor();
  await titleIs(bob, '(2) callroom');
  await badge.click();
  await badge.waitFor({ state: 'hidden' });
  await titleIs(bob, 'callroom');
});

test('a camera preview while it rings; on the call screen M mutes, V turns the camera off, Esc hangs up; an answered call is not missed', { timeout: 120_000 }, async () => {
  const [alice, bob] = suite.users as [UserPage, UserPage];
  await callBob(alice);
  await onScreen(bob, 'incoming');
  // While it rings, bob sees his own camera; the preview closes with the ringing.
  await bob.page.waitForFunction(() => {
    const v = document.querySelector<HTMLVideoElement>('#incoming-preview');
    return !!v && !v.hidden && v.videoWidth > 0;
  });
  await screenshot(bob, '72-incoming-preview.png');
  await bob.page.getByRole('button', { name: 'Accept' }).click();
  await bob.page.waitForFunction(() => {
    const v = document.querySelector<HTMLVideoElement>('#incoming-preview');
    return !!v && v.hidden && v.srcObject === null;
  });
  await Promise.all([onScreen(alice, 'call'), onScreen(bob, 'call')]);
  // The network indicator, from getStats: on loopback the network is good.
  const net = alice.page.locator('#net-quality[data-quality="good"]');
  await net.waitFor();
  assert.match((await net.textContent()) ?? '', /^Network: good · round trip \d+ ms, loss \d+\.\d %, jitter \d+ ms$/);
  const mute = alice.page.locator('#btn-mute');
  const cam = alice.page.locator('#btn-camera');
  await alice.page.locator('#btn-mute:not([disabled])').waitFor();
  await alice.page.locator('#btn-camera:not([disabled])').waitFor();
  await alice.page.keyboard.press('m');
  await alice.page.getByRole('button', { name: 'Unmute' }).waitFor();
  assert.equal(await mute.getAttribute('aria-pressed'), 'true');
  await alice.page.keyboard.press('v');
  await alice.page.getByRole('button', { name: 'Camera on' }).waitFor();
  assert.equal(await cam.getAttribute('aria-pressed'), 'true');
  await alice.page.keyboard.press('M');
  await alice.page.getByRole('button', { name: 'Mute', exact: true }).waitFor();
  await screenshot(alice, '71-keys-hint.png');
  await alice.page.keyboard.press('Escape');
  await Promise.all([onScreen(alice, 'home'), onScreen(bob, 'home')]);
  assert.equal(await bob.page.locator('#missed-calls').isHidden(), true, 'answered: no missed call');
  assert.equal(await bob.page.evaluate(() => document.title), 'callroom');
});
