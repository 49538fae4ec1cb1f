/**
 * MediaRoom: the media of one meeting. Connects this user to every other member peer to peer
 * (a full mesh, for rooms of a few people), relays the WebRTC offers, answers and ICE candidates
 * over the meeting's signalling (`meeting.signal`), and emits each member's stream as it
 * arrives and when the member leaves.
 *
 *   const local = new LocalMedia();
 *   await local.start();                        // camera + microphone, or what there is
 *   const { members } = await client.enterMeeting(id);
 *   const room = new MediaRoom({ client, meetingID: id, selfID: client.user!.userID,
 *                                local, ...(await client.getIceConfig()) });
 *   room.on('stream', ({ userID, stream }) => { videoOf(userID).srcObject = stream; });
 *   room.on('left', ({ userID }) => removeVideo(userID));
 *   room.on('health', ({ state, reason }) => {   // connected | retrying | failed (+ reason)
 *     if (state !== 'retrying') void client.reportCallMedia(callID, state);
 *   });
 *   room.start(members);
 *
 * The member who enters opens a link to each member already there; those members answer. Which
 * side is polite (yields when offers cross) is decided by comparing user IDs.
 */
import type { ClientEvents } from '../client.js';
import type { IceServer, IceTransportPolicy, SignalKind, SignalPayload } from '../../protocol/messages.js';
import { TypedEmitter } from '../../shared/typed-emitter.js';
import { systemTimers, type Timers } from '../request-queue.js';
import { DEFAULT_MEDIA_TIMEOUT_MS, MediaHealth, type MediaHealthReason, type MediaHealthState } from './health.js';
import type { LocalMedia } from './local-media.js';
import { PeerLink } from './peer.js';

/** The part of CallClient a room uses. */
export interface RoomSignalling {
  signal(meetingID: number, to: string, kind: SignalKind, payload: SignalPayload): Promise<void>;
  on<E extends keyof ClientEvents>(event: E, fn: (...args: ClientEvents[E]) => void): () => void;
}

export interface MediaRoomOptions {
  client: RoomSignalling;
  meetingID: number;
  selfID: string;
  /** What to send; null for receive-only. */
  local: LocalMedia | null;
  iceServers?: IceServer[];
  /** 'relay': TURN relays only (what `ice.servers` says when the operator set --ice-relay-only). */
  iceTransportPolicy?: IceTransportPolicy;
  /**
   * How long a link may go without media after it was made, or after its ICE restart, before it
   * is in trouble (see MediaHealth and the `health` event). Default 10 s.
   */
  mediaTimeoutMs?: number;
  /** Timers for the media deadlines (tests); defaults to the global ones. */
  timers?: Timers;
  /** Makes the RTCPeerConnection (tests and other runtimes); defaults to the global one. */
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
}

export type MediaRoomEvents = {
  /** A member's stream gained a track (first audio, first video, or a device opened later). */
  stream: [{ userID: string; stream: MediaStream; track: MediaStreamTrack }];
  /** A member's peer connection changed state (new, connecting, connected, disconnected, failed, closed). */
  connection: [{ userID: string; state: RTCPeerConnectionState }];
  /**
   * Whether media flows with a member: 'connected' once it does; 'retrying' when none flowed in
   * time (or ICE failed, or gathered no candidate) and ICE is being restarted, once; 'failed' when
   * the retry did not help either (the link stays open: it may still come back). `reason` says
   * why for 'retrying' and 'failed'.
   */
  health: [{ userID: string; state: Exclude<MediaHealthState, 'checking'>; reason: MediaHealthReason | null }];
  /** A member left the room (or the room closed): drop their video. */
  left: [{ userID: string }];
  /** The room ended: closed by us, or the meeting was stopped. */
  closed: [{ reason: 'closed' | 'stopped' }];
  /** Something failed on one link; the others carry on. */
  error: [{ userID: string; error: unknown }];
  listenerError: [unknown];
};

/** Whether `self` is the polite side towards `peer`: the smaller user ID yields. */
export function isPolite(self: string, peer: string): boolean {
  return self < peer;
}

export class MediaRoom extends TypedEmitter<MediaRoomEvents> {
  readonly meetingID: number;
  readonly selfID: string;
  private readonly links = new Map<string, PeerLink>();
  private readonly health = new Map<string, MediaHealth>();
  private readonly offs: (() => void)[] = [];
  private readonly makePC: (config: RTCConfiguration) => RTCPeerConnection;
  private readonly config: RTCConfiguration;
  private closed = false;
  /** The screen sent instead of the camera while it is shared. */
  private screen: MediaStreamTrack | null = null;

