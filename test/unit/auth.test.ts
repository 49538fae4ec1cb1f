import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { Auth } from '../../src/server/gateway/auth.js';
import { CallroomError, ErrorCodes } from '../../src/protocol/errors.js';

const cfg = { apiKey: 'key-1', apiSecret: 'secret-0123456789abcdef0123456789ab', appID: 'app-1', appSecret: 'app-secret' };
const auth = new Auth(cfg);
const NOW = 1_800_000_000_000;

async function refusedWith(p: Promise<unknown>, code: number): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof CallroomError && e.code === code);
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const sign = (claims: Record<string, unknown>, secret = cfg.apiSecret) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));

test('auth: a minted token verifies to its user, nickname, expiry and admin flag', async () => {
  const t = await auth.mint('alice', { nickName: 'Alice', ttlSeconds: 60, now: NOW, admin: true });
  const id = await auth.verify(t, NOW + 1000);
  assert.deepEqual(id, { userID: 'alice', nickName: 'Alice', expiresAt: NOW + 60_000, admin: true, contacts: [] });
  const plain = await auth.verify(await auth.mint('bob', { now: NOW }), NOW);
  assert.equal(plain.nickName, 'bob', 'the nickname defaults to the user ID');
  assert.equal(plain.admin, false);
});

test('auth: an expired token is TOKEN_EXPIRED (18)', async () => {
  const t = await auth.mint('alice', { ttlSeconds: 60, now: NOW });
  await refusedWith(auth.verify(t, NOW + 61_000), ErrorCodes.TOKEN_EXPIRED);
  assert.equal(ErrorCodes.TOKEN_EXPIRED, 18);
});

test('auth: a token signed with another secret is TOKEN_INVALID (21)', async () => {
  const other = new Auth({ ...cfg, apiSecret: 'another-secret-0123456789abcdef0123' });
  await refusedWith(auth.verify(await other.mint('alice', { now: NOW }), NOW), ErrorCodes.TOKEN_INVALID);
  assert.equal(ErrorCodes.TOKEN_INVALID, 21);
});

test('auth: a token from another issuer (API key) is TOKEN_INVALID (21)', async () => {
  const other = new Auth({ ...cfg, apiKey: 'key-2' });
  await refusedWith(auth.verify(await other.mint('alice', { now: NOW }), NOW), ErrorCodes.TOKEN_INVALID);
});

test('auth: an unsigned token (alg none) is TOKEN_INVALID (21)', async () => {
  const exp = Math.floor(NOW / 1000) + 3600;
  const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', iss: cfg.apiKey, exp })}.`;
  await refusedWith(auth.verify(unsigned, NOW), ErrorCodes.TOKEN_INVALID);
  // The same claims, properly signed, are accepted: the refusal is about the algorithm.
  const signed = await sign({ sub: 'alice', iss: cfg.apiKey, exp });
  assert.equal((await auth.verify(signed, NOW)).userID, 'alice');
});

test('auth: a token without exp is TOKEN_INVALID (21)', async () => {
  await refusedWith(auth.verify(await sign({ sub: 'alice', iss: cfg.apiKey }), NOW), ErrorCodes.TOKEN_INVALID);
});

test('auth: a token without a usable subject is TOKEN_INVALID (21)', async () => {
  const exp = Math.floor(NOW / 1000) + 3600;
  await refusedWith(auth.verify(await sign({ iss: cfg.apiKey, exp }), NOW), ErrorCodes.TOKEN_INVALID);
  await refusedWith(auth.verify(await sign({ sub: 'a\u0001b', iss: cfg.apiKey, exp }), NOW), ErrorCodes.TOKEN_INVALID);
  await refusedWith(auth.verify(await sign({ sub: 'x'.repeat(129), iss: cfg.apiKey, exp }), NOW), ErrorCodes.TOKEN_INVALID);
});

test('auth: garbage and tampered tokens are TOKEN_INVALID (21)', async () => {
  await refusedWith(auth.verify('not-a-token', NOW), ErrorCodes.TOKEN_INVALID);
  const t = await auth.mint('alice', { now: NOW });
  const [h, , s] = t.split('.');
  const forged = `${h}.${b64({ sub: 'mallory', iss: cfg.apiKey, exp: Math.floor(NOW / 1000) + 3600 })}.${s}`;
  await refusedWith(auth.verify(forged, NOW), ErrorCodes.TOKEN_INVALID);
});

test('auth: the compatible login accepts the app ID with the MD5 of the app secret, in either case', () => {
  const md5 = createHash('md5').update(cfg.appSecret).digest('hex');
  assert.doesNotThrow(() => auth.checkApp(cfg.appID, md5));
  assert.doesNotThrow(() => auth.checkApp(cfg.appID, md5.toUpperCase()));
});

test('auth: the compatible login refuses a wrong app ID, a wrong secret or the plain secret with BAD_CREDENTIALS (7)', () => {
  const md5 = createHash('md5').update(cfg.appSecret).digest('hex');
  const bad = (f: () => void) => assert.throws(f, (e: unknown) => e instanceof CallroomError && e.code === 7);
  bad(() => auth.checkApp('app-2', md5));
  bad(() => auth.checkApp(cfg.appID, createHash('md5').update('wrong').digest('hex')));
  bad(() => auth.checkApp(cfg.appID, cfg.appSecret));
  bad(() => auth.checkApp(cfg.appID, ''));
});

test('auth: without a configured app, the compatible login is refused (7)', () => {
  const noApp = new Auth({ apiKey: cfg.apiKey, apiSecret: cfg.apiSecret });
  assert.throws(
    () => noApp.checkApp('', createHash('md5').update('').digest('hex')),
    (e: unknown) => e instanceof CallroomError && e.code === 7,
  );
});
