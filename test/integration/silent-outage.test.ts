/**
 * A silent outage (packets held, no reset, both TCP sockets open) is noticed by both sides within
 * the heartbeat bound: the client pings with a reply deadline and reconnects, the server cuts a
 * socket that stops answering its WebSocket pings and holds the session; after the outage the
 * client resumes and the call goes on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallClient } from '../../src/sdk/index.js';
import { DEFAULT_LIMITS, DEFAULT_HEARTBEAT_MS } from '../../src/server/app.js';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TIMEOUT_MS } from '../../src/sdk/heartbeat.js';
import { WAIT_MS, startServer, next } from '../helpers/server.js';
import { startProxy } from '../helpers/proxy.js';

/** Short heartbeats, so the test need not wait out the 10 s bound of the defaults. */
const SERVER_HEARTBEAT_MS = 150;
const CLIENT_HEARTBEAT = { intervalMs: 150, timeoutMs: 300 };
/** Room for a loaded machine (two other builds share it) on top of each bound. */
const SLACK_MS = 1_500;

test('the default heartbeats notice a dead connection within 10 s on both sides', () => {
  assert.equal(DEFAULT_LIMITS.heartbeatMs, DEFAULT_HEARTBEAT_MS);
  assert.ok(2 * DEFAULT_HEARTBEAT_MS <= 10_000, 'server: a socket is cut within two heartbeats');
  assert.ok(HEARTBEAT_INTERVAL_MS + HEARTBEAT_TIMEOUT_MS <= 10_000, 'client: a ping interval plus its reply deadline');
});

test('a silent outage: the client reconnects and the server cuts the socket within the heartbeat bounds; missed events arrive after', async () => {
  const ts = await startServer({ limits: { resumeGraceMs: 20_000, heartbeatMs: SERVER_HEARTBEAT_MS } });
  const proxy = await startProxy(ts.url);
  try {
    const alice = await ts.client('alice');
    const bob = new CallClient({ url: proxy.url, requestTimeoutMs: WAIT_MS, heartbeat: CLIENT_HEARTBEAT });
    await bob.login(await ts.token('bob'));
    const meeting = await alice.createMeeting();
    const incoming = next(bob, 'call.incoming');
    const { callID } = await alice.call('bob', meeting);
    await incoming;
    const accepted = next(alice, 'call.accepted');
    await bob.accept(callID);
    await accepted;

    // The network goes silent: nothing is forwarded, nothing is reset.
    const serverCut = proxy.nextClose('upstream');
    const reconnecting = next(bob, 'reconnecting', WAIT_MS);
    const states: string[] = [];
    bob.on('state', (s) => states.push(s));
    const t0 = Date.now();
    proxy.freeze(true);
    await reconnecting;
    const clientNoticedMs = Date.now() - t0;
    assert.ok(
      clientNoticedMs <= CLIENT_HEARTBEAT.intervalMs + CLIENT_HEARTBEAT.timeoutMs + SLACK_MS,
      `client noticed after ${clientNoticedMs} ms`,
    );
    assert.deepEqual(states, ['reconnecting']);
    await serverCut;
    const serverNoticedMs = Date.now() - t0;
    assert.ok(serverNoticedMs <= 2 * SERVER_HEARTBEAT_MS + SLACK_MS, `server cut the socket after ${serverNoticedMs} ms`);

    // The session is held: bob is still in his call.
    const [status] = await alice.getStatus(['bob']);
    assert.equal(status?.status, 2, 'bob is still in the call while his session is held');
    // Alice hangs up meanwhile: bob is told once he is back.
    const hungup = next(bob, 'call.hungup', WAIT_MS);
    await alice.hangup(callID, 'bye');

    // The outage ends: bob resumes, gets what he missed.
    const back = next(bob, 'reconnected', WAIT_MS);
    proxy.freeze(false);
    assert.deepEqual(await back, { resumed: true });
    assert.equal((await hungup).usrExtDat, 'bye');
    const [rec] = await bob.listCalls();
    assert.equal(rec?.outcome, 'completed');
    assert.equal(bob.state, 'connected');
    bob.close();
  } finally {
    await proxy.close();
    await ts.close();
  }
});
