/** What every HTTP route shares: JSON answers, typed error answers, a capped body, the bearer token. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CallroomError, ErrorCodes, ErrorMessages, type ErrorName } from '../../protocol/errors.js';

/** Headers every response carries. */
export const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(text);
}

/** An error answer: `{ok: false, code, name, message}`, the message saying what to do. */
export function fail(res: ServerResponse, status: number, name: ErrorName, message?: string): void {
  json(res, status, { ok: false, code: ErrorCodes[name], name, message: message ?? ErrorMessages[name] });
}

export async function readBody(req: IncomingMessage, max: number): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > max) throw new CallroomError('FRAME_TOO_LARGE', 'request body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Bearer token of a request, or ''. */
export function bearer(req: IncomingMessage): string {
  const auth = req.headers.authorization ?? '';
  return auth.startsWith('Bearer ') ? auth.slice(7) : '';
}
