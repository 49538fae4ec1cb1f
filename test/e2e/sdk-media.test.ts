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

/**
 * Two MediaRooms a and b in one page (`window.t`), on in-page "clients" whose signals reach each
 * other a task later, as they would over the network. `a` sends audio; `b` audio, and video
 * unless `bVideo` is false (it opens its camera later).
 */
async function roomPair(page: Page, bVideo = true): Promise<void> {
  await page.evaluate(async (bVideo) => {
    type Fn = (p: unknown) => void;
    const W = window as unknown as Record<string, any>;
    const { MediaRoom, LocalMedia } = W.Callroom;
    const sigs: string[] = [];
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
          sigs.push(`${self}>${kind}`);
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
    await lb.start({ audio: true, video: bVideo });
    const ra = new MediaRoom({ client: a, meetingID: 1, selfID: 'a', local: la });
    const rb = new MediaRoom({ client: b, meetingID: 1, selfID: 'b', local: lb });
    const got: Record<string, string[]> = { a: [], b: [] };
    ra.on('stream', (e: { track: MediaStreamTrack }) => got.a!.push(e.track.kind));
    rb.on('stream', (e: { track: MediaStreamTrack }) => got.b!.push(e.track.kind));
    // Each link's negotiation as it stands, for a failure message: mid:kind:direction/current:sending.
    const transceivers = () => {
      const d = (r: any) => [...r.links.values()].map((l: any) => ({
        peer: l.peerID, signaling: l.pc.signalingState, ice: l.pc.iceConnectionState,
        tr: l.pc.getTransceivers().map((x: RTCRtpTransceiver) => `${x.mid}:${x.receiver.track.kind}:${x.direction}/${x.currentDirection}:${x.sender.track ? 'S' : '-'}`),
      }));
      return { a: d(ra), b: d(rb) };
    };
    W.t = { a, b, ra, rb, la, lb, got, sigs, transceivers };
  }, bVideo);
}

/** Both links connected. On a timeout, the error says what each link's negotiation got to. */
async function connected(page: Page): Promise<void> {
  await page
    .waitForFunction(() => {
      const t = (window as unknown as { t: { ra: { connectionState(id: string): string }; rb: { connectionState(id: string): string } } }).t;
      return t.ra.connectionState('b') === 'connected' && t.rb.connectionState('a') === 'connected';
    })
    .catch(async (err: unknown) => {
      throw new Error(`not connected: ${await page.evaluate(() => JSON.stringify({ ...(window as any).t.transceivers(), sigs: (window as any).t.sigs }))}`, { cause: err });
    });
}

test('MediaRoom: offers that cross are settled (perfect negotiation), and a camera opened later is renegotiated', { timeout: 90_000 }, async () => {
  const page = await sdkPage();
  await roomPair(page);
  await page.evaluate(() => {
    const { ra, rb } = (window as any).t;
    // Both open at once: each makes an offer, the offers cross.
    ra.start([{ userID: 'b' }]);
    rb.start([{ userID: 'a' }]);
  });
  await connected(page);
  // a receives b's audio and video; b receives a's audio only.
  await page.waitForFunction(() => {
    const got = (window as unknown as { t: { got: Record<string, string[]> } }).t.got;
    return got.a!.includes('video') && got.a!.includes('audio') && got.b!.includes('audio');
  });
  assert.deepEqual(await page.evaluate(() => (window as unknown as { t: { got: Record<string, string[]> } }).t.got.b), ['audio']);
  // a opens its camera: the link renegotiates and b receives video too.
  await page.evaluate(() => (window as unknown as { t: { la: { setCameraEnabled(on: boolean): Promise<string> } } }).t.la.setCameraEnabled(true));
  await page.waitForFunction(() => (window as unknown as { t: { got: Record<string, string[]> } }).t.got.b!.includes('video'));
  await connected(page);
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

test('MediaRoom: a device that opens after a member joined, before their offer, goes in the answer: one offer, nothing crosses', { timeout: 90_000 }, async () => {
  const page = await sdkPage();
  await roomPair(page, false);
  await page.evaluate(async () => {
    const { b, ra, lb } = (window as any).t;
    // b is told a joined (b makes the link and waits for a's offer); b's camera opens now, before
    // that offer arrives. Then a opens its link.
    b.emit('meeting.memberJoined', { meetingID: 1, member: { userID: 'a' } });
    await lb.setCameraEnabled(true);
    ra.start([{ userID: 'b' }]);
  });
  await connected(page);
  await page.waitForFunction(() => {
    const got = (window as unknown as { t: { got: Record<string, string[]> } }).t.got;
    return got.a!.includes('video') && got.a!.includes('audio') && got.b!.includes('audio');
  });
  const t = await page.evaluate(() => (window as any).t.transceivers() as { a: { tr: string[] }[]; b: { tr: string[] }[] });
  // One audio and one video transceiver on each side, both sending from b: no m-line of b's own.
  assert.deepEqual(t.b[0]!.tr, ['0:audio:sendrecv/sendrecv:S', '1:video:sendrecv/sendonly:S'], JSON.stringify(t));
  assert.equal(t.a[0]!.tr.length, 2, JSON.stringify(t));
  assert.deepEqual(await page.evaluate(() => (window as any).t.sigs.filter((s: string) => s !== 'a>candidate' && s !== 'b>candidate')), ['a>offer', 'b>answer']);
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
        W.roomAtEnter = sdk.media;
        sdk.media.on('stream', (e: { track: MediaStreamTrack }) => W.kinds.push(e.track.kind));
        sdk.media.on('connection', (e: { userID: string; state: string }) => log.push(['connection', e.userID, e.state]));
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
    await p
      .waitForFunction(() => {
        const k = (window as unknown as { kinds: string[] }).kinds;
        return k.includes('audio') && k.includes('video');
      })
      .catch(async (err: unknown) => {
        // What the page saw, so that a failure says where the call stopped.
        const seen = await Promise.all([pa, pb].map((q) => q.evaluate(() => {
          const W = window as unknown as Record<string, any>;
          const links = [...(W.RTCSDK.media?.links?.values() ?? [])].map((l: any) => ({
            peer: l.peerID,
            sig: l.pc.signalingState,
            tr: l.pc.getTransceivers().map((t: RTCRtpTransceiver) => `${t.mid}:${t.receiver.track.kind}:${t.direction}/${t.currentDirection}:${t.sender.track ? 'S' : '-'}`),
          }));
          return JSON.stringify({ kinds: W.kinds, log: W.log, sameRoom: W.RTCSDK.media === W.roomAtEnter, links });
        })));
        throw new Error(`${me}: no audio and video from the other side: alice ${seen[0]} bob ${seen[1]}`, { cause: err });
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
