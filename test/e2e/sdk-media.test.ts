/**
 * The SDK's media without the page, in real Chromium with the browser bundle
 * (dist/web/callroom-sdk.js):
 * - MediaRoom: two members that both open a link at the same moment (offers cross: perfect
 *   negotiation settles it), then one opens its camera later (renegotiation).
 * - The RTCSDK facade, as the call guide uses it, plus OpenMic / OpenVideo after entering.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { bundlePages } from './harness.js';

const pages = bundlePages();
const sdkPage = () => pages.page();

test('MediaRoom: offers that cross are settled (perfect negotiation), and a camera opened later is renegotiated', { timeout: 90_000 }, async () => {
  const page = await sdkPage();
  await page.evaluate(async () => {
    type Fn = (p: unknown) => void;
    const W = window as unknown as Record<string, any>;
    const { MediaRoom, LocalMedia } = W.Callroom;
    // Two in-page "clients" whose signals reach each other, out of order with the offers.
    const make = (self: string) => {
      const listeners = new Map<string, Set<Fn>>();
      return {
        self,
        peer: null as any,
        on(ev: string, fn: Fn) {
          if (!listeners.has(ev)) listeners.set(ev, new Set());
          listeners.get(ev)!.add(fn);
          return () => listeners.get(ev)!.delete(fn);
        },
        emit(ev: string, p: unknown) {
          for (const fn of listeners.get(ev) ?? []) fn(p);
        },
        async signal(meetingID: number, _to: string, kind: string, payload: unknown) {
          const peer = this.peer;
          setTimeout(() => peer.emit('meeting.signal', { meetingID, from: self, kind, payload: JSON.parse(JSON.stringify(payload)) }), 0);
        },
      };
    };
    const a = make('a');
    const b = make('b');
    a.peer = b;
    b.peer = a;
    const la = new LocalMedia();
    const lb = new LocalMedia();
    await la.start({ audio: true, video: false });
    await lb.start({ audio: true, video: true });
    const ra = new MediaRoom({ client: a, meetingID: 1, selfID: 'a', local: la });
    const rb = new MediaRoom({ client: b, meetingID: 1, selfID: 'b', local: lb });
    const got: Record<string, string[]> = { a: [], b: [] };
    ra.on('stream', (e: { track: MediaStreamTrack }) => got.a!.push(e.track.kind));
    rb.on('stream', (e: { track: MediaStreamTrack }) => got.b!.push(e.track.kind));
    W.t = { ra, rb, la, lb, got };
    // Both open at once: each makes an offer, the offers cross.
    ra.start([{ userID: 'b' }]);
    rb.start([{ userID: 'a' }]);
  });
  const connected = () =>
    page.waitForFunction(() => {
      const t = (window as unknown as { t: { ra: { connectionState(id: string): string }; rb: { connectionState(id: string): string } } }).t;
      return t.ra.connectionState('b') === 'connected' && t.rb.connectionState('a') === 'connected';
    });
  await connected();
  // a receives b's audio and video; b receives a's audio only.
  await page.waitForFunction(() => {
    const got = (window as unknown as { t: { got: Record<string, string[]> } }).t.got;
    return got.a!.includes('video') && got.a!.includes('audio') && got.b!.includes('audio');
  });
  assert.deepEqual(await page.evaluate(() => (window as unknown as { t: { got: Record<string, string[]> } }).t.got.b), ['audio']);
  // a opens its camera: the link renegotiates and b receives video too.
  await page.evaluate(() => (window as unknown as { t: { la: { setCameraEnabled(on: boolean): Promise<string> } } }).t.la.setCameraEnabled(true));
  await page.waitForFunction(() => (window as unknown as { t: { got: Record<string, string[]> } }).t.got.b!.includes('video'));
  await connected();
  await page.waitForFunction(
    () => {
      const t = (window as any).t;
      if (!t.poll) {
        t.poll = { frames: 0 };
        const tick = () =>
          t.rb.getStats('a').then((r: RTCStatsReport) => {
            r.forEach((s: any) => {
              if (s.type === 'inbound-rtp' && s.kind === 'video') t.poll.frames = s.framesDecoded ?? 0;
            });
            setTimeout(tick, 100);
          });
        tick();
      }
      return t.poll.frames > 0;
    },
    undefined,
    { polling: 100 },
  );
});

test('RTCSDK facade: the guide\'s call flow, then OpenMic and OpenVideo after entering: both receive video', { timeout: 90_000 }, async () => {
  const [pa, pb] = [await sdkPage(), await sdkPage()];
  const setup = async (page: Page, user: string) =>
    page.evaluate(async (user) => {
      const W = window as unknown as Record<string, any>;
      const res = await fetch('/v1/dev/token', { method: 'POST', body: JSON.stringify({ userID: user }) });
      const { token } = await res.json();
      const sdk = W.RTCSDK;
      const log: unknown[][] = [];
      W.log = log;
      W.kinds = [];
      const onEntered = () => {
        sdk.media.on('stream', (e: { track: MediaStreamTrack }) => W.kinds.push(e.track.kind));
        sdk.OpenMic(user);
        sdk.OpenVideo(user);
      };
      sdk.VideoStatusChanged.callback = (...a: unknown[]) => log.push(['video', ...a]);
      sdk.AudioStatusChanged.callback = (...a: unknown[]) => log.push(['audio', ...a]);
      sdk.EnterMeetingRslt.callback = (err: number) => (err === 0 ? onEntered() : log.push(['enterFailed', err]));
      sdk.NotifyCallIn.callback = (callID: string, meetObj: { ID: number }) => {
        sdk.AcceptCall(callID, meetObj, '', '');
        sdk.EnterMeeting2(meetObj.ID, user, user, 'in');
      };
      sdk.NotifyCallAccepted.call = (_callID: string, meetObj: { ID: number }) => sdk.EnterMeeting2(meetObj.ID, user, user, 'in');
      sdk.CreateMeetingSuccess.callback = (meetObj: unknown) => sdk.Call('bob', meetObj, '', 'c');
      await new Promise<void>((resolve, reject) => {
        sdk.LoginSuccess.callback = () => resolve();
        sdk.LoginFail.callback = (e: number) => reject(new Error(`login ${e}`));
        sdk.LoginByToken(token);
      });
    }, user);
  await setup(pb, 'bob');
  await setup(pa, 'alice');
  await pa.evaluate(() => (window as unknown as { RTCSDK: { CreateMeeting(): void } }).RTCSDK.CreateMeeting());
  for (const [p, me] of [[pa, 'alice'], [pb, 'bob']] as const) {
    await p.waitForFunction(() => {
      const k = (window as unknown as { kinds: string[] }).kinds;
      return k.includes('audio') && k.includes('video');
    });
    await p.waitForFunction(() => (window as unknown as { RTCSDK: { GetVideoStatus(): number } }).RTCSDK.GetVideoStatus() === 3);
    const log = (await p.evaluate(() => (window as unknown as { log: unknown[][] }).log)) as [string, string, number, number][];
    // The other member's changes arrive too (meeting.media); this user's own are these.
    const video = log.filter((l) => l[0] === 'video' && l[1] === me).map((l) => `${l[2]}→${l[3]}`);
    assert.deepEqual(video, ['2→4', '4→3'], 'VideoStatusChanged: closed → opening → open');
  }
  await pa.evaluate(() => (window as unknown as { RTCSDK: { CloseMic(): void } }).RTCSDK.CloseMic());
  await pa.waitForFunction(() => (window as unknown as { RTCSDK: { GetAudioStatus(): number } }).RTCSDK.GetAudioStatus() === 2);
});
