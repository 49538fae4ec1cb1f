/**
 * A whole call from the page, in real Chromium: presence, ringing, accept, video and audio both
 * ways, mute and camera off, hang up, both histories. Prints the time from Accept to the first
 * decoded remote frame.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  inboundGrows,
  login,
  noticeSays,
  onScreen,
  openUser,
  remoteVideoShown,
  screenshot,
  silent,
  softphonePages,
  tone,
} from './harness.js';

const suite = softphonePages();

test('A calls B from the page: ring, accept, video and audio both ways, hang up, history', { timeout: 120_000 }, async () => {
  const alice = await openUser(suite.browser, suite.srv.url, 'alice', { login: false });
  suite.users.push(alice);
  await alice.page.getByRole('heading', { name: 'Log in' }).waitFor();
  await screenshot(alice, '00-login.png');
  await login(alice);
  await screenshot(alice, '01-home-empty.png');
  // Bob on a phone-sized screen.
  const bob = await openUser(suite.browser, suite.srv.url, 'bob', { viewport: { width: 390, height: 760 } });
  suite.users.push(bob);

  // Live presence: Alice's contact list shows Bob online as soon as he logs in.
  const bobRow = alice.page.locator('#contacts li[data-user="bob"]');
  await bobRow.locator('.presence', { hasText: 'Online' }).waitFor();

  // Alice calls Bob by typing his ID.
  await alice.page.getByLabel('User ID').fill('bob');
  await alice.page.locator('#call-form').getByRole('button', { name: 'Call', exact: true }).click();
  await onScreen(alice, 'outgoing');
  await alice.page.getByRole('heading', { name: 'Calling bob…' }).waitFor();
  await alice.page.waitForFunction(() => document.body.dataset.tone === 'ringback');

  // Bob's page rings with Alice's name.
  await onScreen(bob, 'incoming');
  await bob.page.getByRole('heading', { name: 'alice is calling' }).waitFor();
  assert.equal(await tone(bob), 'ringtone');
  assert.equal(await bob.page.evaluate(() => document.activeElement?.id), 'btn-accept', 'Accept has the focus');
  // While it rings, the others see both as in a call.
  await screenshot(alice, '02-outgoing-ringing.png');
  await screenshot(bob, '03-incoming-phone.png');

  const acceptedAt = Date.now();
  await bob.page.getByRole('button', { name: 'Accept' }).click();
  await silent(bob);
  await silent(alice);
  await onScreen(bob, 'call');
  await onScreen(alice, 'call');

  // Both see the other's video, decoded.
  const [bobFirst, aliceFirst] = await Promise.all([remoteVideoShown(bob, 'alice'), remoteVideoShown(alice, 'bob')]);
  console.log(`Accept → first decoded remote frame: ${bobFirst - acceptedAt} ms on bob's page (callee), ${aliceFirst - acceptedAt} ms on alice's page (caller)`);
  assert.ok(bobFirst >= acceptedAt && aliceFirst >= acceptedAt);

  // framesDecoded grows, and audio packets keep arriving, both ways.
  const checks = await Promise.all([
    inboundGrows(alice, 'bob', 'video', 'framesDecoded'),
    inboundGrows(bob, 'alice', 'video', 'framesDecoded'),
    inboundGrows(alice, 'bob', 'audio', 'packetsReceived'),
    inboundGrows(bob, 'alice', 'audio', 'packetsReceived'),
  ]);
  for (const c of checks) assert.ok(c.later > c.first && c.first > 0);
  console.log(`frames decoded: alice ${checks[0].later}, bob ${checks[1].later}; audio packets: alice ${checks[2].later}, bob ${checks[3].later}`);

  // The duration runs.
  await alice.page.waitForFunction(() => /^\d+:\d\d$/.test(document.getElementById('call-duration')?.textContent ?? ''));
  await screenshot(alice, '04-in-call-desktop.png');
  await screenshot(bob, '05-in-call-phone.png');

  // Mute and camera off switch, and back.
  const mute = alice.page.locator('#btn-mute');
  await mute.click();
  await alice.page.getByRole('button', { name: 'Unmute' }).waitFor();
  assert.equal(await mute.getAttribute('aria-pressed'), 'true');
  assert.equal(await alice.page.evaluate(() => (globalThis as unknown as { callroom: { phone: { local: { stream: MediaStream } } } }).callroom.phone.local.stream.getAudioTracks()[0]?.enabled), false);
  await mute.click();
  await alice.page.getByRole('button', { name: 'Mute', exact: true }).waitFor();
  const cam = alice.page.locator('#btn-camera');
  await cam.click();
  await alice.page.getByRole('button', { name: 'Camera on' }).waitFor();
  assert.equal(await alice.page.locator('.self').getAttribute('data-camera'), 'off');
  await screenshot(alice, '06-in-call-camera-off.png');
  await cam.click();
  await alice.page.getByRole('button', { name: 'Camera off' }).waitFor();
  // Video still arrives at Bob after the camera came back.
  await inboundGrows(bob, 'alice', 'video', 'framesDecoded');

  // Alice hangs up; both pages go back to idle and say why.
  await alice.page.getByRole('button', { name: 'Hang up' }).click();
  await onScreen(alice, 'home');
  await onScreen(bob, 'home');
  await noticeSays(alice, /^Call ended\. It lasted \d+:\d\d\.$/);
  await noticeSays(bob, /^alice hung up\. Call lasted \d+:\d\d\.$/);
  assert.equal(await bob.page.evaluate(() => (globalThis as unknown as { callroom: { room: unknown } }).callroom.room), null, 'media closed');

  // Both histories show the answered call with its duration.
  for (const [u, other, dir] of [
    [alice, 'bob', 'Outgoing call to bob'],
    [bob, 'alice', 'Incoming call from alice'],
  ] as const) {
    const row = u.page.locator(`#history li[data-with="${other}"][data-outcome="completed"]`).first();
    await row.waitFor();
    const text = await row.textContent();
    assert.match(text ?? '', new RegExp(`${dir}`));
    assert.match(text ?? '', /Answered · \d+:\d\d/);
  }
  await screenshot(alice, '07-home-after-call.png');
  await screenshot(bob, '08-home-after-call-phone.png');
});

test('the page switches to Chinese and back, and follows the suite.browser language', { timeout: 60_000 }, async () => {
  const chen = await openUser(suite.browser, suite.srv.url, 'chen', { locale: 'zh-CN', login: false });
  suite.users.push(chen);
  await chen.page.getByRole('heading', { name: '登录' }).waitFor();
  await chen.page.getByLabel('你的名字').fill('chen');
  await chen.page.getByRole('button', { name: '登录', exact: true }).click();
  await onScreen(chen, 'home');
  await chen.page.getByRole('heading', { name: '最近通话' }).waitFor();
  await screenshot(chen, '09-home-chinese.png');
  await chen.page.getByLabel('语言').selectOption('en');
  await chen.page.getByRole('heading', { name: 'Recent calls' }).waitFor();
  await chen.page.getByLabel('Language').selectOption('zh');
  await chen.page.getByRole('heading', { name: '最近通话' }).waitFor();
});
