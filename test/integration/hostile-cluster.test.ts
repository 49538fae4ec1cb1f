/**
 * Limits over time in cluster mode: the counters live in Redis, so a guesser who moves from node
 * to node meets the same count (issue 12, point 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../src/protocol/errors.js';
import { startCluster } from '../helpers/cluster.js';
import { Hostile } from '../helpers/hostile.js';

test('cluster: wrong meeting passwords and failed logins are counted across nodes', async () => {
  const cl = await startCluster(2, { limits: { passwordFailuresPerMinute: 4, loginFailuresPerMinute: 3 } });
  try {
    const alice = await cl.nodes[0]!.client('alice');
    const m = await alice.createMeeting({ pswd: 'sesame' });
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const h = await Hostile.open(cl.nodes[i % 2]!.url);
      assert.equal((await h.request('login', { token: await cl.token('mallory') })).ok, true);
      codes.push((await h.request('meeting.enter', { meetingID: m.ID, pswd: `guess-${i}` })).code ?? 0);
      h.close();
    }
    assert.deepEqual(codes, [801, 801, 801, 801, 900, 900], 'four guesses in all, over both nodes');

    const logins: number[] = [];
    for (let i = 0; i < 5; i++) {
      const h = await Hostile.open(cl.nodes[i % 2]!.url);
      logins.push((await h.request('login', { token: `forged.${i}.x` })).code ?? 0);
      h.close();
    }
    assert.deepEqual(logins, [21, 21, 21, 900, 900]);
    const good = await Hostile.open(cl.nodes[1]!.url);
    assert.equal((await good.request('login', { token: await cl.token('bob') })).code, ErrorCodes.RATE_LIMITED, 'locked on the other node too');
    good.close();
  } finally {
    await cl.close();
  }
});

test('cluster: a revocation on one node ends the session on another and refuses old tokens everywhere, also on a node started later', async () => {
  const cl = await startCluster(2);
  try {
    const oldToken = await cl.token('bob');
    const bob = await Hostile.open(cl.nodes[1]!.url);
    assert.equal((await bob.request('login', { token: oldToken })).ok, true);
    const admin = await cl.auth.mint('ops', { admin: true });
    const res = await fetch(`${cl.nodes[0]!.url}/v1/users/bob/revoke`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    assert.equal(res.status, 200);
    assert.equal((await bob.closed).code, 4000 + ErrorCodes.TOKEN_INVALID, 'the session on the other node is closed with 4021');
    const again = await Hostile.open(cl.nodes[1]!.url);
    assert.equal((await again.request('login', { token: oldToken })).code, ErrorCodes.TOKEN_INVALID);
    again.close();
    const later = await cl.addNode();
    const there = await Hostile.open(later.url);
    assert.equal((await there.request('login', { token: oldToken })).code, ErrorCodes.TOKEN_INVALID, 'a new node loads the cut-offs from Redis');
    there.close();
  } finally {
    await cl.close();
  }
});

test('cluster: the cap on meetings per user counts the meetings made on every node, and a destroyed one frees its place', async () => {
  const cl = await startCluster(2, { limits: { maxMeetingsPerUser: 3 } });
  try {
    const a0 = await cl.nodes[0]!.client('alice');
    const made = [await a0.createMeeting(), await a0.createMeeting()];
    a0.close();
    const a1 = await cl.nodes[1]!.client('alice');
    made.push(await a1.createMeeting());
    await assert.rejects(a1.createMeeting(), (e: { code?: number }) => e.code === ErrorCodes.LIMIT_REACHED, 'the fourth, on the other node');
    await a1.destroyMeeting(made[0]!.ID);
    await a1.createMeeting();
  } finally {
    await cl.close();
  }
});
