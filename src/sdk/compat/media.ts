/**
 * The facade's media: what OpenMic / CloseMic / OpenVideo / CloseVideo act on, and the
 * MediaRoom that connects the members of the meeting the facade is in. As in the reference
 * SDK, entering a meeting connects to its members (receiving what they send) and the user opens
 * the microphone and camera to send; opening a device after entering renegotiates.
 * In Node (no WebRTC) every call here is a no-op and the status is 0 (unknown).
 */
import type { IceServer } from '../../protocol/messages.js';
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

/** Whether this runtime has WebRTC (a browser). */
export function hasWebRTC(): boolean {
  const g = globalThis as { RTCPeerConnection?: unknown; MediaStream?: unknown };
  return typeof g.RTCPeerConnection === 'function' && typeof g.MediaStream === 'function';
}

export interface FacadeMediaHooks {
  audioChanged(UID: string, oldStatus: number, newStatus: number): void;
  videoChanged(UID: string, oldStatus: number, newStatus: number): void;
}

export class FacadeMedia {
  local: LocalMedia | null = null;
  room: MediaRoom | null = null;
  private selfID = '';
  private readonly shown: Record<MediaKind, number> = { audio: DeviceStatus.CLOSE, video: DeviceStatus.CLOSE };

  constructor(private readonly hooks: FacadeMediaHooks) {}

  private ensureLocal(): LocalMedia {
    if (!this.local) {
      const l = new LocalMedia();
      l.on('change', (st) => {
        // A device not asked for yet ('none') keeps what was shown (closed, or opening).
        for (const kind of ['audio', 'video'] as const) if (st[kind] !== 'none') this.report(kind, deviceStatus(st[kind]));
      });
      this.local = l;
    }
    return this.local;
  }

  private report(kind: MediaKind, next: number): void {
    const prev = this.shown[kind];
    if (prev === next) return;
    this.shown[kind] = next;
    (kind === 'audio' ? this.hooks.audioChanged : this.hooks.videoChanged)(this.selfID, prev, next);
  }

  /** Before entering: the ICE servers (none in Node, or when the server has none). */
  async iceServers(c: CallClient): Promise<IceServer[]> {
    return hasWebRTC() ? c.getIceServers().catch(() => []) : [];
  }

  /**
   * Right after EnterMeeting succeeds, in the same turn (so that no signal from a member is
   * missed): connect to the members there, sending what is open.
   */
  enter(c: CallClient, meetingID: number, members: { userID: string }[], iceServers: IceServer[]): void {
    this.room?.close();
    this.room = null;
    if (!hasWebRTC() || !c.user) return;
    this.selfID = c.user.userID;
    this.room = new MediaRoom({ client: c, meetingID, selfID: c.user.userID, local: this.ensureLocal(), iceServers });
    this.room.start(members);
  }

  /** Leaving the meeting (or logging out): close the links and the devices. */
  leave(): void {
    this.room?.close();
    this.room = null;
    if (this.local) {
      this.local.removeAll();
      this.local.stop();
      this.local = null;
      this.report('audio', DeviceStatus.CLOSE);
      this.report('video', DeviceStatus.CLOSE);
    }
  }

  /** OpenMic / CloseMic / OpenVideo / CloseVideo for this user (another user's UID is ignored). */
  set(kind: MediaKind, on: boolean, UID: string | undefined, selfID: string | undefined): void {
    if (!hasWebRTC()) return;
    if (UID && selfID && UID !== selfID) return;
    if (selfID) this.selfID = selfID;
    const local = this.ensureLocal();
    const had = local.track(kind) !== null;
    if (on && !had) this.report(kind, DeviceStatus.OPENING);
    void (kind === 'audio' ? local.setMicEnabled(on) : local.setCameraEnabled(on)).then((st) => this.report(kind, deviceStatus(st)));
  }

  status(kind: MediaKind, UID: string | undefined, selfID: string | undefined): number {
    if (!hasWebRTC() || (UID && selfID && UID !== selfID)) return DeviceStatus.UNKNOWN;
    return this.local ? deviceStatus(this.local[kind]) : DeviceStatus.CLOSE;
  }
}
