/**
 * Code in the shape of the vendor's demo apps, unchanged, on callroom, in real Chromium with the
 * browser bundle: globals only, every slot set at load, the call path driven from callbacks, a
 * video display object per member.
 * - The whole surface: a script sets every slot and calls every function: nothing throws.
 * - Two pages log in, call, accept, enter, see each other through video objects, see each
 *   other's microphone and camera state change, share a screen, and hang up through
 *   HangupCall; both spellings of the hang-up callbacks fire once each and both leave the room.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { bundlePages } from './harness.js';
import { VENDOR_CALLBACKS, surfaceScript, type SurfaceReport } from '../helpers/vendor-surface.js';

const pages = bundlePages();
const bundlePage = () => pages.page();

test('the vendor surface in the browser bundle: every slot set and every function called, nothing throws', { timeout: 60_000 }, async () => {
  const page = await bundlePage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.addScriptTag({ content: surfaceScript() });
  const r = await page.evaluate(async () => {
    const w = window as unknown as { __surfaceDone: Promise<void>; __surface: unknown };
    await w.__surfaceDone;
    return JSON.parse(JSON.stringify(w.__surface)) as unknown;
  }) as SurfaceReport;
  assert.deepEqual(errors, []);
  assert.deepEqual(r.thrown, []);
  assert.equal(r.initEqualsZero, true);
  assert.equal(r.initThen, 0);
  assert.equal(r.appField, 'kept');
  assert.match(String(r.sdkver), /^callroom-js /);
  assert.deepEqual(r.videoObj, { handlerType: 'DIV', chained: true }, 'the video object is an element to append');
  assert.deepEqual(r.fired.filter((f) => f.name === 'CallFail').map((f) => f.args), [[r.callID, 12, 'c-call']]);
});

/** The demo-shaped app: plain globals and callbacks, set at load. */
const APP = `
var app = { log: [], videos: {}, me: null, meetObj: null, callee: null, callID: null };
${JSON.stringify(VENDOR_CALLBACKS)}.forEach(function (n) {
  window['CRVideo_' + n].callback = function () { app.log.push([n].concat(Array.prototype.slice.call(arguments))); };
});
function on(n, fn) {
  var slotObj = window['CRVideo_' + n];
  slotObj.callback = function () { var a = Array.prototype.slice.call(arguments); app.log.push([n].concat(a)); fn.apply(null, a); };
}
function showVideo(uid) {
  if (app.videos[uid]) return;
  var v = CRVideo_CreatVideoObj({ poster: 'data:image/gif;base64,R0lGODlhAQABAAAAACw=' });
  v.id('video-' + uid).width(160).height(120).keepAspectRatio(true).setVisibleNickName(1);
  document.body.appendChild(v.handler());
  v.setVideo(uid, -1);
  app.videos[uid] = v;
}
on('LoginSuccess', function (uid) { app.me = uid; });
on('CreateMeetingSuccess', function (meetObj) { app.meetObj = meetObj; CRVideo_EnterMeeting2(meetObj.ID, app.me, app.me, 'enter'); });
on('EnterMeetingRslt', function (err) {
  if (err !== CRVideo_NOERR) return;
  CRVideo_OpenMic(app.me);
  CRVideo_OpenVideo(app.me);
  showVideo(app.me);
  CRVideo_GetAllMembers().forEach(function (m) { if (m.userID !== app.me) showVideo(m.userID); });
  if (app.callee) CRVideo.CallID = CRVideo_Call(app.callee, app.meetObj, 'hi', 'call');
});
on('UserEnterMeeting', function (uid) { showVideo(uid); });
on('NotifyCallIn', function (callID, meetObj) { app.callID = callID; app.meetObj = meetObj; CRVideo_AcceptCall(callID, meetObj, '', 'accept'); });
on('AcceptCallSuccess', function () { CRVideo_EnterMeeting2(app.meetObj.ID, app.me, app.me, 'enter'); });
on('HangupCallSuccess', function () { CRVideo_ExitMeeting(); });
on('NotifyCallHangup', function () { CRVideo_ExitMeeting(); });
`;

