/**
 * A room of three joined by its link, in real Chromium: everyone receives everyone's video
 * (a full mesh of peer connections), and when one leaves the others drop their tile.
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
  softphonePages,
} from './harness.js';

const suite = softphonePages();

test('three people in a room by its link: everyone receives everyone\'s video; a member leaves', { timeout: 150_000 }, async () => {
  const ann = await openUser(suite.browser, suite.srv.url, 'ann');
  suite.users.push(ann);
  await ann.page.getByRole('button', { name: 'Start a room' }).click();
  await onScreen(ann, 'call');
  const linkBox = ann.page.locator('#room-link-text');
  await ann.page.waitForFunction(() => /[?&]pswd=/.test((document.getElementById('room-link-text') as HTMLInputElement | null)?.value ?? ''));
  const link = await linkBox.inputValue();
  const url = new URL(link);
  assert.equal(url.pathname, '/');
  assert.match(url.search, /^\?meeting=\d+&pswd=\d+$/);
  await ann.page.getByText('Nobody else is here yet').waitFor();
  await ann.page.locator('.self[data-camera="on"]').waitFor();
  await ann.page.waitForFunction(() => (document.getElementById('local-video') as HTMLVideoElement).videoWidth > 0);
  await screenshot(ann, '14-room-alone.png');

  // Ben opens the link before logging in: the page says which room, then joins it after login.
  const ben = await openUser(suite.browser, suite.srv.url, 'ben', { path: url.pathname + url.search, login: false });
  suite.users.push(ben);
  await ben.page.getByText(`Log in to join room ${url.searchParams.get('meeting')}.`).waitFor();
  await login(ben, 'call');

  // Cai pastes the link into the join box.
  const cai = await openUser(suite.browser, suite.srv.url, 'cai', { viewport: { width: 390, height: 760 } });
  suite.users.push(cai);
  await cai.page.getByLabel('Room link or number').fill(link);
  await cai.page.getByRole('button', { name: 'Join' }).click();
  await onScreen(cai, 'call');

  const all = [ann, ben, cai];
  const names = ['ann', 'ben', 'cai'];
  await Promise.all(all.flatMap((u, i) => names.filter((_, j) => j !== i).map((other) => remoteVideoShown(u, other))));
  const grown = await Promise.all(all.flatMap((u, i) => names.filter((_, j) => j !== i).map((other) => inboundGrows(u, other, 'video', 'framesDecoded'))));
  for (const g of grown) assert.ok(g.later > g.first);
  for (const u of all) assert.equal(await u.page.locator('#tiles .tile').count(), 2);
  await screenshot(ann, '15-room-three.png');
  await screenshot(cai, '16-room-three-phone.png');

  // Cai leaves: the others drop her tile, she is told.
  await cai.page.getByRole('button', { name: 'Leave' }).click();
  await onScreen(cai, 'home');
  await noticeSays(cai, 'You left the room.');
  for (const u of [ann, ben]) {
    await u.page.locator('#tiles .tile[data-user="cai"]').waitFor({ state: 'detached' });
    assert.equal(await u.page.locator('#tiles .tile').count(), 1);
  }
  // Ann and Ben still see each other.
  await inboundGrows(ann, 'ben', 'video', 'framesDecoded');
  await inboundGrows(ben, 'ann', 'video', 'framesDecoded');

  // Dee opens the bare meeting link (pubMeetUrl, no password): the page asks for the password.
  const bare = `${url.pathname}?meeting=${url.searchParams.get('meeting')}`;
  const dee = await openUser(suite.browser, suite.srv.url, 'dee', { path: bare, login: false });
  suite.users.push(dee);
  await login(dee);
  await noticeSays(dee, 'That room does not exist, or you need its password.');
  assert.equal(await dee.page.getByLabel('Room link or number').inputValue(), url.searchParams.get('meeting'));
  assert.equal(await dee.page.evaluate(() => document.activeElement?.id), 'join-pswd');
  await dee.page.keyboard.type(url.searchParams.get('pswd')!);
  await dee.page.keyboard.press('Enter');
  await onScreen(dee, 'call');
  await remoteVideoShown(dee, 'ann');
  await remoteVideoShown(dee, 'ben');
  await remoteVideoShown(ann, 'dee');
  await remoteVideoShown(ben, 'dee');
});
