/**
 * The other side's microphone and camera on the call screen, in real Chromium: Carol turns her
 * camera off (Dave sees her initials and name instead of the video), mutes (Dave sees "Muted"),
 * and turns the camera on again (Dave sees her video again). The state comes from `meeting.media`,
 * which each page sends on entering and on every change. The labels are checked for contrast in
 * light and dark mode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import {
  type UserPage,
  backOn,
  connectCall,
  inboundGrows,
  onScreen,
  openUser,
  remoteVideoShown,
  screenshot,
  softphonePages,
} from './harness.js';

const suite = softphonePages();

/** Waits until the tile of `from` has `attr` = `value`. */
async function tileSays(u: UserPage, from: string, attr: string, value: string): Promise<void> {
  await u.page.waitForFunction(
    ([s, a, v]) => document.querySelector<HTMLElement>(s!)?.getAttribute(a!) === v,
    [`#tiles .tile[data-user="${from}"]`, attr, value],
  );
}

/** WCAG contrast ratio of an element's text colour against a background colour of another element. */
function contrast(page: Page, textSel: string, bgSel: string): Promise<number> {
  return page.evaluate(
    ([ts, bs]) => {
      const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
      const lum = ([r, g, b]: number[]) => {
        const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
      };
      const fg = lum(rgb(getComputedStyle(document.querySelector(ts!)!).color));
      const bg = lum(rgb(getComputedStyle(document.querySelector(bs!)!).backgroundColor));
      return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    },
    [textSel, bgSel],
  );
}

test("the other side's camera off, mute and camera on again are shown on the call screen", { timeout: 120_000 }, async () => {
  const carol = await openUser(suite.browser, suite.srv.url, 'carol');
  const dave = await openUser(suite.browser, suite.srv.url, 'dave');
  suite.users.push(carol, dave);

  await carol.page.getByLabel('User ID').fill('dave');
  await carol.page.locator('#call-form').getByRole('button', { name: 'Call', exact: true }).click();
  await onScreen(dave, 'incoming');
  await dave.page.getByRole('button', { name: 'Accept' }).click();
  await onScreen(dave, 'call');
  await onScreen(carol, 'call');
  await Promise.all([remoteVideoShown(dave, 'carol'), remoteVideoShown(carol, 'dave')]);

  const tile = dave.page.locator('#tiles .tile[data-user="carol"]');
  const placeholder = tile.locator('.camera-off');
  const badge = tile.locator('.mic-badge');
  const live = tile.locator('[role="status"]');
  // Each page announced its devices on entering: both open.
  await tileSays(dave, 'carol', 'data-mic', 'on');
  await tileSays(carol, 'dave', 'data-mic', 'on');
  assert.equal(await tile.getAttribute('data-camera'), 'on');
  assert.ok(await tile.locator('video').isVisible());
  assert.ok(await placeholder.isHidden());
  assert.ok(await badge.isHidden());

  // Carol turns her camera off: Dave sees her initials and name, not a black frame.
  await carol.page.locator('#btn-camera').click();
  await carol.page.getByRole('button', { name: 'Camera on' }).waitFor();
  await tileSays(dave, 'carol', 'data-camera', 'off');
  await placeholder.waitFor({ state: 'visible' });
  assert.equal(await tile.locator('video').evaluate((v) => getComputedStyle(v).visibility), 'hidden');
  assert.equal(await placeholder.locator('.avatar').textContent(), 'C');
  assert.equal(await placeholder.locator('.off-name').textContent(), 'carol');
  assert.equal(await placeholder.getAttribute('aria-label'), 'carol: camera off');
  await live.filter({ hasText: 'carol turned their camera off.' }).waitFor({ state: 'attached' });
  assert.equal(await live.getAttribute('aria-live'), 'polite');
  await screenshot(dave, '40-remote-camera-off.png');

  // Carol mutes: Dave sees the label.
  await carol.page.locator('#btn-mute').click();
  await carol.page.getByRole('button', { name: 'Unmute' }).waitFor();
  await tileSays(dave, 'carol', 'data-mic', 'muted');
  await badge.waitFor({ state: 'visible' });
  assert.equal(await badge.textContent(), 'Muted');
  await live.filter({ hasText: 'carol muted their microphone.' }).waitFor({ state: 'attached' });
  await screenshot(dave, '41-remote-muted-camera-off.png');

  // The label and the name are readable, in light and in dark mode.
  for (const colorScheme of ['light', 'dark'] as const) {
    await dave.page.emulateMedia({ colorScheme });
    const sel = '#tiles .tile[data-user="carol"]';
    const badgeRatio = await contrast(dave.page, `${sel} .mic-badge`, `${sel} .mic-badge`);
    const avatarRatio = await contrast(dave.page, `${sel} .avatar`, `${sel} .avatar`);
    const nameRatio = await contrast(dave.page, `${sel} .off-name`, '.stage');
    assert.ok(badgeRatio >= 4.5, `${colorScheme}: the muted label has ${badgeRatio.toFixed(2)}:1`);
    assert.ok(avatarRatio >= 4.5, `${colorScheme}: the initials have ${avatarRatio.toFixed(2)}:1`);
    assert.ok(nameRatio >= 4.5, `${colorScheme}: the name has ${nameRatio.toFixed(2)}:1`);
  }
  await screenshot(dave, '42-remote-muted-camera-off-dark.png');
  await dave.page.emulateMedia({ colorScheme: 'light' });

  // Carol turns her camera on again: Dave sees her video again, still muted.
  await carol.page.locator('#btn-camera').click();
  await carol.page.getByRole('button', { name: 'Camera off' }).waitFor();
  await tileSays(dave, 'carol', 'data-camera', 'on');
  await placeholder.waitFor({ state: 'hidden' });
  assert.equal(await tile.locator('video').evaluate((v) => getComputedStyle(v).visibility), 'visible');
  assert.ok(await badge.isVisible());
  await live.filter({ hasText: 'carol turned their camera on.' }).waitFor({ state: 'attached' });
  const frames = await inboundGrows(dave, 'carol', 'video', 'framesDecoded');
  assert.ok(frames.later > frames.first);
  await screenshot(dave, '43-remote-camera-on-muted.png');

  // And unmutes: the label goes.
  await carol.page.locator('#btn-mute').click();
  await tileSays(dave, 'carol', 'data-mic', 'on');
  await badge.waitFor({ state: 'hidden' });

  // In Chinese, the same states in Chinese words.
  await carol.page.locator('#btn-mute').click();
  await tileSays(dave, 'carol', 'data-mic', 'muted');
  await dave.page.locator('#lang').selectOption('zh');
  await badge.filter({ hasText: '已静音' }).waitFor();
  await carol.page.locator('#btn-camera').click();
  await tileSays(dave, 'carol', 'data-camera', 'off');
  assert.equal(await placeholder.getAttribute('aria-label'), 'carol：摄像头已关闭');
  await live.filter({ hasText: 'carol 关闭了摄像头。' }).waitFor({ state: 'attached' });
  await screenshot(dave, '44-remote-state-zh.png');

  await dave.page.locator('#btn-hangup').click();
  await onScreen(dave, 'home');
  await onScreen(carol, 'home');
});

