/**
 * Audio-only calls from the page, in real Chromium: "Audio call" rings as an audio call on the
 * callee's page (no camera preview), neither page opens its camera and no video is sent; then
 * each side turns its camera on during the call and the other side decodes its video (the link
 * renegotiates); both histories say "Audio". A video call rings as one, with the preview; the
 * Chinese page says it too. A page reloaded during an audio call comes back to it without the
 * camera, and with it once it was turned on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backOn, inboundGrows, onScreen, openUser, remoteVideoShown, screenshot, softphonePages, type UserPage } from './harness.js';

const suite = softphonePages();

/** Records what each getUserMedia call asked for, before the page's own scripts run. */
const GUM_SPY = `(() => {
  const md = navigator.mediaDevices;
  const real = md.getUserMedia.bind(md);
  window.__gum = [];
  md.getUserMedia = (c) => {
    window.__gum.push({ audio: !!(c && c.audio), video: !!(c && c.video) });
    return real(c);
  };
})();`;

/** Whether any getUserMedia call of the page so far asked for a camera. */
function askedForCamera(u: UserPage): Promise<boolean> {
  return u.page.evaluate(() => ((globalThis as unknown as { __gum: { video: boolean }[] }).__gum ?? []).some((c) => c.video));
}

/** What this page sends and receives of video to and from `peer`: live video tracks it holds, video bytes sent, frames decoded. */
function videoFigures(u: UserPage, peer: string): Promise<{ localVideoTracks: number; bytesSent: number; outboundVideo: number; framesDecoded: number }> {
  return u.page.evaluate(async (peer) => {
    const g = globalThis as unknown as {
      callroom: { room: { getStats(id: string): Promise<RTCStatsReport | null> } | null; phone: { local: { stream: MediaStream } | null } };
    };
    const report = g.callroom.room ? await g.callroom.room.getStats(peer) : null;
    let bytesSent = 0;
    let outboundVideo = 0;
    let framesDecoded = 0;
    report?.forEach((s: Record<string, unknown>) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video') {
        outboundVideo++;
        bytesSent += Number(s.bytesSent ?? 0);
      }
      if (s.type === 'inbound-rtp' && s.kind === 'video') framesDecoded += Number(s.framesDecoded ?? 0);
    });
    const localVideoTracks = g.callroom.phone.local?.stream.getVideoTracks().filter((t) => t.readyState === 'live').length ?? 0;
    return { localVideoTracks, bytesSent, outboundVideo, framesDecoded };
  }, peer);
}

