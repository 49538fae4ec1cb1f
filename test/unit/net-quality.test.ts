import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grade, readReport } from '../../web/net-quality.js';

test('network grade: good, fair and poor by round trip, loss and jitter; the worst figure decides', () => {
  const cases: [Parameters<typeof grade>[0], string][] = [
    [{ rttMs: 20, loss: 0, jitterMs: 3 }, 'good'],
    [{ rttMs: 300, loss: 0.02, jitterMs: 30 }, 'good'],
    [{ rttMs: null, loss: 0, jitterMs: null }, 'good'],
    [{ rttMs: 301, loss: 0, jitterMs: 3 }, 'fair'],
    [{ rttMs: 20, loss: 0.05, jitterMs: 3 }, 'fair'],
    [{ rttMs: 20, loss: 0, jitterMs: 60 }, 'fair'],
    [{ rttMs: 601, loss: 0, jitterMs: 3 }, 'poor'],
    [{ rttMs: 20, loss: 0.2, jitterMs: 3 }, 'poor'],
    [{ rttMs: 20, loss: 0, jitterMs: 81 }, 'poor'],
  ];
  for (const [r, want] of cases) assert.equal(grade(r), want, JSON.stringify(r));
});

test('a stats report: the selected pair round trip, inbound counters summed over audio and video, audio jitter', () => {
  const report = new Map<string, Record<string, unknown>>([
    ['p1', { type: 'candidate-pair', state: 'succeeded', nominated: false, currentRoundTripTime: 0.9 }],
    ['p2', { type: 'candidate-pair', state: 'succeeded', nominated: true, currentRoundTripTime: 0.042 }],
    ['a', { type: 'inbound-rtp', kind: 'audio', packetsLost: 3, packetsReceived: 97, jitter: 0.012 }],
    ['v', { type: 'inbound-rtp', kind: 'video', packetsLost: -1, packetsReceived: 400 }],
    ['o', { type: 'outbound-rtp', kind: 'video', packetsSent: 999 }],
  ]) as unknown as RTCStatsReport;
  assert.deepEqual(readReport(report), { counters: { lost: 3, received: 497 }, rttMs: 42, jitterMs: 12 });
});
