/**
 * The facade's media engine: what OpenMic / CloseMic / OpenVideo / CloseVideo act on, the camera
 * settings (SetVideoCfg, SetDefaultVideo), the screen share, and the MediaRoom that connects
 * the members of the meeting the facade is in. As in the reference SDK, entering a meeting
 * connects to its members (receiving what they send) and the user opens the microphone and
 * camera to send; opening a device after entering renegotiates.
 * In Node (no WebRTC) every call here is a no-op and the status is 0 (unknown).
 */
import { ErrorCodes } from '../../protocol/errors.js';
import type { IceServer, IceTransportPolicy } from '../../protocol/messages.js';
import { TypedEmitter } from '../../shared/typed-emitter.js';
import type { CallClient } from '../client.js';
import { LocalMedia, type DeviceState, type MediaKind } from '../media/local-media.js';
import { MediaRoom } from '../media/room.js';

/** The reference SDK's microphone (ASTATUS) and camera (VSTATUS) states; the numbers are the same for both. */
export const DeviceStatus = { UNKNOWN: 0, NULL: 1, CLOSE: 2, OPEN: 3, OPENING: 4 } as const;

export function deviceStatus(s: DeviceState): number {
  if (s === 'on') return DeviceStatus.OPEN;
  if (s === 'off' || s === 'none') return DeviceStatus.CLOSE;
  return DeviceStatus.NULL;
}

/** The sdkErr of OpenMicFailed / OpenVideoFailed for a device that did not open. */
export function deviceError(s: DeviceState): number {
  return s === 'denied' || s === 'insecure' ? ErrorCodes.DEVICE_DENIED : ErrorCodes.NO_DEVICE;
}

/** Whether this runtime has WebRTC (a browser). */
export function hasWebRTC(): boolean {
  const g = globalThis as { RTCPeerConnection?: unknown; MediaStream?: unknown };
  return typeof g.RTCPeerConnection === 'function' && typeof g.MediaStream === 'function';
}

/** SetVideoCfg: `size` 1–4 (320, 640, 1280, 1920 pixels wide), `fps` 5–30, `ratio` 1 = 4:3, anything else 16:9. */
export interface VideoCfg {
  size?: number;
  fps?: number;
  ratio?: number;
}
const WIDTHS = [320, 640, 1280, 1920] as const;

export function videoConstraints(cfg: VideoCfg, deviceId: string | null): MediaTrackConstraints {
  const size = Math.min(4, Math.max(1, Math.round(Number(cfg.size ?? 2)) || 2));
  const fps = Math.min(30, Math.max(5, Math.round(Number(cfg.fps ?? 24)) || 24));
  const width = WIDTHS[size - 1]!;
  const height = Math.round(Number(cfg.ratio) === 1 ? (width * 3) / 4 : (width * 9) / 16);
  return { width: { ideal: width }, height: { ideal: height }, frameRate: { ideal: fps, max: 30 }, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) };
}

export type FacadeMediaEvents = {
  /** This user's microphone or camera state changed (reference numbers). */
  status: [kind: MediaKind, oldStatus: number, newStatus: number];
  /** OpenMic / OpenVideo could not open the device. */
  failed: [kind: MediaKind, sdkErr: number];
  /** The screen share started or stopped (by us, or the browser's own "stop sharing"). */
  screen: [sharing: boolean];
  /** A new MediaRoom (entering a meeting), or null (left it). */
  room: [MediaRoom | null];
  /** This user's camera track changed (opened, switched, screen share): displays re-attach. */
  localVideo: [];
  listenerError: [unknown];
};

export class FacadeMedia extends TypedEmitter<FacadeMediaEvents> {
  local: LocalMedia | null = null;
  room: MediaRoom | null = null;
  /** The screen being shared, if any. */
  screenTrack: MediaStreamTrack | null = null;
  private videoCfg: VideoCfg = {};
  private cameraID: string | null = null;
  private readonly shown: Record<MediaKind, number> = { audio: DeviceStatus.CLOSE, video: DeviceStatus.CLOSE };

  constructor() {
    super((err) => {
      if (err !== undefined) queueMicrotask(() => this.emit('listenerError', err));
    });
  }

  private ensureLocal(): LocalMedia {
    if (!this.local) {
      const l = new LocalMedia({ video: videoConstraints(this.videoCfg, this.cameraID) });
      l.on('change', (st) => {
        // A device not asked for yet ('none') keeps what was shown (closed, or opening).
        for (const kind of ['audio', 'video'] as const) if (st[kind] !== 'none') this.report(kind, deviceStatus(st[kind]));
      });
      l.on('track', (t) => {
        if (t.kind === 'video') this.emit('localVideo');
      });
      this.local = l;
    }
    return this.local;
  }

  private report(kind: MediaKind, next: number): void {
    const prev = this.shown[kind];
    if (prev === next) return;
    this.shown[kind] = next;
    this.emit('status', kind, prev, next);
  }

