/**
 * MediaHealth: whether media flows on one peer link, within a bounded time. A link that has not
 * carried media `timeoutMs` after it was made (after accept) is in trouble; so is one whose ICE
 * gathering ended with no local candidate (a TURN server that refuses our credentials with
 * relay-only media) or whose ICE failed. In trouble it restarts ICE once and waits `timeoutMs`
 * again; still in trouble, it reports `failed` and gives up. Media flows when the peer
 * connection is connected and the inbound RTP byte counters (getStats) are above zero (or the
 * peer sends nothing at all: a member without devices).
 *
 * A link that carried media and fails later gets one restart again (a changed network).
 */
import type { Timers } from '../request-queue.js';

/** Why media does not flow: no local ICE candidate at all, ICE did not connect, or connected without inbound RTP. */
export type MediaHealthReason = 'no-candidates' | 'ice-failed' | 'no-media';
export type MediaHealthState = 'checking' | 'connected' | 'retrying' | 'failed';

export const DEFAULT_MEDIA_TIMEOUT_MS = 10_000;
/** How often inbound bytes are read once the link is connected, until some arrived. */
export const MEDIA_POLL_MS = 250;

/** What the monitor reads of a link and may do to it (PeerLink). */
export interface HealthLink {
  readonly connectionState: RTCPeerConnectionState;
  readonly iceConnectionState: RTCIceConnectionState;
  /** ICE gathering of the current generation completed without a single local candidate. */
  readonly gatheredNothing: boolean;
  /** Local candidates gathered in the current generation. */
  readonly localCandidates: number;
  /**
   * Whether media arrives: inbound RTP bytes above zero, or nothing to wait for (the peer sends
   * nothing: no device, receive-only).
   */
  mediaFlows(): Promise<boolean>;
  restartIce(): void;
}

export interface MediaHealthOptions {
  timeoutMs: number;
  timers: Timers;
  report(state: Exclude<MediaHealthState, 'checking'>, reason: MediaHealthReason | null): void;
}

export class MediaHealth {
  private _state: MediaHealthState = 'checking';
  private restarted = false;
  private deadline: unknown = null;
  private poll: unknown = null;
  private polling = false;
  private stopped = false;

  constructor(private readonly link: HealthLink, private readonly o: MediaHealthOptions) {}

  get state(): MediaHealthState {
    return this._state;
  }

  /** Starts the clock (the link was just made). */
  start(): void {
    this.arm();
  }

  /** The link's ICE or connection state changed. */
  changed(): void {
    if (this.stopped) return;
    const l = this.link;
    if (this._state === 'connected') {
      if (l.connectionState === 'failed') this.trouble('ice-failed');
      return;
    }
    if (this._state === 'failed') {
      // Given up, but the link may still come back by itself: say so if media flows.
      if (l.connectionState === 'connected') this.startPolling();
      return;
    }
    if (l.gatheredNothing) this.trouble('no-candidates');
    else if (l.iceConnectionState === 'failed' || l.connectionState === 'failed') this.trouble('ice-failed');
    else if (l.connectionState === 'connected') this.startPolling();
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private arm(): void {
    if (this.deadline !== null) this.o.timers.clearTimeout(this.deadline);
    this.deadline = this.o.timers.setTimeout(() => {
      this.deadline = null;
      if (this.stopped || this._state === 'connected' || this._state === 'failed') return;
      const l = this.link;
      this.trouble(l.gatheredNothing || l.localCandidates === 0 ? 'no-candidates' : l.connectionState === 'connected' ? 'no-media' : 'ice-failed');
    }, this.o.timeoutMs);
  }

  private clear(): void {
    if (this.deadline !== null) this.o.timers.clearTimeout(this.deadline);
    if (this.poll !== null) this.o.timers.clearTimeout(this.poll);
    this.deadline = null;
    this.poll = null;
  }

  private trouble(reason: MediaHealthReason): void {
    this.clear();
    if (!this.restarted) {
      this.restarted = true;
      this._state = 'retrying';
      this.o.report('retrying', reason);
      this.link.restartIce();
      this.arm();
      return;
    }
    this._state = 'failed';
    this.o.report('failed', reason);
  }

  private startPolling(): void {
    if (this.polling || this.poll !== null) return;
    void this.check();
  }

  private async check(): Promise<void> {
    this.poll = null;
    this.polling = true;
    let flows = false;
    try {
      flows = await this.link.mediaFlows();
    } catch {
      flows = false;
    } finally {
      this.polling = false;
    }
    if (this.stopped || this._state === 'connected') return;
    if (flows && this.link.connectionState === 'connected') {
      this.clear();
      this._state = 'connected';
      // Media flowed: a later failure gets its own restart.
      this.restarted = false;
      this.o.report('connected', null);
      return;
    }
    if (this.link.connectionState === 'connected') this.poll = this.o.timers.setTimeout(() => void this.check(), MEDIA_POLL_MS);
  }
}
