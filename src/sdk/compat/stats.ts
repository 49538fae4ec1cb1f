/**
 * MicEnergyUpdate and NetStateChanged from the peer connections' statistics, once a second
 * while the facade is in a room with media: each member's audio level (inbound-rtp `audioLevel`;
 * ours from the media-source) on a 0–10 scale, and one network level 0–10 for this client from
 * the worst link's round-trip time and packet loss.
 */
import type { MediaRoom } from '../media/room.js';

export interface StatsHooks {
  energy(userID: string, oldLevel: number, newLevel: number): void;
  net(level: number): void;
}

/** 10 is a good network; each 100 ms of round trip over 100 ms, and each 2 % of loss, takes one off. */
export function netLevel(rttSeconds: number, lossFraction: number): number {
  const byRtt = Math.max(0, Math.ceil((rttSeconds * 1000 - 100) / 100));
  const byLoss = Math.ceil(Math.max(0, lossFraction) * 50);
  return Math.max(0, Math.min(10, 10 - byRtt - byLoss));
}

export function energyLevel(audioLevel: number): number {
  return Math.max(0, Math.min(10, Math.round(Math.sqrt(Math.max(0, audioLevel)) * 10)));
}

export class StatsPoller {
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly energy = new Map<string, number>();
  private net = -1;

  constructor(private readonly hooks: StatsHooks, private readonly everyMs = 1000) {}

  start(room: MediaRoom, selfID: string): void {
    this.stop();
    const t = setInterval(() => void this.poll(room, selfID), this.everyMs);
    (t as { unref?: () => void }).unref?.();
    this.timer = t;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.energy.clear();
    this.net = -1;
  }

  /** A link gave up on media (MediaRoom `health` 'failed'): the network level is 0 now. */
  failed(): void {
    if (this.timer === null || this.net === 0) return;
    this.net = 0;
    this.hooks.net(0);
  }

  private setEnergy(userID: string, level: number): void {
    const old = this.energy.get(userID) ?? 0;
    if (old === level) return;
    this.energy.set(userID, level);
    this.hooks.energy(userID, old, level);
  }

  private async poll(room: MediaRoom, selfID: string): Promise<void> {
    let worst = 10;
    let self = 0;
    for (const peer of room.peers) {
      if (room.healthOf(peer) === 'failed') {
        // No media with this member: nothing to measure, and the network is as bad as it gets.
        worst = 0;
        continue;
      }
      const report = await room.getStats(peer).catch(() => null);
      if (!report || this.timer === null) continue;
      let level = 0;
      let rtt = 0;
      let lost = 0;
      let received = 0;
      report.forEach((s: Record<string, unknown>) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          level = energyLevel(Number(s.audioLevel ?? 0));
          lost += Number(s.packetsLost ?? 0);
          received += Number(s.packetsReceived ?? 0);
        }
        if (s.type === 'media-source' && s.kind === 'audio') self = Math.max(self, energyLevel(Number(s.audioLevel ?? 0)));
        if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') rtt = s.currentRoundTripTime;
      });
      this.setEnergy(peer, level);
      worst = Math.min(worst, netLevel(rtt, received + lost > 0 ? lost / (received + lost) : 0));
    }
    if (this.timer === null) return;
    this.setEnergy(selfID, self);
    if (room.peers.length > 0 && worst !== this.net) {
      this.net = worst;
      this.hooks.net(worst);
    }
  }
}
