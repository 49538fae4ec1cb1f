import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createSecretKey } from 'node:crypto';
import { jwtVerify, errors as joseErrors } from 'jose';
import { verifyHS256 } from '../../src/server/gateway/hs256.js';

const SECRET = 'secret-0123456789abcdef0123456789ab';
const ISSUER = 'key-1';
const key = createSecretKey(Buffer.from(SECRET));
const NOW_S = 1_800_000_000;

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
function token(header: unknown, payload: unknown, secret = SECRET): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** What jose's jwtVerify (with the options Auth uses) says: 'ok', 'expired' or 'invalid'. */
async function jose(t: string): Promise<string> {
  try {
    await jwtVerify(t, new TextEncoder().encode(SECRET), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      requiredClaims: ['sub', 'exp'],
      currentDate: new Date(NOW_S * 1000),
    });
    return 'ok';
  } catch (err) {
    return err instanceof joseErrors.JWTExpired ? 'expired' : 'invalid';
  }
}

function fast(t: string): string | undefined {
  const v = verifyHS256(t, key, ISSUER, NOW_S);
  if (v === undefined) return undefined;
  return v.ok ? 'ok' : v.expired ? 'expired' : 'invalid';
}

const H = { alg: 'HS256', typ: 'JWT' };
const good = { sub: 'alice', iss: ISSUER, iat: NOW_S - 10, exp: NOW_S + 3600, name: 'Alice' };
const cases: [string, string][] = [
  ['a valid token', token(H, good)],
  ['a valid token, header with alg only', token({ alg: 'HS256' }, good)],
  ['a valid token, header with kid', token({ alg: 'HS256', kid: 'k1' }, good)],
  ['expired', token(H, { ...good, exp: NOW_S - 1 })],
  ['expiring this very second', token(H, { ...good, exp: NOW_S })],
  ['exp a string', token(H, { ...good, exp: String(NOW_S + 60) })],
  ['no exp', token(H, { sub: 'alice', iss: ISSUER })],
  ['no sub', token(H, { iss: ISSUER, exp: NOW_S + 60 })],
  ['no iss', token(H, { sub: 'alice', exp: NOW_S + 60 })],
  ['another issuer', token(H, { ...good, iss: 'key-2' })],
  ['nbf in the future', token(H, { ...good, nbf: NOW_S + 5 })],
  ['nbf now', token(H, { ...good, nbf: NOW_S })],
  ['nbf a string', token(H, { ...good, nbf: 'soon' })],
  ['iat a string', token(H, { ...good, iat: 'then' })],
  ['expired and another issuer', token(H, { ...good, exp: NOW_S - 1, iss: 'key-2' })],
  ['signed with another secret', token(H, good, 'another-secret-0123456789abcdef01')],
  ['alg HS384 header', token({ alg: 'HS384' }, good)],
  ['alg none, no signature', `${b64({ alg: 'none' })}.${b64(good)}.`],
  ['crit header', token({ alg: 'HS256', crit: ['exp'] }, good)],
  ['b64 header', token({ alg: 'HS256', b64: true, crit: ['b64'] }, good)],
  ['payload an array', token(H, [good])],
  ['payload not JSON', token(H, 'not json')],
  ['header an array', token([H], good)],
  ['two parts', token(H, good).split('.').slice(0, 2).join('.')],
  ['four parts', `${token(H, good)}.x`],
  ['padded signature', `${token(H, good)}=`],
  ['empty', ''],
];

for (const [name, t] of cases) {
  test(`hs256 fast path agrees with jose: ${name}`, async () => {
    const want = await jose(t);
    const got = fast(t);
    if (got !== undefined) assert.equal(got, want, 'a settled verdict is the one jose gives');
  });
}

test('hs256 fast path settles the usual tokens itself (valid, expired, wrong issuer, missing claims)', () => {
  for (const name of ['a valid token', 'expired', 'another issuer', 'no exp', 'no sub', 'nbf in the future']) {
    const t = cases.find(([n]) => n === name)![1];
    assert.notEqual(fast(t), undefined, name);
  }
});
