/**
 * Requests that race: whatever order the server sees them in, a user is in at most one call,
 * every call ends exactly once, and each party is told once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CallroomError } from '../../src/sdk/index.js';
import { flush, inbox, startServer, uid, type TestServer } from '../helpers/server.js';

const CALL_EVENTS = ['call.incoming', 'call.accepted', 'call.rejected', 'call.hungup'] as const;
const codeOf = (r: PromiseSettledResult<unknown>) =>
  r.status === 'fulfilled' ? 0 : r.reason instanceof CallroomError ? r.reason.code : -1;

describe('races', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });

  async function user(name: string) {
    const id = uid(name);
    const c = await ts.client(id);
    return { id, c, in: inbox(c) };
  }

  test('accept and cancel at once: one wins, the call ends once, each side is told once', async () => {
    for (let round = 0; round < 5; round++) {
      const alice = await user('alice');
      const bob = await user('bob');
      const { callID } = await alice.c.call(bob.id, await alice.c.createMeeting());
      await bob.in.take('call.incoming');
      const [acc, hup] = await Promise.allSettled([bob.c.accept(callID), alice.c.hangup(callID)]);
      assert.equal(codeOf(hup), 0, 'the caller can always hang up');
      const rec = await ts.server.core.store.getCall(callID);
      if (codeOf(acc) === 0) {
        assert.equal((await alice.in.take('call.accepted')).callID, callID);
        assert.equal((await bob.in.take('call.hungup')).reason, 'hangup');
        assert.equal(rec?.outcome, 'completed');
      } else {
        assert.equal(codeOf(acc), 600);
        assert.equal((await bob.in.take('call.hungup')).reason, 'cancelled');
        assert.equal(rec?.outcome, 'cancelled');
      }
      for (const p of [alice, bob]) {
        await flush(p.c);
        assert.deepEqual(p.in.unreadOf(...CALL_EVENTS), []);
      }
    }
  });

  test('invite and cancel sent back to back: the callee hears of the call completely or not at all', async () => {
    for (let round = 0; round < 5; round++) {
      const alice = await user('alice');
      const bob = await user('bob');
      const m = await alice.c.createMeeting();
      const callID = `quick-${uid('c')}`;
      const [inv, hup] = await Promise.allSettled([alice.c.call(bob.id, m, { callID }), alice.c.hangup(callID)]);
      assert.equal(codeOf(inv), 0);
      assert.equal(codeOf(hup), 0, 'the call is known as soon as the invite is read');
      assert.equal((await ts.server.core.store.getCall(callID))?.outcome, 'cancelled');
      await flush(bob.c);
      const heard = bob.in.log.filter((e) => e.name.startsWith('call.')).map((e) => e.name);
      assert.ok(
        heard.length === 0 || (heard.length === 2 && heard[0] === 'call.incoming' && heard[1] === 'call.hungup'),
        `the callee heard ${JSON.stringify(heard)}`,
      );
    }
  });

  test('two callers at once: one call rings, the other gets 602, the callee hears one', async () => {
    const bob = await user('bob');
    const alice = await user('alice');
    const carol = await user('carol');
    const [ma, mc] = await Promise.all([alice.c.createMeeting(), carol.c.createMeeting()]);
    const results = await Promise.allSettled([alice.c.call(bob.id, ma), carol.c.call(bob.id, mc)]);
    assert.deepEqual(results.map(codeOf).sort(), [0, 602]);
    await bob.in.take('call.incoming');
    await flush(bob.c);
    assert.deepEqual(bob.in.unreadOf('call.incoming'), []);
    const ok = results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ callID: string }>;
    await bob.c.reject(ok.value.callID);
  });

  test('two users calling each other at once make one call, not two', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const [ma, mb] = await Promise.all([alice.c.createMeeting(), bob.c.createMeeting()]);
    const results = await Promise.allSettled([alice.c.call(bob.id, ma), bob.c.call(alice.id, mb)]);
    const codes = results.map(codeOf);
    assert.equal(codes.filter((c) => c === 0).length, 1, `exactly one call: ${codes}`);
    assert.ok(codes.every((c) => c === 0 || c === 601 || c === 602), `the other is refused as busy: ${codes}`);
    const calls = await alice.c.listCalls();
    assert.equal(calls.length, 1);
    const mine = calls[0];
    await (mine!.caller === alice.id ? alice : bob).c.hangup(mine!.callID);
  });

  test('the same callID sent twice at once makes one call', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const m = await alice.c.createMeeting();
    const callID = `dup-${uid('c')}`;
    const results = await Promise.allSettled([alice.c.call(bob.id, m, { callID }), alice.c.call(bob.id, m, { callID })]);
    assert.deepEqual(results.map(codeOf).sort(), [0, 5]);
    await bob.in.take('call.incoming');
    await flush(bob.c);
    assert.deepEqual(bob.in.unreadOf('call.incoming'), []);
    await alice.c.hangup(callID);
  });
});
