/**
 * Hostile tokens and identities (issue 12, points 2, 6 and 8): long lifetimes, a maximum `exp`,
 * subjects that are not strings or hide characters, nicknames that do, non-canonical signatures,
 * and revocation of a user's tokens by an admin.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../src/protocol/errors.js';
import { startServer } from '../helpers/server.js';
import { letTimePass } from '../helpers/time.js';
import { Hostile, claimsFor, signed } from '../helpers/hostile.js';

test('a token valid for 30 days logs in and stays; one past the maximum lifetime is refused', async () => {
  const ts = await startServer();
  try {
    const h = await Hostile.open(ts.url);
    const r = await h.request('login', { token: await ts.token('alice', { ttlSeconds: 30 * 86_400 }) });
    assert.equal(r.ok, true);
    // An expiry timer that overflowed setTimeout would fire after 1 ms: the passing of time is the test.
    await letTimePass(200);
    assert.equal((await h.request('ping')).ok, true, 'still logged in');
    assert.deepEqual(h.events('session.closing'), []);
    assert.equal(h.ws.readyState, h.ws.OPEN);
    const tooLong = await Hostile.open(ts.url);
    const refused = await tooLong.request('login', { token: await ts.token('bob', { ttlSeconds: 32 * 86_400 }) });
    assert.equal(refused.code, ErrorCodes.TOKEN_INVALID, 'exp beyond --max-token-lifetime (31 days by default)');
    h.close();
    tooLong.close();
  } finally {
    await ts.close();
  }
});

test('a subject that is not a string, or hides characters, is refused; a nickname is cleaned or refused', async () => {
  const ts = await startServer();
  try {
    const login = async (params: Record<string, unknown>) => {
      const h = await Hostile.open(ts.url);
      const r = await h.request('login', params);
      h.close();
      return r;
    };
    assert.equal((await login({ token: signed(claimsFor('alice')) })).ok, true, 'control: a hand-made token for "alice" is fine');
    for (const sub of [12345, ['arr'], { a: 1 }, true, 'al\u200bice', 'ali\u202ecE', 'a\u2066b', 'a\u0000b']) {
      const r = await login({ token: signed(claimsFor(sub)) });
      assert.equal(r.code, ErrorCodes.TOKEN_INVALID, `sub ${JSON.stringify(sub)}`);
    }
    const named = await login({ token: signed({ ...claimsFor('mallory'), name: 'Mal\u202elory\u200b' }) });
    assert.equal((named.result as { nickName: string }).nickName, 'Mallory', 'bidi and zero-width characters are removed from the name');
    const nick = await login({ token: signed(claimsFor('mallory')), nickName: 'Bob\u202e' });
    assert.equal(nick.code, ErrorCodes.BAD_ARGUMENT, 'a nickname sent at login is checked like a user ID');
  } finally {
    await ts.close();
  }
});

test('a signature in non-canonical base64url is refused', async () => {
  const ts = await startServer();
  try {
    const good = await ts.token('alice');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(good.at(-1)!) ^ 1]!;
    const other = good.slice(0, -1) + twin;
    assert.deepEqual(Buffer.from(other.split('.')[2]!, 'base64url'), Buffer.from(good.split('.')[2]!, 'base64url'), 'the same signature bytes');
    const h = await Hostile.open(ts.url);
    assert.equal((await h.request('login', { token: other })).code, ErrorCodes.TOKEN_INVALID);
    assert.equal((await h.request('login', { token: good })).ok, true, 'control: the canonical spelling logs in');
    h.close();
  } finally {
    await ts.close();
  }
});

test("an admin revokes a user's tokens: the session ends, old tokens are refused, also after a restart; new ones work", async () => {
  const ts = await startServer();
  try {
    const oldToken = await ts.token('bob');
    const bob = await Hostile.open(ts.url);
    assert.equal((await bob.request('login', { token: oldToken })).ok, true);
    const revoke = (token: string) => fetch(`${ts.url}/v1/users/bob/revoke`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal((await revoke(await ts.token('carol'))).status, 403, 'not for a non-admin');
    assert.equal(bob.ws.readyState, bob.ws.OPEN);
    const res = await revoke(await ts.token('ops', { admin: true }));
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { userID: string }).userID, 'bob');
    assert.equal((await bob.closed).code, 4000 + ErrorCodes.TOKEN_INVALID, 'the live session is closed with 4021');
    const again = await Hostile.open(ts.url);
    assert.equal((await again.request('login', { token: oldToken })).code, ErrorCodes.TOKEN_INVALID);
    await ts.restart();
    const afterRestart = await Hostile.open(ts.url);
    assert.equal((await afterRestart.request('login', { token: oldToken })).code, ErrorCodes.TOKEN_INVALID, 'the cut-off is stored');
    const fresh = await ts.token('bob', { now: Date.now() + 1_000 });
    assert.equal((await afterRestart.request('login', { token: fresh })).ok, true, 'a token issued after the revocation works');
    again.close();
    afterRestart.close();
  } finally {
    await ts.close();
  }
});
