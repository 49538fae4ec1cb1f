/**
 * Layout and access on the softphone page, in real Chromium: on a phone on its side (844×390) the
 * call buttons are on screen during a call; the Call button, the inputs' borders and the do not
 * disturb switch have enough contrast in light and dark mode (WCAG 1.4.3: 4.5:1 for text, 1.4.11:
 * 3:1 for controls), computed from the styles; and when a call starts the focus is on the
 * screen's main control (Accept for the callee, Cancel while ringing out, Hang up in the call).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import {
  type UserPage,
  onScreen,
  openUser,
  remoteVideoShown,
  screenshot,
  softphonePages,
} from './harness.js';

const suite = softphonePages();

/** Waits until the focused element is `#id`. */
async function focusOn(u: UserPage, id: string): Promise<void> {
  await u.page.waitForFunction((i) => document.activeElement?.id === i, id);
  assert.equal(await u.page.evaluate(() => document.activeElement?.id), id);
}

/** Waits until no colour transition is running (the switch track fades between its colours). */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.getAnimations().length === 0);
}

/**
 * WCAG contrast ratio between one computed colour property of an element and another (e.g. a
 * button's `color` against its `background-color`, an input's `border-top-color` against its
 * card's `background-color`).
 */
function contrast(page: Page, a: [string, string], b: [string, string]): Promise<number> {
  return page.evaluate(
    ([as, ap, bs, bp]) => {
      const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
      const lum = ([r, g, b]: number[]) => {
        const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
      };
      const colour = (sel: string, prop: string) => {
        const e = document.querySelector(sel);
        if (!e) throw new Error(`no ${sel}`);
        const c = getComputedStyle(e).getPropertyValue(prop);
        const alpha = (c.match(/[\d.]+/g) ?? [])[3];
        if (alpha !== undefined && Number(alpha) < 1) throw new Error(`${sel} ${prop} is translucent (${c})`);
        return lum(rgb(c));
      };
      const x = colour(as!, ap!);
      const y = colour(bs!, bp!);
      return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
    },
    [a[0], a[1], b[0], b[1]] as const,
  );
}

test('on a phone on its side the call buttons are on screen; the focus goes to each call screen\'s main control', { timeout: 120_000 }, async () => {
  const viewport = { width: 844, height: 390 };
  const fay = await openUser(suite.browser, suite.srv.url, 'fay', { viewport });
  const gus = await openUser(suite.browser, suite.srv.url, 'gus');
  suite.users.push(fay, gus);

  await fay.page.getByLabel('User ID').fill('gus');
  await fay.page.locator('#call-form').getByRole('button', { name: 'Call', exact: true }).click();
  await onScreen(fay, 'outgoing');
  // Ringing out: Cancel (this screen's hang up) has the focus.
  await focusOn(fay, 'btn-cancel');
  await onScreen(gus, 'incoming');
  await focusOn(gus, 'btn-accept');

  await gus.page.getByRole('button', { name: 'Accept' }).click();
  await onScreen(fay, 'call');
  await onScreen(gus, 'call');
  await focusOn(fay, 'btn-hangup');
  await focusOn(gus, 'btn-hangup');
  await remoteVideoShown(fay, 'gus');
  // Mute and Camera are enabled once the devices are up.
  await fay.page.waitForFunction(() => !document.querySelector<HTMLButtonElement>('#btn-mute')!.disabled);

  // Focusing Hang up scrolls it into view; measure the page as it is from its top.
  await fay.page.evaluate(() => window.scrollTo(0, 0));
  await fay.page.waitForFunction(() => window.scrollY === 0);
  for (const id of ['btn-hangup', 'btn-mute', 'btn-camera']) {
    const box = await fay.page.locator(`#${id}`).boundingBox();
    assert.ok(box, `#${id} is laid out`);
    assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height,
      `#${id} ${JSON.stringify(box)} is inside ${viewport.width}×${viewport.height}`);
  }
  // Nothing scrolls the buttons away: the page is no taller than the screen.
  const h = await fay.page.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(h <= viewport.height, `the page is ${h}px high, the screen ${viewport.height}px`);
  // The video is not squeezed away to make room.
  const stage = await fay.page.locator('.stage').boundingBox();
  assert.ok(stage && stage.height >= 150, `the stage is ${stage?.height}px high`);
  await screenshot(fay, '50-in-call-phone-landscape.png');

  await fay.page.keyboard.press('Enter'); // the focused Hang up
  await onScreen(fay, 'home');
  await onScreen(gus, 'home');
});

test('the Call button, input borders and the do not disturb switch have AA contrast in light and dark mode', { timeout: 60_000 }, async () => {
  const hal = await openUser(suite.browser, suite.srv.url, 'hal');
  suite.users.push(hal);
  const { page } = hal;
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.waitForFunction((s) => matchMedia(`(prefers-color-scheme: ${s})`).matches, colorScheme);
    await settled(page);
    const callBtn = '#call-form button[type="submit"]';
    const checks: { what: string; ratio: number; min: number }[] = [
      { what: 'Call button text', ratio: await contrast(page, [callBtn, 'color'], [callBtn, 'background-color']), min: 4.5 },
      { what: 'input border / input', ratio: await contrast(page, ['#call-user', 'border-top-color'], ['#call-user', 'background-color']), min: 3 },
      { what: 'input border / card', ratio: await contrast(page, ['#call-user', 'border-top-color'], ['.card:has(#call-form)', 'background-color']), min: 3 },
      { what: 'DND track off / header', ratio: await contrast(page, ['.switch-track', 'background-color'], ['.top', 'background-color']), min: 3 },
    ];
    await page.getByRole('switch', { name: 'Do not disturb' }).check();
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('#dnd')!.checked);
    await settled(page);
    checks.push({ what: 'DND track on / header', ratio: await contrast(page, ['.switch-track', 'background-color'], ['.top', 'background-color']), min: 3 });
    await page.getByRole('switch', { name: 'Do not disturb' }).uncheck();
    await page.waitForFunction(() => !document.querySelector<HTMLInputElement>('#dnd')!.checked);
    await settled(page);
    console.log(`${colorScheme}: ${checks.map((c) => `${c.what} ${c.ratio.toFixed(2)}:1`).join(', ')}`);
    for (const c of checks) assert.ok(c.ratio >= c.min, `${colorScheme}: ${c.what} is ${c.ratio.toFixed(2)}:1, under ${c.min}:1`);
    await screenshot(hal, `51-home-${colorScheme}.png`);
  }
});