test('an audio call rings as audio and sends no video; a camera turned on during the call reaches the other side; the histories say audio', { timeout: 120_000 }, async () => {
  const ann = await openUser(suite.browser, suite.srv.url, 'ann', { initScript: GUM_SPY });
  const ben = await openUser(suite.browser, suite.srv.url, 'ben', { initScript: GUM_SPY, viewport: { width: 390, height: 760 } });
  suite.users.push(ann, ben);

  await ann.page.getByLabel('User ID').fill('ben');
  await ann.page.getByRole('button', { name: 'Audio call' }).click();
  await onScreen(ann, 'outgoing');
  await ann.page.getByRole('heading', { name: 'Audio call to ben…' }).waitFor();

  // Ben's page rings as an audio call, without a camera preview.
  await onScreen(ben, 'incoming');
  await ben.page.getByRole('heading', { name: 'ann is calling' }).waitFor();
  assert.equal(await ben.page.locator('#incoming-from').textContent(), 'Audio call from ann');
  assert.equal(await ben.page.locator('#screen-incoming').getAttribute('data-call-type'), 'audio');
  assert.equal(await ben.page.locator('#incoming-preview').isHidden(), true, 'no camera preview for an audio call');
  await screenshot(ben, '80-audio-incoming-phone.png');

  await ben.page.getByRole('button', { name: 'Accept' }).click();
  await Promise.all([onScreen(ann, 'call'), onScreen(ben, 'call')]);

  // Sound flows both ways; neither page opened its camera, nor sends or receives video.
  await Promise.all([inboundGrows(ann, 'ben', 'audio', 'packetsReceived'), inboundGrows(ben, 'ann', 'audio', 'packetsReceived')]);
  for (const [u, peer] of [[ann, 'ben'], [ben, 'ann']] as const) {
    assert.equal(await askedForCamera(u), false, `${u.name}'s page asked for the microphone only`);
    const v = await videoFigures(u, peer);
    assert.equal(v.localVideoTracks, 0, `${u.name} holds no camera track`);
    assert.equal(v.bytesSent, 0, `${u.name} sends no video`);
    assert.equal(v.outboundVideo, 0, `${u.name} has no outbound video stream`);
    assert.equal(v.framesDecoded, 0, `${u.name} decodes no video`);
    // The other side is shown as their avatar; the camera button turns this one on.
    const tile = u.page.locator(`#tiles .tile[data-user="${peer}"]`);
    assert.equal(await tile.getAttribute('data-camera'), 'off');
    assert.equal(await tile.locator('.camera-off').isVisible(), true, 'the avatar stands in for the video');
    await u.page.getByRole('button', { name: 'Camera on' }).waitFor();
    assert.equal(await u.page.locator('#screen-call').getAttribute('data-call-type'), 'audio');
  }
  await screenshot(ann, '81-audio-call-desktop.png');

  // Ann turns her camera on: the link renegotiates and Ben decodes her video.
  await ann.page.getByRole('button', { name: 'Camera on' }).click();
  await ann.page.getByRole('button', { name: 'Camera off' }).waitFor();
  await remoteVideoShown(ben, 'ann');
  const annToBen = await inboundGrows(ben, 'ann', 'video', 'framesDecoded');
  assert.ok(annToBen.later > annToBen.first && annToBen.first > 0);
  await ben.page.waitForFunction(() => document.querySelector<HTMLElement>('#tiles .tile[data-user="ann"]')?.dataset.camera === 'on');
  assert.equal(await askedForCamera(ann), true, "ann's camera was opened when she asked");
  assert.equal(await askedForCamera(ben), false, "ben's camera stays closed");
  assert.equal((await videoFigures(ben, 'ann')).bytesSent, 0, 'ben still sends no video');
  await screenshot(ben, '82-audio-call-video-added-phone.png');

  // And Ben turns his on: Ann decodes his.
  await ben.page.getByRole('button', { name: 'Camera on' }).click();
  await remoteVideoShown(ann, 'ben');
  const benToAnn = await inboundGrows(ann, 'ben', 'video', 'framesDecoded');
  assert.ok(benToAnn.later > benToAnn.first && benToAnn.first > 0);
  // Sound still flows.
  await inboundGrows(ann, 'ben', 'audio', 'packetsReceived');
  await screenshot(ann, '83-audio-call-both-cameras.png');

  await ann.page.getByRole('button', { name: 'Hang up' }).click();
  await Promise.all([onScreen(ann, 'home'), onScreen(ben, 'home')]);

  // Both histories show the call as an audio call.
  for (const [u, other] of [[ann, 'ben'], [ben, 'ann']] as const) {
    const row = u.page.locator(`#history li[data-with="${other}"][data-outcome="completed"]`).first();
    await row.waitFor();
    assert.equal(await row.getAttribute('data-call-type'), 'audio');
    assert.equal(await row.locator('.h-type').textContent(), 'Audio');
  }
  await screenshot(ann, '84-history-audio.png');

  // Calling back from the history row places an audio call again.
  await ann.page.getByRole('button', { name: 'Audio call ben' }).first().click();
  await onScreen(ben, 'incoming');
  assert.equal(await ben.page.locator('#incoming-from').textContent(), 'Audio call from ann');
  await ben.page.getByRole('button', { name: 'Reject' }).click();
  await Promise.all([onScreen(ann, 'home'), onScreen(ben, 'home')]);
});

