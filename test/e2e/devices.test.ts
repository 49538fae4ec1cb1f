/**
 * Missing or refused camera and microphone, in real Chromium: the page says so, and the call
 * goes on with what there is — audio only, or receive only. The refusals are made by wrapping
 * getUserMedia before the page loads, as a browser does when the user says no.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type UserPage,
  connectCall,
  inbound,
  inboundGrows,
  noticeSays,
  onScreen,
  openUser,
  remoteVideoShown,
  screenshot,
  softphonePages,
} from './harness.js';

/** getUserMedia refuses the camera (NotAllowedError) and, with `noMic`, finds no microphone (NotFoundError). */
function refuse(noMic: boolean): string {
  return `(() => {
    const md = navigator.mediaDevices;
    const real = md.getUserMedia.bind(md);
    md.getUserMedia = async (c) => {
      if (c && c.video) throw new DOMException('Permission denied', 'NotAllowedError');
      if (${noMic} && c && c.audio) throw new DOMException('Requested device not found', 'NotFoundError');
      return real(c);
    };
  })();`;
}

const suite = softphonePages();

async function connect(caller: UserPage, callee: UserPage): Promise<void> {
  await connectCall(caller, callee);
}

async function hangUp(u: UserPage, other: UserPage): Promise<void> {
  await u.page.getByRole('button', { name: 'Hang up' }).click();
  await onScreen(u, 'home');
  await onScreen(other, 'home');
  await noticeSays(other, `${u.name} hung up.`);
}

test('camera refused: the page says so and the call goes on with audio', { timeout: 90_000 }, async () => {
  const amy = await openUser(suite.browser, suite.srv.url, 'amy');
  const dan = await openUser(suite.browser, suite.srv.url, 'dan', { initScript: refuse(false) });
  suite.users.push(amy, dan);
  await connect(amy, dan);
  await dan.page.locator('#media-notice', { hasText: 'Camera access was refused, so the others cannot see you. The call goes on with what there is.' }).waitFor();
  assert.equal(await dan.page.getByRole('button', { name: 'Camera on' }).getAttribute('aria-pressed'), 'true');
  // Dan sees and hears Amy; Amy hears Dan.
  await remoteVideoShown(dan, 'amy');
  await inboundGrows(dan, 'amy', 'video', 'framesDecoded');
  await inboundGrows(dan, 'amy', 'audio', 'packetsReceived');
  await inboundGrows(amy, 'dan', 'audio', 'packetsReceived');
  assert.equal(await inbound(amy, 'dan', 'video', 'framesDecoded'), 0, 'no video from dan');
  assert.equal(await amy.page.locator('#tiles .tile[data-user="dan"]').getAttribute('data-video'), 'off');
  await screenshot(dan, '17-camera-refused.png');
  await screenshot(amy, '18-peer-without-camera.png');
  await hangUp(amy, dan);
});

test('no devices at all: the page says so and the call goes on receive-only', { timeout: 90_000 }, async () => {
  const amy = suite.users[0]!;
  const erin = await openUser(suite.browser, suite.srv.url, 'erin', { initScript: refuse(true), viewport: { width: 390, height: 760 } });
  suite.users.push(erin);
  // Erin calls this time, so the receive-only side is the one that makes the offer.
  await connect(erin, amy);
  await erin.page.locator('#media-notice', { hasText: 'No microphone was found, so the others cannot hear you.' }).waitFor();
  await erin.page.locator('#media-notice', { hasText: 'Camera access was refused' }).waitFor();
  await remoteVideoShown(erin, 'amy');
  await inboundGrows(erin, 'amy', 'video', 'framesDecoded');
  await inboundGrows(erin, 'amy', 'audio', 'packetsReceived');
  await amy.page.locator('#tiles .tile[data-user="erin"][data-connection="connected"]').waitFor();
  assert.equal(await inbound(amy, 'erin', 'audio', 'packetsReceived'), 0, 'nothing from erin');
  await screenshot(erin, '19-receive-only-phone.png');
  await hangUp(erin, amy);
});
