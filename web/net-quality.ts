/**
 * The network quality indicator of the call screen: every 2 s, from each remote member's
 * `getStats()` (the selected candidate pair's round-trip time, inbound packets lost and received
 * since the last reading, audio jitter), a grade (good, fair, poor) with its figures; in a room,
 * the worst member's. `grade` is the rule; `NetQuality` reads the stats and shows it.
 */
import type { MediaRoom } from '../src/sdk/media/room.js';
import { byId } from './dom.js';
import { t } from './i18n.js';

export type Grade = 'good' | 'fair' | 'poor';

export interface Reading {
  /** Round-trip time (ms), or null before the pair has measured one. */
  rttMs: number | null;
  /** Share of inbound packets lost since the last reading (0..1). */
  loss: number;
  /** Audio jitter (ms), or null without inbound audio. */
  jitterMs: number | null;
}

/** Limits of each grade, after common VoIP guidance (ITU-T G.114 for delay; loss and jitter as WebRTC apps show them). */
const GOOD = { rttMs: 300, loss: 0.02, jitterMs: 30 };
const FAIR = { rttMs: 600, loss: 0.08, jitterMs: 80 };

export function grade(r: Reading): Grade {
  const within = (lim: typeof GOOD) => (r.rttMs ?? 0) <= lim.rttMs && r.loss <= lim.loss && (r.jitterMs ?? 0) <= lim.jitterMs;
  return within(GOOD) ? 'good' : within(FAIR) ? 'fair' : 'poor';
}

const ORDER: Grade[] = ['good', 'fair', 'poor'];

interface Counters {
  lost: number;
  received: number;
}

/** The counters and figures of one report (the loss is worked out from two readings). */
export function readReport(report: RTCStatsReport): { counters: Counters; rttMs: number | null; jitterMs: number | null } {
  let rttMs: number | null = null;
  let jitterMs: number | null = null;
  const counters = { lost: 0, received: 0 };
  report.forEach((s: Record<string, unknown>) => {
    if (s.type === 'candidate-pair' && s.state === 'succeeded' && (s.nominated === true || s.selected === true) && typeof s.currentRoundTripTime === 'number') {
      rttMs = Math.round(s.currentRoundTripTime * 1000);
    } else if (s.type === 'inbound-rtp') {
      counters.lost += Math.max(0, Number(s.packetsLost ?? 0));
      counters.received += Number(s.packetsReceived ?? 0);
      if (s.kind === 'audio' && typeof s.jitter === 'number') jitterMs = Math.round(s.jitter * 1000);
    }
  });
  return { counters, rttMs, jitterMs };
}

export class NetQuality {
  private readonly el = byId('net-quality');
  private timer: ReturnType<typeof setInterval> | null = null;
  private last = new Map<string, Counters>();
  private shown: { grade: Grade; r: Reading } | null = null;

  /** Reads `room`'s members every 2 s until stop(). */
  start(room: MediaRoom, members: () => string[]): void {
    this.stop();
    const tick = async () => {
      let worst: { grade: Grade; r: Reading } | null = null;
      for (const userID of members()) {
        const report = await room.getStats(userID).catch(() => null);
        if (!report) continue;
        const { counters, rttMs, jitterMs } = readReport(report);
        const before = this.last.get(userID) ?? { lost: 0, received: 0 };
        this.last.set(userID, counters);
        const lost = counters.lost - before.lost;
        const got = counters.received - before.received;
        const r: Reading = { rttMs, loss: lost + got > 0 ? lost / (lost + got) : 0, jitterMs };
        const g = grade(r);
        if (!worst || ORDER.indexOf(g) > ORDER.indexOf(worst.grade)) worst = { grade: g, r };
      }
      if (this.timer === null) return;
      this.shown = worst;
      this.render();
    };
    this.timer = setInterval(() => void tick(), 2000);
    void tick();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.last = new Map();
    this.shown = null;
    this.render();
  }

  render(): void {
    const s = this.shown;
    this.el.hidden = s === null || s.r.rttMs === null;
    if (!s || s.r.rttMs === null) return;
    this.el.dataset.quality = s.grade;
    const figures = t('netFigures', { rtt: s.r.rttMs, loss: (s.r.loss * 100).toFixed(1), jitter: s.r.jitterMs ?? 0 });
    this.el.textContent = `${t(s.grade === 'good' ? 'netGood' : s.grade === 'fair' ? 'netFair' : 'netPoor')} · ${figures}`;
  }
}