test('a video call rings as a video call with the camera preview; the Chinese page names each type', { timeout: 120_000 }, async () => {
  const cid = await openUser(suite.browser, suite.srv.url, 'cid');
  const dee = await openUser(suite.browser, suite.srv.url, 'dee', { locale: 'zh-CN', login: false });
  suite.users.push(cid, dee);
  await dee.page.getByLabel('你的名字').fill('dee');
  await dee.page.getByRole('button', { name: '登录', exact: true }).click();
  await onScreen(dee, 'home');

  // Call (video): the ringing screen says so and shows the preview.
  await cid.page.getByLabel('User ID').fill('dee');
  await cid.page.locator('#call-form').getByRole('button', { name: 'Call', exact: true }).click();
  await onScreen(dee, 'incoming');
  assert.equal(await dee.page.locator('#incoming-from').textContent(), '来自 cid 的视频通话');
  assert.equal(await dee.page.locator('#screen-incoming').getAttribute('data-call-type'), 'video');
  await dee.page.locator('#incoming-preview').waitFor({ state: 'visible' });
  await dee.page.getByRole('button', { name: '拒绝' }).click();
  await onScreen(cid, 'home');
  await onScreen(dee, 'home');

  // Audio call, in Chinese.
  await cid.page.getByRole('button', { name: 'Audio call' }).click();
  await onScreen(dee, 'incoming');
  assert.equal(await dee.page.locator('#incoming-from').textContent(), '来自 cid 的语音通话');
  assert.equal(await dee.page.locator('#incoming-preview').isHidden(), true);
  await screenshot(dee, '85-audio-incoming-zh.png');
  await dee.page.getByRole('button', { name: '拒绝' }).click();
  await onScreen(cid, 'home');

  // Dee's history names the types in Chinese, newest first.
  await dee.page.locator('#history li[data-with="cid"]').nth(1).waitFor();
  const types = await dee.page.locator('#history li[data-with="cid"] .h-type').allTextContents();
  assert.deepEqual(types, ['语音', '视频']);
});

test('a page reloaded during an audio call comes back to it with the microphone only; its camera can still be turned on, and comes back on after another reload', { timeout: 120_000 }, async () => {
  const eve = await openUser(suite.browser, suite.srv.url, 'eve', { initScript: GUM_SPY });
  const fox = await openUser(suite.browser, suite.srv.url, 'fox', { initScript: GUM_SPY });
  suite.users.push(eve, fox);
  await eve.page.getByLabel('User ID').fill('fox');
  await eve.page.getByRole('button', { name: 'Audio call' }).click();
  await onScreen(fox, 'incoming');
  await fox.page.getByRole('button', { name: 'Accept' }).click();
  await Promise.all([onScreen(eve, 'call'), onScreen(fox, 'call')]);
  await inboundGrows(eve, 'fox', 'audio', 'packetsReceived');

  // Fox reloads: the page resumes its session and the same audio call (the spy starts afresh).
  await fox.page.reload();
  await backOn(fox);
  assert.equal(await fox.page.locator('#screen-call').getAttribute('data-call-type'), 'audio');
  await Promise.all([inboundGrows(fox, 'eve', 'audio', 'packetsReceived'), inboundGrows(eve, 'fox', 'audio', 'packetsReceived')]);
  assert.equal(await askedForCamera(fox), false, 'the reloaded page opened the microphone only');
  assert.equal((await videoFigures(fox, 'eve')).bytesSent, 0);

  await fox.page.getByRole('button', { name: 'Camera on' }).click();
  await remoteVideoShown(eve, 'fox');
  await inboundGrows(eve, 'fox', 'video', 'framesDecoded');

  // Reloaded again with the camera on: it comes back with the camera, and Eve sees it again.
  await fox.page.reload();
  await backOn(fox);
  await fox.page.getByRole('button', { name: 'Camera off' }).waitFor();
  assert.equal(await askedForCamera(fox), true, 'the camera that was on is opened again');
  await inboundGrows(eve, 'fox', 'video', 'framesDecoded');
  await eve.page.getByRole('button', { name: 'Hang up' }).click();
  await Promise.all([onScreen(eve, 'home'), onScreen(fox, 'home')]);
});
