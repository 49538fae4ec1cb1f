/**
 * Sharing a screen from the call screen, in real Chromium: the other side sees the screen in
 * place of the camera, labelled, and the camera again when the share stops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectCall, onScreen, openUser, remoteVideoShown, screenshot, softphonePages, type UserPage } from './harness.js';

const suite = softphonePages();

const sizeAt = (u: UserPage, from: string) =>
  u.page.evaluate((f) => {
    const v = document.querySelector<HTMLVideoElement>(`#tiles .tile[data-user="${f}"] video`)!;
    return `${v.videoWidth}x${v.videoHeight}`;
  }, from);

test('Share screen: the other side sees the screen, labelled, then the camera again after Stop sharing', { timeout: 120_000 }, async () => {
  const alice = await openUser(suite.browser, suite.srv.url, 'alice');
  const bob = await openUser(suite.browser, suite.srv.url, 'bob');
  suite.users.push(alice, bob);
  await connectCall(alice, bob);
  await remoteVideoShown(bob, 'alice');
  const camera = await sizeAt(bob, 'alice');

  await alice.page.getByRole('button', { name: 'Share screen' }).click();
  await alice.page.getByRole('button', { name: 'Stop sharing' }).waitFor();
  const tile = bob.page.locator('#tiles .tile[data-user="alice"]');
  await bob.page.locator('#tiles .tile[data-user="alice"][data-screen="on"]').waitFor();
  await tile.getByText('Sharing their screen', { exact: true }).waitFor();
  await tile.getByText('alice is sharing their screen.').waitFor({ state: 'attached' });
  // The picture bob gets is the screen now (another size than the camera).
  await bob.page.waitForFunction(
    (cam) => {
      const v = document.querySelector<HTMLVideoElement>('#tiles .tile[data-user="alice"] video')!;
      return v.videoWidth > 0 && `${v.videoWidth}x${v.videoHeight}` !== cam;
    },
    camera,
  );
  await screenshot(bob, '74-remote-screen-share.png');

  await alice.page.getByRole('button', { name: 'Stop sharing' }).click();
  await alice.page.getByRole('button', { name: 'Share screen' }).waitFor();
  await bob.page.locator('#tiles .tile[data-user="alice"][data-screen="off"]').waitFor();
  await bob.page.waitForFunction((cam) => {
    const v = document.querySelector<HTMLVideoElement>('#tiles .tile[data-user="alice"] video')!;
    return `${v.videoWidth}x${v.videoHeight}` === cam;
  }, camera);
  assert.equal(await tile.getByText('Sharing their screen', { exact: true }).isHidden(), true);
  await alice.page.getByRole('button', { name: 'Hang up' }).click();
  await Promise.all([onScreen(alice, 'home'), onScreen(bob, 'home')]);
});