async function appPage(user: string): Promise<Page> {
  const page = await bundlePage();
  page.on('pageerror', (e) => assert.fail(`${user}: ${String(e)}`));
  await page.addScriptTag({ content: APP });
  await page.evaluate(async (u) => {
    const res = await fetch('/v1/dev/token', { method: 'POST', body: JSON.stringify({ userID: u }) });
    const { token } = (await res.json()) as { token: string };
    (window as unknown as { CRVideo_LoginByToken(t: string): void }).CRVideo_LoginByToken(token);
  }, user);
  await page.waitForFunction(() => (window as unknown as { app: { me: string | null } }).app.me !== null);
  return page;
}

type Entry = [string, ...unknown[]];
/** Waits until the app's log has an entry named `name` whose arguments start with `args` ('*': any). */
async function logged(page: Page, name: string, ...args: unknown[]): Promise<void> {
  await page.waitForFunction(
    ([n, a]) =>
      (window as unknown as { app: { log: Entry[] } }).app.log.some(
        (e) => e[0] === n && (a as unknown[]).every((x, i) => x === '*' || JSON.stringify(e[i + 1]) === JSON.stringify(x)),
      ),
    [name, args] as const,
  );
}
/** The size of the picture the app's video object for `uid` shows. */
async function sizeOf(page: Page, uid: string): Promise<string> {
  return page.evaluate((id) => {
    const v = document.querySelector(`#video-${id} video`) as HTMLVideoElement;
    return `${v.videoWidth}x${v.videoHeight}`;
  }, uid);
}
async function count(page: Page, name: string): Promise<number> {
  return page.evaluate((n) => (window as unknown as { app: { log: Entry[] } }).app.log.filter((e) => e[0] === n).length, name);
}
/** Waits until the app's video object for `uid` plays a picture (or, with `shown` false, shows the poster). */
async function videoOf(page: Page, uid: string, shown: boolean): Promise<void> {
  await page.waitForFunction(
    ([id, want]) => {
      const v = document.querySelector(`#video-${id} video`) as HTMLVideoElement | null;
      if (!v) return false;
      return want ? v.srcObject !== null && v.videoWidth > 0 && !v.paused : v.srcObject === null;
    },
    [uid, shown] as const,
  );
}

