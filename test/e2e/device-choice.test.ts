/**
 * Choosing devices during a call, in real Chromium (its fake devices): another microphone is
 * switched in at once and the other side keeps hearing; a speaker choice is set on the remote
 * tile; both are remembered for the next call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectCall, inboundGrows, onScreen, openUser, remoteVideoShown, screenshot, softphonePages, type UserPage } from './harness.js';

const suite = softphonePages();

async function call(alice: UserPage, bob: UserPage): Promise<void> {
  await connectCall(alice, bob);
  await remoteVideoShown(bob, 'alice');
  await alice.page.locator('#btn-mute:not([disabled])').waitFor();
}

const micID = (u: UserPage) =>
  u.page.evaluate(() => (globalThis as unknown as { callroom: { phone: { local: { deviceId(k: string): string | null } } } }).callroom.phone.local.deviceId('audio'));

test('a microphone and a speaker chosen during a call: switched at once, heard by the other, remembered for the next call', { timeout: 120_000 }, async () => {
  const alice = await openUser(suite.browser, suite.srv.url, 'alice');
  const bob = await openUser(suite.browser, suite.srv.url, 'bob');
  suite.users.push(alice, bob);
  await call(alice, bob);

  await alice.page.getByRole('button', { name: 'Devices' }).click();
  const mic = alice.page.getByLabel('Microphone');
  await alice.page.waitForFunction(() => document.querySelectorAll('#dev-mic option').length > 1);
  const options = await mic.locator('option').evaluateAll((os) => os.map((o) => ({ value: (o as HTMLOptionElement).value, label: o.textContent })));
  const before = await micID(alice);
  const other = options.find((o) => o.value !== before);
  assert.ok(other, `another microphone to choose: ${JSON.stringify(options)}`);
  await mic.selectOption(other.value);
  await alice.page.waitForFunction((id) => (globalThis as unknown as { callroom: { phone: { local: { deviceId(k: string): string | null } } } }).callroom.phone.local.deviceId('audio') === id, other.value);
  // The new microphone's sound reaches bob.
  const heard = await inboundGrows(bob, 'alice', 'audio', 'packetsReceived');
  assert.ok(heard.later > heard.first);
  await screenshot(alice, '73-devices.png');

  const speaker = alice.page.getByLabel('Speaker');
  const outs = await speaker.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  const out = outs.find((v) => v !== 'default') ?? outs[0]!;
  await speaker.selectOption(out);
  await alice.page.waitForFunction((id) => (document.querySelector('#tiles video') as HTMLMediaElement & { sinkId: string }).sinkId === id, out);

  await alice.page.getByRole('button', { name: 'Hang up' }).click();
  await Promise.all([onScreen(alice, 'home'), onScreen(bob, 'home')]);

  // The next call opens the chosen microphone and plays through the chosen speaker.
  await call(alice, bob);
  assert.equal(await micID(alice), other.value);
  await alice.page.waitForFunction((id) => (document.querySelector('#tiles video') as HTMLMediaElement & { sinkId: string }).sinkId === id, out);
  await alice.page.getByRole('button', { name: 'Hang up' }).click();
  await Promise.all([onScreen(alice, 'home'), onScreen(bob, 'home')]);

  // A remembered microphone that is gone (unplugged): the call takes the default one.
  await alice.page.evaluate(() => localStorage.setItem('callroom.devices', JSON.stringify({ audioinput: 'unplugged' })));
  await call(alice, bob);
  const now = await micID(alice);
  assert.ok(now && now !== 'unplugged', `a real microphone: ${now}`);
  assert.ok((await inboundGrows(bob, 'alice', 'audio', 'packetsReceived')).later > 0);
  await alice.page.getByRole('button', { name: 'Hang up' }).click();
  await onScreen(alice, 'home');
});