  constructor(private readonly o: MediaRoomOptions) {
    super((err) => {
      if (err !== undefined) queueMicrotask(() => this.emit('listenerError', err));
    });
    this.meetingID = o.meetingID;
    this.selfID = o.selfID;
    this.config = {
      iceServers: (o.iceServers ?? []).map((s) => ({ ...s })),
      ...(o.iceTransportPolicy === 'relay' ? { iceTransportPolicy: 'relay' as const } : {}),
    };
    const G = (globalThis as { RTCPeerConnection?: new (c: RTCConfiguration) => RTCPeerConnection }).RTCPeerConnection;
    const make = o.createPeerConnection ?? (G ? (c: RTCConfiguration) => new G(c) : null);
    if (!make) throw new Error('MediaRoom needs WebRTC: no RTCPeerConnection here (pass createPeerConnection)');
    this.makePC = make;
    const c = o.client;
    this.offs.push(
      c.on('meeting.memberJoined', (e) => {
        if (e.meetingID === this.meetingID && e.member.userID !== this.selfID) this.link(e.member.userID);
      }),
      c.on('meeting.memberLeft', (e) => {
        if (e.meetingID === this.meetingID) this.drop(e.userID);
      }),
      c.on('meeting.signal', (e) => {
        if (e.meetingID !== this.meetingID || this.closed) return;
        this.link(e.from).handleSignal(e.kind, e.payload);
      }),
      c.on('meeting.stopped', (e) => {
        if (e.meetingID === this.meetingID) this.shutdown('stopped');
      }),
      c.on('closed', () => this.shutdown('closed')),
    );
    if (o.local) {
      const local = o.local;
      this.offs.push(
        local.on('track', (t) => {
          // While the screen is shared, a camera opened later waits for the share's end.
          if (t.kind === 'video' && this.screen) return;
          for (const l of this.links.values()) {
            l.attach(t).catch((error: unknown) => this.emit('error', { userID: l.peerID, error }));
          }
        }),
        local.on('replaced', (kind, t) => {
          if (!(kind === 'video' && this.screen)) void this.replaceTrack(kind, t);
        }),
      );
    }
  }

  /** Connects to the members already in the room (the `members` from enterMeeting). */
  start(members: { userID: string }[]): void {
    for (const m of members) {
      if (m.userID === this.selfID || this.links.has(m.userID)) continue;
      this.link(m.userID).open();
    }
  }

  /** The user IDs this room has a link to. */
  get peers(): string[] {
    return [...this.links.keys()];
  }

  /** The stream a member sends us (possibly still without tracks). */
  streamOf(userID: string): MediaStream | null {
    return this.links.get(userID)?.stream ?? null;
  }

  connectionState(userID: string): RTCPeerConnectionState | null {
    return this.links.get(userID)?.connectionState ?? null;
  }

  /** Whether media flows with a member (see the `health` event); null without a link. */
  healthOf(userID: string): MediaHealthState | null {
    return this.health.get(userID)?.state ?? null;
  }

  /** The candidate types of the link's selected pair (e.g. both 'relay' with relay-only media), or null. */
  async selectedCandidateTypes(userID: string): Promise<{ local: string; remote: string } | null> {
    const l = this.links.get(userID);
    return l ? l.selectedCandidateTypes() : null;
  }

  /** Sends `track` (or nothing) on every link in place of what it sends of that kind (see PeerLink.replace). */
  async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.replace(kind, track).catch((error: unknown) => this.emit('error', { userID: l.peerID, error }))));
  }

  /** The screen being sent in place of the camera, if any. */
  get screenTrack(): MediaStreamTrack | null {
    return this.screen;
  }

  /**
   * Sends `track` (a screen from getDisplayMedia) to everyone in place of the camera, also on
   * links made later, until stopScreen(); switching or opening the camera meanwhile waits for it.
   */
  async shareScreen(track: MediaStreamTrack): Promise<void> {
    this.screen = track;
    await this.replaceTrack('video', track);
  }

  /** Back to the camera (or no video, if there is none). */
  async stopScreen(): Promise<void> {
    if (!this.screen) return;
    this.screen = null;
    await this.replaceTrack('video', this.o.local?.track('video') ?? null);
  }

  /** WebRTC statistics of the link to a member (inbound-rtp shows what arrives). */
  async getStats(userID: string): Promise<RTCStatsReport | null> {
    const l = this.links.get(userID);
    return l ? l.getStats() : null;
  }

  private link(peerID: string): PeerLink {
    let l = this.links.get(peerID);
    if (l) return l;
    const pc = this.makePC(this.config);
    l = new PeerLink({
      peerID,
      polite: isPolite(this.selfID, peerID),
      pc,
      local: this.o.local,
      send: (kind, payload) => {
        this.o.client.signal(this.meetingID, peerID, kind, payload).catch((error: unknown) => {
          // The peer may have just left; that is not worth reporting.
          if (this.links.has(peerID)) this.emit('error', { userID: peerID, error });
        });
      },
      onTrack: (track, stream) => this.emit('stream', { userID: peerID, stream, track }),
      onState: (state) => {
        // A link made while the screen is shared starts with the camera: switch it once connected.
        if (state === 'connected' && this.screen) void l!.replace('video', this.screen).catch((error: unknown) => this.emit('error', { userID: peerID, error }));
        this.emit('connection', { userID: peerID, state });
      },
      onIceChange: () => this.health.get(peerID)?.changed(),
      onError: (error) => this.emit('error', { userID: peerID, error }),
    });
    this.links.set(peerID, l);
    const h = new MediaHealth(l, {
      timeoutMs: this.o.mediaTimeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS,
      timers: this.o.timers ?? systemTimers,
      report: (state, reason) => {
        if (this.health.get(peerID) === h) this.emit('health', { userID: peerID, state, reason });
      },
    });
    this.health.set(peerID, h);
    h.start();
    return l;
  }

  private drop(userID: string): void {
    const l = this.links.get(userID);
    if (!l) return;
    this.links.delete(userID);
    this.health.get(userID)?.stop();
    this.health.delete(userID);
    l.close();
    this.emit('left', { userID });
  }

  private shutdown(reason: 'closed' | 'stopped'): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.offs) off();
    for (const id of [...this.links.keys()]) this.drop(id);
    this.emit('closed', { reason });
  }

  /** Hangs up every link (call after or instead of leaving the meeting). Local devices are not stopped. */
  close(): void {
    this.shutdown('closed');
  }
}