test('demo-shaped pages: call, video objects, mute and camera state at the other side, screen share (also for a member who enters during it), SendCmd and IM, HangupCall', { timeout: 120_000 }, async () => {
  const alice = await appPage('alice');
  const bob = await appPage('bob');
  await alice.evaluate(() => {
    const w = window as unknown as { app: { callee: string }; CRVideo_CreateMeeting(s: string, c: string): void };
    w.app.callee = 'bob';
    w.CRVideo_CreateMeeting('e2e', 'create');
  });
  await logged(alice, 'CallSuccess');
  await logged(bob, 'EnterMeetingRslt', 0, 'enter');
  await logged(alice, 'UserEnterMeeting', 'bob');

  // Each sees the other's microphone and camera open, and the other's camera in a video object.
  await logged(alice, 'VideoStatusChanged', 'bob', '*', 3);
  await logged(alice, 'AudioStatusChanged', 'bob', '*', 3);
  await logged(bob, 'VideoStatusChanged', 'alice', '*', 3);
  await logged(bob, 'AudioStatusChanged', 'alice', '*', 3);
  await videoOf(alice, 'bob', true);
  await videoOf(bob, 'alice', true);
  await videoOf(alice, 'alice', true);
  assert.equal(await alice.evaluate(() => (window as unknown as { CRVideo_GetVideoStatus(u: string): number }).CRVideo_GetVideoStatus('bob')), 3);

  // Bob mutes and turns his camera off: Alice is told, and her video object shows the poster.
  await bob.evaluate(() => {
    const w = window as unknown as { CRVideo_CloseMic(u: string): void; CRVideo_CloseVideo(u: string): void };
    w.CRVideo_CloseMic('bob');
    w.CRVideo_CloseVideo('bob');
  });
  await logged(alice, 'AudioStatusChanged', 'bob', 3, 2);
  await logged(alice, 'VideoStatusChanged', 'bob', 3, 2);
  await videoOf(alice, 'bob', false);
  await bob.evaluate(() => (window as unknown as { CRVideo_OpenVideo(u: string): void }).CRVideo_OpenVideo('bob'));
  await logged(alice, 'VideoStatusChanged', 'bob', 2, 3);
  await videoOf(alice, 'bob', true);

  // Levels from the links' statistics: Alice's (fake, beeping) microphone reaches Bob (his is muted).
  await logged(bob, 'MicEnergyUpdate', 'alice');
  await logged(alice, 'NetStateChanged');
  const net = await alice.evaluate(() => (window as unknown as { app: { log: Entry[] } }).app.log.find((e) => e[0] === 'NetStateChanged')![1] as number);
  assert.ok(net >= 0 && net <= 10, `NetStateChanged(${net}) is 0–10`);

  const camera = await sizeOf(bob, 'alice');
  // Alice shares her screen: Bob is told, and keeps seeing a picture from her.
  await alice.evaluate(() => (window as unknown as { CRVideo_StartScreenShare(c: unknown, k: string): void }).CRVideo_StartScreenShare({}, 'share'));
  await logged(alice, 'StartScreenShareRslt', 0, 'share');
  await logged(bob, 'NotifyScreenShareStarted', 'alice');
  await videoOf(bob, 'alice', true);
  // Carol enters by the password while Alice shares: she is told of the share and sees it.
  const carol = await appPage('carol');
  const meetObj = await alice.evaluate(() => (window as unknown as { app: { meetObj: { ID: number; pswd: string } } }).app.meetObj);
  await carol.evaluate(({ ID, pswd }) => (window as unknown as { CRVideo_EnterMeeting(i: number, p: string, u: string, n: string, c: string): void }).CRVideo_EnterMeeting(ID, pswd, 'carol', 'Carol', 'enter'), meetObj);
  await logged(carol, 'EnterMeetingRslt', 0, 'enter');
  await logged(carol, 'NotifyScreenShareStarted', 'alice');
  await videoOf(carol, 'alice', true);
  // Bob's picture of Alice became the screen (another size than the camera here); Carol's
  // becomes it too, though her link to Alice started with the camera.
  await bob.waitForFunction((cam) => {
    const v = document.querySelector('#video-alice video') as HTMLVideoElement;
    return `${v.videoWidth}x${v.videoHeight}` !== cam;
  }, camera);
  const shared = await sizeOf(bob, 'alice');
  await carol.waitForFunction((want) => {
    const v = document.querySelector('#video-alice video') as HTMLVideoElement | null;
    return v !== null && `${v.videoWidth}x${v.videoHeight}` === want;
  }, shared);
  await alice.evaluate(() => (window as unknown as { CRVideo_StopScreenShare(): void }).CRVideo_StopScreenShare());
  await logged(bob, 'NotifyScreenShareStopped', 'alice');
  await logged(carol, 'NotifyScreenShareStopped', 'alice');
  assert.equal(await count(carol, 'NotifyScreenShareStarted'), 1, 'once');

  // Data: a command to one member, an IM to the whole room.
  await alice.evaluate(() => (window as unknown as { CRVideo_SendCmd(u: string, d: string, c: string): string }).CRVideo_SendCmd('bob', '{"kind":"ping"}', 'cmd'));
  await logged(alice, 'SendCmdRlst', '*', 0, 'cmd');
  await logged(alice, 'SendCmdRslt', '*', 0, 'cmd');
  await logged(bob, 'NotifyCmdData', 'alice', '{"kind":"ping"}');
  await bob.evaluate(() => (window as unknown as { CRVideo_SendIMmsg(t: string, u: string, c: string): string }).CRVideo_SendIMmsg('hello room', '', 'im'));
  await logged(bob, 'SendIMmsgRlst', '*', 0, 'im');
  await logged(alice, 'NotifyIMmsg', 'bob', 'hello room');
  await logged(carol, 'NotifyIMmsg', 'bob', 'hello room');
  assert.equal(await count(carol, 'NotifyCmdData'), 0, 'the command reached its target only');
  assert.equal(await count(bob, 'NotifyIMmsg'), 0, 'not back to its sender');

  // Hang up through HangupCall: both spellings fire once each, and both leave the room.
  await alice.evaluate(() => {
    const w = window as unknown as { CRVideo: { CallID: string }; CRVideo_HangupCall(id: string, u: string, c: string): void };
    w.CRVideo_HangupCall(w.CRVideo.CallID, 'bye', 'hangup');
  });
  await logged(alice, 'HangupCallSuccess');
  await logged(alice, 'HungupCallSuccess');
  await logged(bob, 'NotifyCallHangup');
  await logged(bob, 'NotifyCallHungup');
  for (const [p, n] of [[alice, 'HangupCallSuccess'], [alice, 'HungupCallSuccess'], [bob, 'NotifyCallHangup'], [bob, 'NotifyCallHungup']] as const) {
    assert.equal(await count(p, n), 1, `${n} once`);
  }
  for (const p of [alice, bob]) {
    assert.deepEqual(await p.evaluate(() => (window as unknown as { CRVideo_GetAllMembers(): unknown[] }).CRVideo_GetAllMembers()), [], 'out of the room');
    assert.equal(await p.evaluate(() => (window as unknown as { RTCSDK: { media: unknown } }).RTCSDK.media), null, 'its media closed');
  }
  const status = await (await fetch(`${pages.server().url}/healthz`)).json() as { sessions: number };
  assert.equal(status.sessions, 3, 'all three still logged in');
});

