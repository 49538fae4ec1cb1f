/**
 * Seeded fuzz: 100,000 hostile frames from many sockets while a monitored call runs. The server
 * must not crash, the call must not be disturbed, and every frame gets a response or an orderly
 * close with a documented code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { ErrorCodes } from '../../src/protocol/errors.js';
import { startServer, next } from '../helpers/server.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const SOCKETS = 25;
const FRAMES_PER_SOCKET = 4000;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPS = ['login', 'logout', 'ping', 'call.invite', 'call.accept', 'call.hangup', 'meeting.enter', 'meeting.signal', 'dnd.set', 'status.get', 'queue.join', 'queue.serve', 'queue.accept', 'queue.next', 'queue.mine', 'session.info', 'nope', '', '__proto__', 'constructor'];

function hostileFrame(rand: () => number, id: number): string | Buffer {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const str = (n: number) => Array.from({ length: n }, () => String.fromCharCode(Math.floor(rand() * 0xffff))).join('');
  switch (Math.floor(rand() * 10)) {
    case 0:
      return Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
    case 1:
      return str(1 + Math.floor(rand() * 40));
    case 2: {
      const depth = 1 + Math.floor(rand() * 5000);
      return '['.repeat(depth) + ']'.repeat(rand() < 0.5 ? depth : Math.floor(depth / 2));
    }
    case 3:
      return JSON.stringify({ id, op: pick(OPS) }).slice(0, Math.floor(rand() * 20));
    case 4:
      return JSON.stringify({ id, op: pick(OPS), callID: rand() < 0.5 ? 42 : null, meetingID: 'x', userIDs: {}, queID: pick([-1, 0, 2 ** 31, 1.5, 'x', null]), priority: 1e99 });
    case 5:
      return JSON.stringify({ id, op: pick(OPS), callID: 'x'.repeat(70_000) });
    case 6:
      return JSON.stringify({ id: rand() < 0.5 ? -1 : 'x', op: pick(OPS) });
    case 7:
      return JSON.stringify({ id, op: 'login', token: str(50) });
    case 8:
      return JSON.stringify({ id, op: pick(OPS), __proto__: { admin: true }, constructor: { prototype: 1 } });
    default:
      return JSON.stringify([id, pick(OPS)]);
  }
}

test(`fuzz: ${SOCKETS * FRAMES_PER_SOCKET} hostile frames (seed ${SEED}) get answers or orderly closes; a monitored call is undisturbed`, { timeout: 240_000 }, async () => {
  const ts = await startServer({ limits: { ratePerSecond: 0, loginTimeoutMs: 120_000 } });
  try {
    const alice = await ts.client('alice');
    const bob = await ts.client('bob');
    const m = await alice.createMeeting();
    const incoming = next(bob, 'call.incoming');
    const { callID } = await alice.call('bob', m);
    await incoming;
    await bob.accept(callID);
    let monitoredEvents = 0;
    alice.on('call.hungup', () => monitoredEvents++);
    bob.on('call.hungup', () => monitoredEvents++);

    const documented = new Set<number>([1000, 1009, ...Object.values(ErrorCodes).map((c) => 4000 + c)]);
    const rand = prng(SEED);
    let id = 1;
    const results = await Promise.all(
      Array.from({ length: SOCKETS }, async () => {
        const frames = Array.from({ length: FRAMES_PER_SOCKET }, () => hostileFrame(rand, id++));
        const ws = new WebSocket(ts.url.replace('http', 'ws') + '/v1/ws');
        await new Promise((r, j) => ws.once('open', r).once('error', j));
        let answers = 0;
        let bad = 0;
        ws.on('message', (data) => {
          try {
            const msg = JSON.parse(String(data)) as { ok?: boolean; code?: number; ev?: string };
            if (msg.ok === false && (typeof msg.code !== 'number' || !Object.values(ErrorCodes).includes(msg.code as never))) bad++;
            if (msg.ev === undefined) answers++;
          } catch {
            bad++;
          }
        });
        const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
        let sent = 0;
        for (const f of frames) {
          if (ws.readyState !== WebSocket.OPEN) break;
          ws.send(f);
          sent++;
        }
        // Ask for one more answer: once it arrives every earlier frame has been answered.
        const probeID = 1e12;
        const done = new Promise<void>((resolve) => {
          ws.on('message', (d) => String(d).includes(`"id":${probeID}`) && resolve());
        });
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ id: probeID, op: 'ping' }));
        const how = await Promise.race([done.then(() => 'answered' as const), closed.then((c) => c)]);
        const closeCode = how === 'answered' ? null : how;
        if (ws.readyState === WebSocket.OPEN) ws.close(1000);
        return { sent, answers, bad, closeCode };
      }),
    );
    let frames = 0;
    for (const r of results) {
      frames += r.sent;
      assert.equal(r.bad, 0, 'every error response carries a documented code');
      if (r.closeCode === null) assert.equal(r.answers, r.sent + 1, 'every frame on a socket that stayed open was answered');
      else assert.ok(documented.has(r.closeCode), `close code ${r.closeCode} is documented`);
    }
    assert.ok(frames >= 100_000 * 0.9, `at least ~100k frames were sent (${frames})`);

    // The monitored call was not disturbed, and the server still works normally.
    assert.equal(monitoredEvents, 0);
    assert.equal((await alice.getStatus(['bob']))[0]?.status, 2);
    const hung = next(bob, 'call.hungup');
    await alice.hangup(callID, 'done');
    assert.equal((await hung).usrExtDat, 'done');
    const res = await fetch(ts.url + '/healthz');
    assert.equal(res.status, 200);
  } finally {
    await ts.close();
  }
});
