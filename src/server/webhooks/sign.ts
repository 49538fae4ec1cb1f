/**
 * Signing and verifying webhooks: HMAC-SHA256 with the shared secret over `${timestamp}.${body}`,
 * the timestamp (ms since the epoch) sent alongside, so a receiver can refuse a replayed request.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_HEADERS = {
  id: 'callroom-webhook-id',
  timestamp: 'callroom-webhook-timestamp',
  signature: 'callroom-webhook-signature',
} as const;

/** The signature header's value: `v1=` and the hex HMAC-SHA256 of `${timestamp}.${body}`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function header(h: HeaderBag, name: string): string | undefined {
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name) ?? undefined;
  const bag = h as Record<string, string | string[] | undefined>;
  const key = Object.keys(bag).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : bag[key];
  return Array.isArray(v) ? v[0] : v;
}

export interface VerifyOptions {
  /** How far the timestamp may be from now (default 5 min); 0 skips the check. */
  toleranceMs?: number;
  /** Now, in ms (default Date.now()). */
  now?: number;
}

export type VerifyResult = { ok: true; id: string; timestamp: number } | { ok: false; reason: 'missing_headers' | 'bad_timestamp' | 'too_old' | 'bad_signature' };

/**
 * Checks a webhook request: its signature over the raw body (the exact bytes received) and that
 * its timestamp is within `toleranceMs` of now. Exported by `callroom/server`.
 */
export function verifyWebhook(secret: string, headers: HeaderBag, body: string | Buffer, opts: VerifyOptions = {}): VerifyResult {
  const id = header(headers, WEBHOOK_HEADERS.id);
  const ts = header(headers, WEBHOOK_HEADERS.timestamp);
  const sig = header(headers, WEBHOOK_HEADERS.signature);
  if (!id || !ts || !sig) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,16}$/.test(ts)) return { ok: false, reason: 'bad_timestamp' };
  const timestamp = Number(ts);
  const tolerance = opts.toleranceMs ?? 5 * 60_000;
  if (tolerance > 0 && Math.abs((opts.now ?? Date.now()) - timestamp) > tolerance) return { ok: false, reason: 'too_old' };
  const expected = Buffer.from(signWebhook(secret, timestamp, typeof body === 'string' ? body : body.toString('utf8')));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  return { ok: true, id, timestamp };
}