test('devices: lists, camera choice and settings, and a refused camera reported through OpenVideoFailed', { timeout: 60_000 }, async () => {
  const page = await appPage('carol');
  const r = await page.evaluate(async () => {
    const w = window as unknown as Record<string, any>;
    const log = () => w.app.log as Entry[];
    const until = async (ok: () => boolean) => {
      while (!ok()) await new Promise((res) => setTimeout(res, 20)); // bounded by the test's timeout
    };
    w.CRVideo_OpenMic('carol');
    w.CRVideo_OpenVideo('carol');
    await until(() => w.CRVideo_GetVideoStatus('carol') === 3 && w.CRVideo_GetAudioStatus('carol') === 3);
    await until(() => (w.CRVideo_GetAudioMicNames() as string[]).length > 0 && (w.CRVideo_GetAllVideoInfo('carol') as unknown[]).length > 0);
    const mics = w.CRVideo_GetAudioMicNames() as string[];
    const cams = w.CRVideo_GetAllVideoInfo('carol') as { userID: string; videoID: number; videoName: string }[];
    w.CRVideo_SetVideoCfg({ size: 1, fps: 10, ratio: 1 });
    await until(() => ((w.RTCSDK.localMedia?.track('video') as MediaStreamTrack | null)?.getSettings().width ?? 0) === 320);
    const settings = (w.RTCSDK.localMedia.track('video') as MediaStreamTrack).getSettings();
    w.CRVideo_SetDefaultVideo('carol', cams[0]!.videoID);
    await until(() => log().some((e) => e[0] === 'DefVideoChanged'));
    // The camera is refused from now on: closing and opening again reports it.
    w.CRVideo_CloseVideo('carol');
    const md = navigator.mediaDevices;
    const realGum = md.getUserMedia.bind(md);
    md.getUserMedia = (c?: MediaStreamConstraints) =>
      c?.video ? Promise.reject(new DOMException('refused', 'NotAllowedError')) : realGum(c);
    // The camera is unplugged: its track ends, so opening it asks the browser again.
    const cam = w.RTCSDK.localMedia.track('video') as MediaStreamTrack;
    cam.stop();
    w.RTCSDK.localMedia.stream.removeTrack(cam);
    w.CRVideo_OpenVideo('carol');
    await until(() => log().some((e) => e[0] === 'OpenVideoFailed'));
    return {
      mics,
      cams,
      settings: { width: settings.width, frameRate: settings.frameRate },
      defChanged: log().filter((e) => e[0] === 'DefVideoChanged'),
      failed: log().filter((e) => e[0] === 'OpenVideoFailed'),
      status: w.CRVideo_GetVideoStatus('carol'),
    };
  });
  assert.ok(r.mics.length > 0, 'GetAudioMicNames lists the fake microphone');
  assert.deepEqual(r.cams[0]?.userID, 'carol');
  assert.equal(r.cams[0]?.videoID, 1);
  assert.equal(r.settings.width, 320, 'SetVideoCfg size 1 is 320 wide');
  assert.deepEqual(r.defChanged, [['DefVideoChanged', 'carol', 1]]);
  assert.deepEqual(r.failed, [['OpenVideoFailed', 909]], 'a refused camera: 909 DEVICE_DENIED');
  assert.equal(r.status, 1, 'and its status is 1, no device');
});
