/**
 * What a reloaded page relies on: its socket closed by the browser as the page goes (1001) leaves
 * the session held for the resume grace, and a new client resumes it from the saved session ID
 * and last seq (`loginResuming`), its call still on; a close on purpose (1000) still ends it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallClient } from '../../src/sdk/index.js';
import { PROTOCOL_VERSION } from '../../src/protocol/version.js';
import { WAIT_MS, startServer, next, type TestServer } from '../helpers/server.js';
import { RawSocket } from '../helpers/raw.js';

/** alice (on a raw socket, like a page) is in an active call with bob; returns what a page saves. */
async function activeCall(ts: TestServer): Promise<{ raw: RawSocket; bob: CallClient; callID: string; sessionID: string; lastSeq: number }> {
  const bob = await ts.client('bob');
  const raw = await RawSocket.open(ts.url);
  const login = await raw.request('login', { token: await ts.token('alice'), protocol: PROTOCOL_VERSION });
  assert.equal(login.ok, true);
  const sessionID = (login.result as { sessionID: string }).sessionID;
  const created = await raw.request('meeting.create', {});
  const meetingID = (created.result as { meeting: { ID: number } }).meeting.ID;
  const incoming = next(bob, 'call.incoming');
  const callID = '6f3c2a4e-1b7d-4c1e-9f00-000000000001';
  assert.equal((await raw.request('call.invite', { callID, callee: 'bob', meetingID })).ok, true);
  await incoming;
  await bob.accept(callID);
  // The event alice's page has seen last: call.accepted.
  let lastSeq = 0;
  for (;;) {
    const f = await raw.frame();
    if (f.ev === 'call.accepted') {
      lastSeq = f.seq as number;
      break;
    }
  }
  return { raw, bob, callID, sessionID, lastSeq };
}

test('a socket closed with 1001 (a page going away) leaves its session held: a new client resumes it and the call goes on', async () => {
  const ts = await startServer({ limits: { resumeGraceMs: 10_000 } });
  try {
    const { raw, bob, callID, sessionID, lastSeq } = await activeCall(ts);
    raw.ws.close(1001, 'page reloaded');
    await raw.closed;
    const [status] = await bob.getStatus(['alice']);
    assert.equal(status?.status, 2, 'alice is still in the call while the page reloads');

    const reloaded = new CallClient({ url: ts.url, requestTimeoutMs: WAIT_MS });
    const user = await reloaded.loginResuming(await ts.token('alice'), { sessionID, lastSeq });
    assert.equal(user.sessionID, sessionID);
    assert.equal(reloaded.resumed, true);
    assert.equal(reloaded.lastSeq, lastSeq);
    const [rec] = await reloaded.listCalls();
    assert.equal(rec?.callID, callID);
    assert.equal(rec?.state, 'active');
    assert.ok(Math.abs(reloaded.serverNow() - Date.now()) < 1_000, 'the server clock, as the client knows it');

    const hungup = next(bob, 'call.hungup');
    await reloaded.hangup(callID);
    assert.equal((await hungup).reason, 'hangup');
    await reloaded.logout();
  } finally {
    await ts.close();
  }
});

test('a socket closed with 1000 (on purpose) ends its session at once: resuming it gives a new session, the call lost', async () => {
  const ts = await startServer({ limits: { resumeGraceMs: 10_000 } });
  try {
    const { raw, bob, callID, sessionID, lastSeq } = await activeCall(ts);
    const hungup = next(bob, 'call.hungup');
    raw.ws.close(1000, 'bye');
    assert.equal((await hungup).reason, 'lost');
    const again = new CallClient({ url: ts.url, requestTimeoutMs: WAIT_MS });
    const user = await again.loginResuming(await ts.token('alice'), { sessionID, lastSeq });
    assert.notEqual(user.sessionID, sessionID);
    assert.equal(again.resumed, false);
    assert.equal(again.lastSeq, 0, 'a new session numbers its events from 1');
    const rec = (await again.listCalls()).find((c) => c.callID === callID);
    assert.equal(rec?.outcome, 'lost');
    await again.logout();
  } finally {
    await ts.close();
  }
});
