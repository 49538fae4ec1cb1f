/**
 * The edge: turns one inbound text frame into a validated request, or into the error that
 * the sender must get back. Nothing unvalidated gets past this function.
 */
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { Limits, Requests, type Op, type Request } from './messages.js';
import type { ErrorName } from './errors.js';

export type Decoded =
  | { ok: true; request: Request }
  | { ok: false; id: number | null; error: ErrorName; message: string };

const checks = new Map<string, TypeCheck<TSchema>>();
for (const [op, schema] of Object.entries(Requests)) checks.set(op, TypeCompiler.Compile(schema));

const ID_PREFIX = /^\s*\{\s*"id"\s*:\s*(\d{1,16})\s*[,}]/;

/** The request id of a frame that will not be decoded (too large, rate limited), if it starts with one. */
export function peekRequestID(text: string): number | null {
  const m = ID_PREFIX.exec(text.slice(0, 64));
  const id = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(id) ? id : null;
}

function isRequestID(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** UTF-8 byte length without Node or DOM APIs. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The request id of a frame without parsing it, when the frame starts with it (as the SDK
 * sends them): for refusing a frame that is not read (too large, over the rate cap) in a way
 * the sender can match to its request.
 */
export function isOp(op: unknown): op is Op {
  return typeof op === 'string' && checks.has(op);
}

export function decodeRequest(text: string, maxBytes: number = Limits.frameBytes): Decoded {
  // String length is a lower bound on the UTF-8 size; only count bytes when it could matter.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && utf8Length(text) > maxBytes)) {
    return { ok: false, id: peekRequestID(text), error: 'FRAME_TOO_LARGE', message: `frame exceeds ${maxBytes} bytes` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, id: null, error: 'BAD_FRAME', message: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, id: null, error: 'BAD_FRAME', message: 'frame must be a JSON object' };
  }
  const frame = value as Record<string, unknown>;
  if (!isRequestID(frame.id)) {
    return { ok: false, id: null, error: 'BAD_FRAME', message: '"id" must be a non-negative integer' };
  }
  const id = frame.id;
  const op = frame.op;
  if (typeof op !== 'string') {
    return { ok: false, id, error: 'BAD_FRAME', message: '"op" must be a string' };
  }
  const check = checks.get(op);
  if (!check) {
    return { ok: false, id, error: 'UNKNOWN_OP', message: `unknown op "${op.slice(0, 64)}"` };
  }
  if (!check.Check(value)) {
    const first = check.Errors(value).First();
    const where = first ? first.path || '/' : '/';
    return {
      ok: false,
      id,
      error: 'BAD_ARGUMENT',
      message: `${op}: ${where} ${first ? first.message.toLowerCase() : 'is invalid'}`,
    };
  }
  return { ok: true, request: frame as Request };
}
