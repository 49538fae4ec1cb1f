/**
 * Helpers for the hostile-client suites (test/integration/hostile-*.test.ts): hand-made tokens,
 * a raw socket that keeps every frame, and a server whose clock only the test moves.
 */
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { toSocketUrl } from '../../src/sdk/client.js';
import type { Limits } from '../../src/server/core.js';
import { FakeClock } from './fake-clock.js';
import { API, WAIT_MS, startServer, type TestServer } from './server.js';

export type Frame = Record<string, unknown> & { id?: number | null; ok?: boolean; code?: number; name?: string; ev?: string; seq?: number };

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A token signed with the server's secret over any claims (sub of any type, say). */
export function signed(claims: Record<string, unknown>, key = API.apiSecret): string {
  const body = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}`;
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

/** Standard claims for `sub` at `nowMs`, valid for `ttlS`. */
export function claimsFor(sub: unknown, nowMs = Date.now(), ttlS = 3600): Record<string, unknown> {
  const iat = Math.floor(nowMs / 1000);
  return { sub, name: typeof sub === 'string' ? sub : 'x', iss: API.apiKey, iat, exp: iat + ttlS };
}

/** A bare socket that keeps every frame it receives, in order, and answers by id. */
export class Hostile {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private nextID = 1;
  private waiters: { match(f: Frame): boolean; resolve(f: Frame): void }[] = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as Frame;
      this.frames.push(f);
      const i = this.waiters.findIndex((w) => w.match(f));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(f);
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<Hostile> {
    const ws = new WebSocket(toSocketUrl(url), { headers });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Hostile(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    });
  }

  /** The first frame (already received or still to come) that `match` accepts. */
  wait(match: (f: Frame) => boolean, ms = WAIT_MS): Promise<Frame> {
    const seen = this.frames.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; frames: ${JSON.stringify(this.frames.slice(-5))}`)), ms);
      this.waiters.push({ match, resolve: (f) => (clearTimeout(timer), resolve(f)) });
    });
  }

  request(op: string, params: Record<string, unknown> = {}): Promise<Frame> {
    const id = this.nextID++;
    this.ws.send(JSON.stringify({ id, op, ...params }));
    return this.wait((f) => f.ev === undefined && f.id === id);
  }

  events(name: string): Frame[] {
    return this.frames.filter((f) => f.ev === name);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** A server whose clock stands still unless the test moves it (starting at the real time). */
export async function frozenServer(limits: Partial<Limits> = {}, extra: Record<string, unknown> = {}): Promise<{ ts: TestServer; clock: FakeClock }> {
  const clock = new FakeClock(Date.now());
  const ts = await startServer({ clock, limits, ...extra });
  return { ts, clock };
}

/** Logs a new hostile socket in as `userID` with a token minted at the server's time. */
export async function loggedIn(ts: TestServer, userID: string, nowMs = Date.now()): Promise<Hostile> {
  const h = await Hostile.open(ts.url);
  const r = await h.request('login', { token: await ts.token(userID, { now: nowMs }) });
  if (r.ok !== true) throw new Error(`login of ${userID} refused: ${JSON.stringify(r)}`);
  return h;
}
