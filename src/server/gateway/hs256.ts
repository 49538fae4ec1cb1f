/**
 * The fast path of token verification, for the token every client sends: a compact JWS whose
 * header is `{"alg":"HS256"}` (other members ignored, as jose ignores them; no `crit`, no
 * `b64`) in canonical base64url. It checks the HMAC with node:crypto, synchronously, and the
 * claims exactly as jose's `jwtVerify` does with the options `Auth` passes it (issuer,
 * required `sub` and `exp`, `iat`/`nbf`/`exp` as numbers, no clock tolerance): a few
 * microseconds instead of a WebCrypto job per login.
 *
 * Anything it does not settle for certain (another header, a signature that does not match
 * its canonical encoding, a payload that is not a JSON object) returns `undefined`, and jose
 * has the last word; so both paths accept and refuse the same tokens.
 */
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

/** Settled: the claims of a valid token, or why it is refused. */
export type FastVerdict = { ok: true; claims: Record<string, unknown> } | { ok: false; expired: boolean };

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const INVALID: FastVerdict = { ok: false, expired: false };
const EXPIRED: FastVerdict = { ok: false, expired: true };

function jsonObject(segment: string): Record<string, unknown> | undefined {
  if (!BASE64URL.test(segment)) return undefined;
  try {
    const v: unknown = JSON.parse(strictUtf8.decode(Buffer.from(segment, 'base64url')));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Verifies `token` against `key` (the API secret) for `issuer` at `nowSeconds`; undefined: ask jose. */
export function verifyHS256(token: string, key: KeyObject, issuer: string, nowSeconds: number): FastVerdict | undefined {
  const dot1 = token.indexOf('.');
  const dot2 = token.indexOf('.', dot1 + 1);
  if (dot1 < 0 || dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) return undefined;
  const header = jsonObject(token.slice(0, dot1));
  if (!header || header.alg !== 'HS256' || Object.hasOwn(header, 'crit') || Object.hasOwn(header, 'b64')) return undefined;
  const expected = createHmac('sha256', key).update(token.slice(0, dot2)).digest('base64url');
  const signature = token.slice(dot2 + 1);
  if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return undefined;
  const claims = jsonObject(token.slice(dot1 + 1, dot2));
  if (!claims) return undefined;
  // jose's order: presence of the required claims (iss, exp, sub), the issuer, then the times.
  for (const claim of ['iss', 'exp', 'sub']) if (!Object.hasOwn(claims, claim)) return INVALID;
  if (claims.iss !== issuer) return INVALID;
  if (claims.iat !== undefined && typeof claims.iat !== 'number') return INVALID;
  const { nbf, exp } = claims;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds)) return INVALID;
  if (typeof exp !== 'number') return INVALID;
  if (exp <= nowSeconds) return EXPIRED;
  return { ok: true, claims };
}

/**
 * Whether every segment of a compact JWS is canonical base64url: only the alphabet, no padding,
 * and the unused low bits of the last character zero (decoding and encoding again gives it back).
 */
export function isCanonicalJws(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  return parts.every((p) => (p === '' || BASE64URL.test(p)) && Buffer.from(p, 'base64url').toString('base64url') === p);
}
