/**
 * One remote member's tile on the call screen: their video, or, while their camera is off (they
 * said so with `meeting.media`, or no video track of theirs is live), their initials in a circle
 * and their name; a "muted" label while their microphone is closed; and a polite live region
 * that says each change for screen readers.
 *
 * State on the root element, for the style sheet and the tests:
 * - `data-video`: `on` once a first frame was decoded (kept as before);
 * - `data-camera`: `on` | `off` (what is shown: the video or the avatar);
 * - `data-mic`: `unknown` | `on` | `muted` | `none`.
 */
import type { MemberMedia } from '../src/protocol/messages.js';
import { el } from './dom.js';
import { t } from './i18n.js';
import { cameraSaidOff, micShown, type MicShown } from './media-status.js';

/** Up to two initials of a nickname: "Ann Lee" → "AL", "bob" → "B", "王小明" → "王". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter((w) => w !== '');
  const first = (w: string | undefined) => (w ? Array.from(w)[0] ?? '' : '');
  const s = words.length > 1 ? first(words[0]) + first(words[words.length - 1]) : first(words[0]);
  return s.toUpperCase() || '?';
}

export class RemoteTile {
  readonly root: HTMLElement;
  readonly video: HTMLVideoElement;
  state: RTCPeerConnectionState | 'new' = 'new';
  private name: string;
  private said: MemberMedia | null = null;
  private stream: MediaStream | null = null;
  private readonly off: HTMLElement;
  private readonly avatar: HTMLElement;
  private readonly avatarName: HTMLElement;
  private readonly captionName: HTMLElement;
  private readonly badge: HTMLElement;
  private readonly shareBadge: HTMLElement;
  private readonly live: HTMLElement;
  /** Removes the track listeners of the current stream. */
  private watching = new AbortController();
  /** The tracks of the current stream already listened to. */
  private followed = new WeakSet<MediaStreamTrack>();

  constructor(
    readonly userID: string,
    name: string,
  ) {
    this.name = name;
    this.video = el('video', { autoplay: true, playsinline: true });
    this.avatar = el('span', { class: 'avatar', 'aria-hidden': 'true' });
    this.avatarName = el('span', { class: 'off-name' });
    this.off = el('div', { class: 'camera-off', role: 'img' }, this.avatar, this.avatarName);
    this.captionName = el('span', { class: 'name' });
    this.badge = el('span', { class: 'mic-badge', hidden: true });
    this.shareBadge = el('span', { class: 'share-badge', hidden: true });
    const caption = el('figcaption', {}, this.captionName, this.badge, this.shareBadge);
    this.live = el('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
    this.root = el(
      'figure',
      { class: 'tile', 'data-user': userID, 'data-video': 'off', 'data-camera': 'off', 'data-mic': 'unknown', 'data-connection': 'new' },
      this.video,
      this.off,
      caption,
      this.live,
    );
    const markVideo = () => {
      if (this.video.videoWidth > 0 && this.root.dataset.video !== 'on') {
        this.root.dataset.video = 'on';
        this.root.dataset.firstFrameAt = String(Date.now());
      }
      this.render();
    };
    this.video.addEventListener('loadeddata', markVideo);
    this.video.addEventListener('resize', markVideo);
    this.render();
  }

  setName(name: string): void {
    this.name = name;
    this.render();
  }

  /** Their media arrived (or changed): show it, and follow its video tracks coming and going. */
  setStream(stream: MediaStream): void {
    if (this.video.srcObject !== stream) this.video.srcObject = stream;
    this.root.dataset.audio = stream.getAudioTracks().length > 0 ? 'on' : 'off';
    if (this.stream !== stream) {
      this.watching.abort();
      this.watching = new AbortController();
      this.followed = new WeakSet();
      this.stream = stream;
      const signal = this.watching.signal;
      stream.addEventListener('addtrack', (e) => (this.follow(e.track), this.render()), { signal });
      stream.addEventListener('removetrack', () => this.render(), { signal });
    }
    // Tracks added to the same stream later (video turned on during an audio call) are followed too.
    stream.getTracks().forEach((track) => this.follow(track));
    this.render();
    void this.video.play().catch(() => undefined);
  }

  /** Re-renders when `track` mutes, unmutes or ends (once per track). */
  private follow(track: MediaStreamTrack): void {
    if (this.followed.has(track)) return;
    this.followed.add(track);
    const signal = this.watching.signal;
    for (const ev of ['mute', 'unmute', 'ended']) track.addEventListener(ev, () => this.render(), { signal });
  }

  /** What they said of their microphone and camera (`meeting.media`); a change is said aloud. */
  setMedia(media: MemberMedia): void {
    const was = this.said;
    this.said = { audio: media.audio, video: media.video, screen: media.screen === true };
    this.render();
    this.announce(was, this.said);
  }

  setConnection(state: RTCPeerConnectionState): void {
    this.state = state;
    this.root.dataset.connection = state;
  }

  /** Labels follow the page's language. */
  relabel(): void {
    this.render();
  }

  dispose(): void {
    this.watching.abort();
    this.video.srcObject = null;
    this.root.remove();
  }

  private liveVideo(): boolean {
    if (this.root.dataset.video !== 'on') return false;
    return (this.stream?.getVideoTracks() ?? []).some((tr) => tr.readyState === 'live' && !tr.muted);
  }

  private render(): void {
    const name = this.name;
    const camera = this.said && cameraSaidOff(this.said.video) ? 'off' : this.liveVideo() ? 'on' : 'off';
    const mic: MicShown = this.said ? micShown(this.said.audio) : 'unknown';
    this.root.dataset.camera = camera;
    this.root.dataset.mic = mic;
    this.avatar.textContent = initials(name);
    this.avatarName.textContent = name;
    this.captionName.textContent = name;
    this.video.setAttribute('aria-label', t('remoteVideo', { name }));
    this.off.setAttribute('aria-label', t('remoteCameraOff', { name }));
    this.off.hidden = camera === 'on';
    const label = mic === 'muted' ? t('remoteMuted') : mic === 'none' ? t('remoteNoMic') : '';
    this.badge.textContent = label;
    this.badge.hidden = label === '';
    const sharing = this.said?.screen === true;
    this.root.dataset.screen = sharing ? 'on' : 'off';
    this.shareBadge.textContent = sharing ? t('remoteSharing') : '';
    this.shareBadge.hidden = !sharing;
  }

  /** Says, in the live region, what changed between two states they sent. */
  private announce(was: MemberMedia | null, now: MemberMedia): void {
    const name = this.name;
    const said: string[] = [];
    const micWas = was ? micShown(was.audio) : 'unknown';
    const micNow = micShown(now.audio);
    if (micNow !== micWas) {
      if (micNow === 'muted') said.push(t('saidMuted', { name }));
      else if (micNow === 'none') said.push(t('saidNoMic', { name }));
      else if (micNow === 'on' && micWas !== 'unknown') said.push(t('saidUnmuted', { name }));
    }
    const camWas = was ? cameraSaidOff(was.video) : false;
    const camNow = cameraSaidOff(now.video);
    if (camNow && !camWas) said.push(t('saidCameraOff', { name }));
    else if (!camNow && camWas) said.push(t('saidCameraOn', { name }));
    if (now.screen === true && was?.screen !== true) said.push(t('saidSharing', { name }));
    else if (now.screen !== true && was?.screen === true) said.push(t('saidStoppedSharing', { name }));
    if (said.length > 0) this.live.textContent = said.join(' ');
  }
}