test('a page reloaded while muted with its camera off comes back muted and with the camera off, and the other side still sees so', { timeout: 120_000 }, async () => {
  const gus = await openUser(suite.browser, suite.srv.url, 'gus');
  const hal = await openUser(suite.browser, suite.srv.url, 'hal');
  suite.users.push(gus, hal);
  await connectCall(gus, hal);
  await remoteVideoShown(hal, 'gus');

  await gus.page.locator('#btn-mute').click();
  await gus.page.getByRole('button', { name: 'Unmute' }).waitFor();
  await gus.page.locator('#btn-camera').click();
  await gus.page.getByRole('button', { name: 'Camera on' }).waitFor();
  await tileSays(hal, 'gus', 'data-mic', 'muted');
  await tileSays(hal, 'gus', 'data-camera', 'off');

  // Gus reloads: his page resumes the call as he left it, never opening the microphone or the camera to the others.
  await gus.page.reload();
  await backOn(gus);
  await gus.page.getByRole('button', { name: 'Unmute' }).waitFor();
  await gus.page.getByRole('button', { name: 'Camera on' }).waitFor();
  // Hal's page links to the new page (its audio arrives) and still shows Gus muted with his camera off.
  await inboundGrows(hal, 'gus', 'audio', 'packetsReceived');
  assert.equal(await hal.page.locator('#tiles .tile[data-user="gus"]').getAttribute('data-mic'), 'muted');
  assert.equal(await hal.page.locator('#tiles .tile[data-user="gus"]').getAttribute('data-camera'), 'off');
  await screenshot(hal, '43-remote-muted-after-reload.png');

  // Both turned on again: Hal hears and sees him.
  await gus.page.locator('#btn-mute').click();
  await gus.page.locator('#btn-camera').click();
  await tileSays(hal, 'gus', 'data-mic', 'on');
  await tileSays(hal, 'gus', 'data-camera', 'on');
  await remoteVideoShown(hal, 'gus');
  await inboundGrows(hal, 'gus', 'video', 'framesDecoded');
  await gus.page.getByRole('button', { name: 'Hang up' }).click();
  await Promise.all([onScreen(gus, 'home'), onScreen(hal, 'home')]);
});
