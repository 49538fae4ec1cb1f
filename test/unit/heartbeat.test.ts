import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Heartbeat } from '../../src/sdk/heartbeat.js';
import { CallroomError } from '../../src/protocol/errors.js';
import type { Timers } from '../../src/sdk/request-queue.js';
import { FakeClock } from '../helpers/fake-clock.js';

function timersOf(clock: FakeClock): Timers {
  return {
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (h) => (h as { cancel(): void }).cancel(),
  };
}

/** Lets the promise callbacks of answered pings run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

test('a heartbeat whose pings are answered keeps going and never reports the connection dead', async () => {
  const clock = new FakeClock();
  let pings = 0;
  let dead = 0;
  const hb = new Heartbeat({ intervalMs: 1000, timeoutMs: 500 }, async () => void pings++, () => dead++, timersOf(clock));
  hb.start();
  for (let i = 0; i < 5; i++) {
    clock.advance(1000);
    await settle();
  }
  assert.equal(pings, 5);
  assert.equal(dead, 0);
  hb.stop();
});

test('an unanswered ping reports the connection dead once, at its deadline (within interval + timeout)', async () => {
  const clock = new FakeClock();
  let answer = true;
  const deadAt: number[] = [];
  const ping = () => (answer ? Promise.resolve() : new Promise<void>(() => undefined));
  const hb = new Heartbeat({ intervalMs: 1000, timeoutMs: 500 }, ping, () => deadAt.push(clock.now()), timersOf(clock));
  const t0 = clock.now();
  hb.start();
  clock.advance(1000);
  await settle();
  answer = false; // the line goes silent right after an answered ping
  clock.advance(1499);
  assert.deepEqual(deadAt, []);
  clock.advance(1);
  assert.deepEqual(deadAt, [t0 + 2500]);
  assert.equal(hb.running, false);
  clock.advance(10_000);
  assert.equal(deadAt.length, 1, 'reported once');
});

test('an error answer to a ping still shows the connection alive; a ping failed by its socket does not', async () => {
  const clock = new FakeClock();
  let dead = 0;
  let failWith: CallroomError = new CallroomError('RATE_LIMITED');
  const hb = new Heartbeat({ intervalMs: 100, timeoutMs: 50 }, () => Promise.reject(failWith), () => dead++, timersOf(clock));
  hb.start();
  clock.advance(100);
  await settle();
  clock.advance(100);
  await settle();
  assert.equal(dead, 0, 'an error response is an answer');
  failWith = new CallroomError('CONNECTION_ERROR', 'connection closed');
  clock.advance(100);
  await settle();
  clock.advance(50);
  assert.equal(dead, 1, 'no answer: the deadline decides');
});

test('stop() cancels a pending deadline: a stopped heartbeat reports nothing', () => {
  const clock = new FakeClock();
  let dead = 0;
  const hb = new Heartbeat({ intervalMs: 100, timeoutMs: 50 }, () => new Promise(() => undefined), () => dead++, timersOf(clock));
  hb.start();
  clock.advance(120);
  hb.stop();
  clock.advance(1000);
  assert.equal(dead, 0);
});

test('any frame received counts as an answer: a ping reply queued behind events does not make the line dead', () => {
  const clock = new FakeClock();
  let dead = 0;
  const hb = new Heartbeat({ intervalMs: 100, timeoutMs: 50 }, () => new Promise(() => undefined), () => dead++, timersOf(clock));
  hb.start();
  for (let i = 0; i < 10; i++) {
    clock.advance(140); // the ping went out at +100; a frame comes in before its deadline
    hb.noteTraffic();
  }
  assert.equal(dead, 0);
  clock.advance(200);
  assert.equal(dead, 1, 'silence after the traffic: the deadline decides');
});
