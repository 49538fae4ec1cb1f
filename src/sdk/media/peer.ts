/**
 * PeerLink: one RTCPeerConnection to one other member of a room, negotiated with the
 * "perfect negotiation" pattern (W3C WebRTC §10.7): either side may make an offer at any time
 * (a device opened later, an ICE restart); when two offers cross, the impolite side ignores the
 * other's offer and the polite side rolls its own back and answers.
 *
 * One audio and one video transceiver carry the media each way. The side that opens the link
 * (the member who just entered) creates them; the other side attaches its tracks to the
 * transceivers the offer made before it answers, so a call needs a single offer/answer.
 */
import type { SignalKind, SignalPayload } from '../../protocol/messages.js';
import type { MediaKind } from './local-media.js';

export interface LocalTracks {
  track(kind: MediaKind): MediaStreamTrack | null;
  readonly stream: MediaStream;
}

export interface PeerLinkOptions {
  peerID: string;
  /** The polite side yields when offers cross. Exactly one side of a pair is polite. */
  polite: boolean;
  pc: RTCPeerConnection;
  local: LocalTracks | null;
  send(kind: SignalKind, payload: SignalPayload): void;
  onTrack(track: MediaStreamTrack, stream: MediaStream): void;
  onState(state: RTCPeerConnectionState): void;
  /** ICE gathering, ICE connection or connection state changed (MediaHealth reads them). */
  onIceChange?(): void;
  onError(err: unknown): void;
}

const KINDS: MediaKind[] = ['audio', 'video'];

function kindOf(t: RTCRtpTransceiver): string {
  return t.receiver.track.kind;
}

export class PeerLink {
  /** What this member sends us: its audio and video tracks as they arrive. */
  readonly stream: MediaStream;
  readonly peerID: string;
  readonly polite: boolean;
  private readonly pc: RTCPeerConnection;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** Local candidates of the current ICE generation (reset by restartIce). */
  private candidates = 0;
  private _gatheredNothing = false;

  constructor(private readonly o: PeerLinkOptions) {
    this.peerID = o.peerID;
    this.polite = o.polite;
    this.pc = o.pc;
    this.stream = new MediaStream();
    const pc = this.pc;
    pc.onnegotiationneeded = () => void this.negotiate();
    pc.onicecandidate = (e) => {
      // End-of-candidates is implied; only real candidates are sent.
      if (e.candidate && e.candidate.candidate) {
        this.candidates++;
        o.send('candidate', e.candidate.toJSON() as SignalPayload);
      }
    };
    pc.onicegatheringstatechange = () => {
      const g = pc.iceGatheringState;
      // A new generation (ours restarted, or the peer's offer restarted ICE) counts afresh.
      if (g === 'gathering') {
        this.candidates = 0;
        this._gatheredNothing = false;
      } else if (g === 'complete') this._gatheredNothing = this.candidates === 0;
      o.onIceChange?.();
    };
    pc.oniceconnectionstatechange = () => o.onIceChange?.();
    pc.ontrack = (e) => {
      const t = e.track;
      if (!this.stream.getTracks().includes(t)) this.stream.addTrack(t);
      t.addEventListener('ended', () => this.stream.removeTrack(t));
      o.onTrack(t, this.stream);
    };
    // A failed connection is restarted by MediaHealth (once), not here.
    pc.onconnectionstatechange = () => {
      o.onState(pc.connectionState);
      o.onIceChange?.();
    };
  }

  get connectionState(): RTCPeerConnectionState {
    return this.pc.connectionState;
  }

  get iceConnectionState(): RTCIceConnectionState {
    return this.pc.iceConnectionState;
  }

  /** ICE gathering of the current generation completed without a single local candidate. */
  get gatheredNothing(): boolean {
    return this._gatheredNothing;
  }

  /** Local candidates gathered in the current ICE generation. */
  get localCandidates(): number {
    return this.candidates;
  }

  /** Restarts ICE: new credentials and candidates, by a new offer (perfect negotiation). */
  restartIce(): void {
    if (this.closed) return;
    this.candidates = 0;
    this._gatheredNothing = false;
    this.pc.restartIce();
  }

  /**
   * Whether media arrives: bytes on the inbound RTP streams, or nothing negotiated to arrive (the
   * peer has no device to send from, so there is nothing to wait for).
   */
  async mediaFlows(): Promise<boolean> {
    const expected = this.pc.getTransceivers().some((t) => t.currentDirection === 'sendrecv' || t.currentDirection === 'recvonly');
    if (!expected) return true;
    const report = await this.pc.getStats();
    let n = 0;
    report.forEach((s: { type?: string; bytesReceived?: number }) => {
      if (s.type === 'inbound-rtp') n += Number(s.bytesReceived ?? 0);
    });
    return n > 0;
  }

