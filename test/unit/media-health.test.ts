/**
 * MediaHealth on a scripted link and a hand-moved clock: the deadline after the link is made,
 * the one ICE restart, the reasons, and what counts as media flowing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaHealth, type HealthLink } from '../../src/sdk/media/health.js';
import type { Timers } from '../../src/sdk/request-queue.js';
import { FakeClock } from '../helpers/fake-clock.js';

class FakeLink implements HealthLink {
  connectionState: RTCPeerConnectionState = 'new';
  iceConnectionState: RTCIceConnectionState = 'new';
  gatheredNothing = false;
  localCandidates = 0;
  bytes = 0;
  restarts = 0;
  async mediaFlows(): Promise<boolean> {
    return this.bytes > 0;
  }
  restartIce(): void {
    this.restarts++;
    this.gatheredNothing = false;
    this.localCandidates = 0;
  }
}

function setup(timeoutMs = 10_000) {
  const clock = new FakeClock();
  const timers: Timers = {
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (h) => (h as { cancel(): void }).cancel(),
  };
  const link = new FakeLink();
  const reports: [string, string | null][] = [];
  const h = new MediaHealth(link, { timeoutMs, timers, report: (s, r) => reports.push([s, r]) });
  h.start();
  return { clock, link, reports, h };
}

/** Lets the pending getStats promise settle. */
const settle = () => new Promise<void>((r) => setImmediate(r));

test('media health: connected once the link is connected and inbound bytes arrive; no restart', async () => {
  const { clock, link, reports, h } = setup();
  link.localCandidates = 3;
  link.connectionState = 'connected';
  link.iceConnectionState = 'connected';
  h.changed();
  await settle();
  assert.deepEqual(reports, [], 'connected, but no bytes yet');
  link.bytes = 1200;
  clock.advance(250);
  await settle();
  assert.deepEqual(reports, [['connected', null]]);
  assert.equal(h.state, 'connected');
  clock.advance(60_000);
  assert.equal(link.restarts, 0);
  assert.equal(clock.pending, 0, 'nothing left to time');
});

test('media health: gathering that ends with no candidate restarts ICE once, then fails (no-candidates)', () => {
  const { clock, link, reports, h } = setup();
  link.gatheredNothing = true;
  h.changed();
  assert.deepEqual(reports, [['retrying', 'no-candidates']]);
  assert.equal(link.restarts, 1);
  // Until the new generation's gathering ends, the old result does not count.
  h.changed();
  assert.deepEqual(reports, [['retrying', 'no-candidates']]);
  link.gatheredNothing = true;
  h.changed();
  assert.deepEqual(reports, [['retrying', 'no-candidates'], ['failed', 'no-candidates']]);
  assert.equal(h.state, 'failed');
  assert.equal(link.restarts, 1, 'one retry only');
  assert.equal(clock.pending, 0);
});

test('media health: no media within the bound after the link was made, and after the restart: retrying, then failed', () => {
  const { clock, link, reports } = setup(10_000);
  link.localCandidates = 2;
  link.connectionState = 'connecting';
  clock.advance(9_999);
  assert.deepEqual(reports, []);
  clock.advance(1);
  assert.deepEqual(reports, [['retrying', 'ice-failed']]);
  assert.equal(link.restarts, 1);
  link.localCandidates = 2;
  clock.advance(10_000);
  assert.deepEqual(reports, [['retrying', 'ice-failed'], ['failed', 'ice-failed']]);
});

test('media health: connected without inbound RTP is no-media; ICE failed is ice-failed at once', async () => {
  const a = setup(5_000);
  a.link.localCandidates = 1;
  a.link.connectionState = 'connected';
  a.h.changed();
  await settle();
  a.clock.advance(5_000);
  await settle();
  assert.deepEqual(a.reports[0], ['retrying', 'no-media']);

  const b = setup();
  b.link.localCandidates = 1;
  b.link.iceConnectionState = 'failed';
  b.h.changed();
  assert.deepEqual(b.reports, [['retrying', 'ice-failed']]);
});

test('media health: a link that carried media and fails later gets a restart of its own; back to connected', async () => {
  const { clock, link, reports, h } = setup();
  link.localCandidates = 1;
  link.connectionState = 'connected';
  link.bytes = 10;
  h.changed();
  await settle();
  assert.deepEqual(reports, [['connected', null]]);
  link.connectionState = 'failed';
  h.changed();
  assert.deepEqual(reports.at(-1), ['retrying', 'ice-failed']);
  link.connectionState = 'connected';
  link.bytes = 20;
  h.changed();
  await settle();
  assert.deepEqual(reports.at(-1), ['connected', null]);
  assert.equal(link.restarts, 1);
  h.stop();
  assert.equal(clock.pending, 0);
});

test('media health: stop() ends the watch: no report, no timer', () => {
  const { clock, link, reports, h } = setup();
  h.stop();
  link.gatheredNothing = true;
  h.changed();
  clock.advance(60_000);
  assert.deepEqual(reports, []);
  assert.equal(clock.pending, 0);
});