  /** Before entering: the ICE servers and policy (none in Node, or when the server has none). */
  async iceServers(c: CallClient): Promise<{ iceServers: IceServer[]; iceTransportPolicy: IceTransportPolicy }> {
    const none = { iceServers: [], iceTransportPolicy: 'all' as const };
    return hasWebRTC() ? c.getIceConfig().catch(() => none) : none;
  }

  /**
   * Right after EnterMeeting succeeds, in the same turn (so that no signal from a member is
   * missed): connect to the members there, sending what is open.
   */
  enter(c: CallClient, meetingID: number, members: { userID: string }[], ice: { iceServers: IceServer[]; iceTransportPolicy: IceTransportPolicy }): void {
    this.room?.close();
    this.room = null;
    if (!hasWebRTC() || !c.user) return;
    const room = new MediaRoom({ client: c, meetingID, selfID: c.user.userID, local: this.ensureLocal(), ...ice });
    this.room = room;
    if (this.screenTrack) void room.shareScreen(this.screenTrack);
    this.emit('room', room);
    room.start(members);
  }

  /** Leaving the meeting (or logging out): close the links, the devices and the screen share. */
  leave(): void {
    if (this.room) {
      this.room.close();
      this.room = null;
      this.emit('room', null);
    }
    this.stopScreen();
    if (this.local) {
      this.local.removeAll();
      this.local.stop();
      this.local = null;
      this.report('audio', DeviceStatus.CLOSE);
      this.report('video', DeviceStatus.CLOSE);
    }
  }

  /** OpenMic / CloseMic / OpenVideo / CloseVideo for this user. */
  set(kind: MediaKind, on: boolean): void {
    if (!hasWebRTC()) return;
    const local = this.ensureLocal();
    const had = local.track(kind) !== null;
    if (on && !had) this.report(kind, DeviceStatus.OPENING);
    void (kind === 'audio' ? local.setMicEnabled(on) : local.setCameraEnabled(on)).then((st) => {
      this.report(kind, deviceStatus(st));
      if (on && st !== 'on') this.emit('failed', kind, deviceError(st));
    });
  }

  /** What this user's camera display shows: the screen while sharing, else the camera. */
  get localVideoTrack(): MediaStreamTrack | null {
    return this.screenTrack ?? this.local?.track('video') ?? null;
  }

  status(kind: MediaKind): number {
    if (!hasWebRTC()) return DeviceStatus.UNKNOWN;
    return this.local ? deviceStatus(this.local[kind]) : DeviceStatus.CLOSE;
  }

  /** SetVideoCfg: applies to the live camera at once and to the next one opened. */
  setVideoCfg(cfg: VideoCfg): void {
    this.videoCfg = { ...this.videoCfg, ...cfg };
    this.local?.setConstraints('video', videoConstraints(this.videoCfg, null));
    void this.local?.track('video')?.applyConstraints(videoConstraints(this.videoCfg, null)).catch(() => undefined);
    this.renewLocalIfIdle();
  }

  /** SetDefaultVideo: the camera to use (a deviceId); an open camera is switched at once. */
  async setCamera(deviceId: string): Promise<void> {
    this.cameraID = deviceId;
    if (!this.local?.track('video') || !hasWebRTC()) return this.renewLocalIfIdle();
    // The rooms send the new camera (or keep sending the screen while it is shared).
    await this.local.useDevice('video', deviceId);
    this.emit('localVideo');
  }

  /** A LocalMedia with no device open yet takes the new camera settings. */
  private renewLocalIfIdle(): void {
    if (this.local && !this.local.track('audio') && !this.local.track('video')) {
      this.local.removeAll();
      this.local = null;
    }
  }

  /** StartScreenShare: sends the screen instead of the camera until StopScreenShare. */
  async startScreen(): Promise<number> {
    if (this.screenTrack) return ErrorCodes.OK;
    const md = (globalThis as { navigator?: { mediaDevices?: { getDisplayMedia?: (c: unknown) => Promise<MediaStream> } } }).navigator?.mediaDevices;
    if (!hasWebRTC() || !md?.getDisplayMedia) return ErrorCodes.NOT_SUPPORTED;
    let s: MediaStream;
    try {
      s = await md.getDisplayMedia({ video: true, audio: false });
    } catch (err) {
      return (err as { name?: string })?.name === 'NotAllowedError' ? ErrorCodes.DEVICE_DENIED : ErrorCodes.NO_DEVICE;
    }
    const t = s.getVideoTracks()[0];
    if (!t) return ErrorCodes.NO_DEVICE;
    this.screenTrack = t;
    t.addEventListener('ended', () => {
      if (this.screenTrack === t) this.stopScreen();
    });
    await this.room?.shareScreen(t);
    this.emit('screen', true);
    this.emit('localVideo');
    return ErrorCodes.OK;
  }

  stopScreen(): boolean {
    const t = this.screenTrack;
    if (!t) return false;
    this.screenTrack = null;
    t.stop();
    void this.room?.stopScreen();
    this.emit('screen', false);
    this.emit('localVideo');
    return true;
  }
}