  /** The selected candidate pair's local and remote candidate types (host, srflx, prflx, relay), or null. */
  async selectedCandidateTypes(): Promise<{ local: string; remote: string } | null> {
    const report = await this.pc.getStats();
    let pairID: string | undefined;
    report.forEach((s: { type?: string; selectedCandidatePairId?: string }) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairID = s.selectedCandidatePairId;
    });
    const pair = pairID ? (report.get(pairID) as { localCandidateId?: string; remoteCandidateId?: string } | undefined) : undefined;
    if (!pair || !pair.localCandidateId || !pair.remoteCandidateId) return null;
    const local = report.get(pair.localCandidateId) as { candidateType?: string } | undefined;
    const remote = report.get(pair.remoteCandidateId) as { candidateType?: string } | undefined;
    return { local: local?.candidateType ?? 'unknown', remote: remote?.candidateType ?? 'unknown' };
  }

  /** Starts negotiation from this side: one transceiver per kind, sending what we have. */
  open(): void {
    const local = this.o.local;
    for (const kind of KINDS) {
      const track = local?.track(kind) ?? null;
      this.pc.addTransceiver(track ?? kind, {
        direction: track ? 'sendrecv' : 'recvonly',
        streams: local ? [local.stream] : [],
      });
    }
  }

  private async negotiate(): Promise<void> {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      const d = this.pc.localDescription;
      if (d && !this.closed) this.o.send(d.type === 'offer' ? 'offer' : 'answer', { type: d.type, sdp: d.sdp });
    } catch (err) {
      if (!this.closed) this.o.onError(err);
    } finally {
      this.makingOffer = false;
    }
  }

  /** Handles one signal from this peer; signals are applied one after another, in order. */
  handleSignal(kind: SignalKind, payload: SignalPayload): void {
    this.queue = this.queue
      .then(() => this.apply(kind, payload))
      .catch((err: unknown) => {
        if (!this.closed) this.o.onError(err);
      });
  }

  private async apply(kind: SignalKind, payload: SignalPayload): Promise<void> {
    if (this.closed || payload === null) return;
    const pc = this.pc;
    if (kind === 'candidate') {
      try {
        await pc.addIceCandidate(payload as RTCIceCandidateInit);
      } catch (err) {
        if (!this.ignoreOffer) throw err;
      }
      return;
    }
    const description = payload as RTCSessionDescriptionInit;
    const readyForOffer = !this.makingOffer && (pc.signalingState === 'stable' || this.settingRemoteAnswer);
    const offerCollision = description.type === 'offer' && !readyForOffer;
    this.ignoreOffer = !this.polite && offerCollision;
    if (this.ignoreOffer) return;
    this.settingRemoteAnswer = description.type === 'answer';
    try {
      await pc.setRemoteDescription(description);
    } finally {
      this.settingRemoteAnswer = false;
    }
    if (description.type !== 'offer' || this.closed) return;
    await this.attachToOffered();
    await pc.setLocalDescription();
    const d = pc.localDescription;
    if (d && !this.closed) this.o.send('answer', { type: d.type, sdp: d.sdp });
  }

  /**
   * Before answering: put our tracks on the transceivers the offer made, so we send too. A track
   * still on a transceiver of ours that was never negotiated (our own offer crossed theirs and
   * was rolled back) moves to the offered one, and ours is dropped: one pair of m-lines, not two.
   */
  private async attachToOffered(): Promise<void> {
    const local = this.o.local;
    if (!local) return;
    for (const kind of KINDS) {
      const track = local.track(kind);
      if (!track) continue;
      const list = this.pc.getTransceivers().filter((t) => t.direction !== 'stopped' && kindOf(t) === kind);
      if (list.some((t) => t.mid !== null && t.sender.track === track)) continue;
      const offered = list.find((t) => t.mid !== null && t.sender.track === null);
      if (!offered) continue;
      await this.sendOn(offered, track);
      for (const t of list) if (t.mid === null && t.sender.track === track) t.stop();
    }
  }

  /**
   * Starts sending `track` (a device opened after the link was made): on the transceiver of its
   * kind when there is one, which renegotiates if its direction changes. A link that has no
   * transceiver yet waits for the other side's offer (attachToOffered takes the track then):
   * one made now would be a second offer crossing theirs.
   */
  async attach(track: MediaStreamTrack): Promise<void> {
    if (this.closed) return;
    const all = this.pc.getTransceivers().filter((t) => t.direction !== 'stopped');
    const list = all.filter((t) => kindOf(t) === track.kind);
    if (list.some((t) => t.sender.track === track)) return;
    const tr = list.find((t) => t.sender.track === null);
    if (!tr) {
      if (all.length > 0) this.pc.addTransceiver(track, { direction: 'sendrecv', streams: this.o.local ? [this.o.local.stream] : [] });
      return;
    }
    await this.sendOn(tr, track);
  }

  /** Sends `track` on `tr`, which then sends as well as it receives (a renegotiation if it did not). */
  private async sendOn(tr: RTCRtpTransceiver, track: MediaStreamTrack): Promise<void> {
    await tr.sender.replaceTrack(track);
    if (this.o.local) tr.sender.setStreams?.(this.o.local.stream);
    if (tr.direction === 'recvonly') tr.direction = 'sendrecv';
    else if (tr.direction === 'inactive') tr.direction = 'sendonly';
  }

  /**
   * Sends `track` (or nothing) on the transceiver of its kind in place of what it sends now: a
   * screen share instead of the camera, or another camera. No renegotiation unless the
   * transceiver only received until now.
   */
  async replace(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
    if (this.closed) return;
    const tr = this.pc.getTransceivers().find((t) => t.direction !== 'stopped' && kindOf(t) === kind);
    if (!tr) {
      if (track) await this.attach(track);
      return;
    }
    await tr.sender.replaceTrack(track);
    if (track && tr.direction === 'recvonly') tr.direction = 'sendrecv';
    else if (track && tr.direction === 'inactive') tr.direction = 'sendonly';
  }

  getStats(): Promise<RTCStatsReport> {
    return this.pc.getStats();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pc.onnegotiationneeded = null;
    this.pc.onicecandidate = null;
    this.pc.ontrack = null;
    this.pc.onconnectionstatechange = null;
    this.pc.onicegatheringstatechange = null;
    this.pc.oniceconnectionstatechange = null;
    this.pc.close();
    for (const t of this.stream.getTracks()) this.stream.removeTrack(t);
  }
}
