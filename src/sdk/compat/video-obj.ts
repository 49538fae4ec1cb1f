/**
 * The reference SDK's video display object (`CreatVideoObj`, sic): a `<video>` the app appends
 * (`handler()`), showing one member's camera, live: it follows renegotiation, a camera switched
 * on or off, a screen share, and shows the poster while there is no video. Also plays each
 * member's sound (the reference SDK plays the room's audio by itself; video objects are muted).
 * In Node there is no DOM: the object keeps its settings and `handler()` is null.
 */
import type { MediaRoom } from '../media/room.js';
import { ASTATUS } from './constants.js';
import type { FacadeCore } from './context.js';

export interface UiParams {
  poster?: string;
  style?: Record<string, string> | string;
}

type El = HTMLElement & { style: CSSStyleDeclaration };

function doc(): Document | null {
  return (globalThis as { document?: Document }).document ?? null;
}

function applyStyle(el: El, style: Record<string, string> | string | undefined): void {
  if (!style) return;
  if (typeof style === 'string') el.style.cssText += `;${style}`;
  else for (const [k, v] of Object.entries(style)) el.style.setProperty(k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), String(v));
}

export class VideoObj {
  private readonly box: El | null;
  private readonly video: HTMLVideoElement | null;
  private readonly label: El | null;
  private userID: string | null = null;
  private fullScreenOnDblClick = false;

  constructor(private readonly core: FacadeCore, ui: UiParams = {}) {
    const d = doc();
    if (!d) {
      this.box = this.video = this.label = null;
      return;
    }
    this.box = d.createElement('div') as El;
    this.box.style.cssText = 'position:relative;display:inline-block;background:#000;overflow:hidden';
    this.video = d.createElement('video');
    this.video.autoplay = true;
    this.video.playsInline = true;
    this.video.muted = true;
    this.video.style.cssText = 'width:100%;height:100%;object-fit:contain;display:block';
    if (ui.poster) this.video.poster = ui.poster;
    applyStyle(this.video as unknown as El, ui.style);
    this.label = d.createElement('span') as El;
    this.label.style.cssText = 'position:absolute;left:6px;bottom:4px;color:#fff;font:12px sans-serif;text-shadow:0 0 2px #000;display:none';
    this.box.append(this.video, this.label);
    this.box.addEventListener('dblclick', () => {
      if (this.fullScreenOnDblClick) void this.box?.requestFullscreen?.().catch(() => undefined);
    });
  }

  /** The element to append to the page. */
  handler(): HTMLElement | null {
    return this.box;
  }
  id(str: string): this {
    if (this.box) this.box.id = String(str);
    return this;
  }
  width(px: number | string): this {
    if (this.box) this.box.style.width = typeof px === 'number' ? `${px}px` : String(px);
    return this;
  }
  height(px: number | string): this {
    if (this.box) this.box.style.height = typeof px === 'number' ? `${px}px` : String(px);
    return this;
  }
  keepAspectRatio(on: boolean): this {
    if (this.video) this.video.style.objectFit = on ? 'contain' : 'fill';
    return this;
  }
  dblClickFullScreen(on: boolean): this {
    this.fullScreenOnDblClick = Boolean(on);
    return this;
  }
  setVisibleNickName(on: number | boolean): this {
    if (this.label) this.label.style.display = on ? 'block' : 'none';
    return this;
  }
  setNickNameStyle(style: Record<string, string> | string): this {
    if (this.label) applyStyle(this.label, style);
    return this;
  }

  /** Shows `userID`'s camera (videoID -1 or any: callroom sends one camera per member). */
  setVideo(userID: string, _videoID = -1): this {
    this.userID = userID ? String(userID) : null;
    this.refresh();
    return this;
  }

  /** Whom this object shows. */
  get shownUserID(): string | null {
    return this.userID;
  }

  /** Re-attaches what this object shows: called on every change of streams and camera states. */
  refresh(): void {
    const v = this.video;
    if (!v) return;
    const uid = this.userID;
    const self = this.core.selfID;
    let track: MediaStreamTrack | null = null;
    let nick = '';
    if (uid && uid === self) {
      track = this.core.av.localVideoTrack;
      nick = this.core.client?.user?.nickName ?? uid;
      if (track && !track.enabled && !this.core.av.screenTrack) track = null;
    } else if (uid) {
      const m = this.core.room.members.get(uid);
      nick = m?.nickName ?? uid;
      const shown = m && (m.video === ASTATUS.AOPEN || m.screen);
      track = shown ? (this.core.av.room?.streamOf(uid)?.getVideoTracks()[0] ?? null) : null;
    }
    if (this.label) this.label.textContent = nick;
    const current = (v.srcObject as MediaStream | null)?.getVideoTracks()[0] ?? null;
    if (current === track) return;
    v.srcObject = track ? new MediaStream([track]) : null;
    if (track) void v.play().catch(() => undefined);
  }
}

/**
 * Keeps every video object current, and plays each member's audio through a hidden `<audio>`.
 */
export class VideoDisplays {
  private readonly objs = new Set<WeakRef<VideoObj>>();
  private readonly audio = new Map<string, HTMLAudioElement>();
  private offRoom: (() => void)[] = [];

  constructor(private readonly core: FacadeCore) {
    core.av.on('room', (room) => this.watch(room));
    core.av.on('localVideo', () => this.refresh());
    core.av.on('status', () => this.refresh());
    // After the devices area has applied a member's new state (its listener was added first).
    core.onClient((c) => {
      c.on('meeting.media', () => this.refresh());
      c.on('meeting.memberJoined', () => this.refresh());
    });
  }

  create(ui?: UiParams): VideoObj {
    const o = new VideoObj(this.core, ui && typeof ui === 'object' ? ui : {});
    this.objs.add(new WeakRef(o));
    return o;
  }

  /** Re-attaches every live object (after a member's camera state changed, or a track arrived). */
  refresh(): void {
    for (const r of this.objs) {
      const o = r.deref();
      if (o) o.refresh();
      else this.objs.delete(r);
    }
  }

  private watch(room: MediaRoom | null): void {
    for (const off of this.offRoom) off();
    this.offRoom = [];
    for (const a of this.audio.values()) a.srcObject = null;
    this.audio.clear();
    if (!room) return this.refresh();
    this.offRoom.push(
      room.on('stream', ({ userID, stream, track }) => {
        if (track.kind === 'audio') this.play(userID, stream);
        this.refresh();
      }),
      room.on('left', ({ userID }) => {
        const a = this.audio.get(userID);
        if (a) a.srcObject = null;
        this.audio.delete(userID);
        this.refresh();
      }),
    );
    this.refresh();
  }

  private play(userID: string, stream: MediaStream): void {
    const d = doc();
    if (!d) return;
    let a = this.audio.get(userID);
    if (!a) {
      a = d.createElement('audio');
      a.autoplay = true;
      this.audio.set(userID, a);
    }
    if (a.srcObject !== stream) a.srcObject = stream;
    void a.play().catch(() => undefined);
  }
}
