/**
 * HTTP: health, metrics, the admin call list, queue administration (queue-routes.ts), dev-mode
 * tokens, and the softphone page.
 */
import { timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { CallroomError } from '../../protocol/errors.js';
import { cleanNickName, isUserID } from '../../protocol/messages.js';
import type { Core } from '../core.js';
import { isLoopbackOrigin } from './origin.js';
import { queueRoutes } from './queue-routes.js';
import { bearer, COMMON_HEADERS, fail, json, readBody } from './respond.js';

export interface HttpOptions {
  dev: boolean;
  /** Folder with the built web page; served at `/`. */
  webRoot: string | null;
  startedAt: number;
  connections(): number;
  draining(): boolean;
  /** When set, GET /metrics needs `Authorization: Bearer <this>`. */
  metricsToken?: string | undefined;
  /** A user's tokens issued before `notBefore` (s) were revoked: end their session (it logged in with a token now refused). */
  revoked?(userID: string, notBefore: number): void;
  /** Webhooks, when configured: recent deliveries for GET /v1/webhooks/deliveries. */
  webhooks?: { recent(limit: number): Promise<unknown[]>; pending(): Promise<number> } | null;
}

/**
 * The page's policy: its own scripts and styles only, sockets to its own server, no framing
 * (clickjacking), no plugins, no base or form tricks.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
};

function isLoopback(addr: string | undefined): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1' || (addr?.startsWith('127.') ?? false);
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const REVOKE_PATH = /^\/v1\/users\/([^/]+)\/revoke$/;

export function createHttpHandler(core: Core, opts: HttpOptions) {
  const webRoot = opts.webRoot ? resolve(opts.webRoot) : null;

  /** Verifies an admin bearer token; answers 401/403 and returns false when it is not one. */
  async function admin(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const token = bearer(req);
    if (!token) {
      fail(res, 401, 'TOKEN_INVALID', 'send an admin token: Authorization: Bearer <token>');
      return false;
    }
    try {
      const id = await core.auth.verify(token, core.clock.now());
      if (id.admin) return true;
      fail(res, 403, 'TOKEN_INVALID', 'this token is not an admin token (callroom token --admin)');
    } catch (err) {
      fail(res, 401, err instanceof CallroomError ? err.errorName : 'TOKEN_INVALID');
    }
    return false;
  }

  const queues = queueRoutes({ core, admin });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    let path: string;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
      path = decodeURIComponent(url.pathname);
    } catch {
      return fail(res, 400, 'BAD_ARGUMENT', 'malformed URL');
    }
    if (path === '/healthz') {
      const draining = opts.draining();
      return json(res, draining ? 503 : 200, {
        status: draining ? 'draining' : 'ok',
        uptimeSeconds: Math.round((core.clock.now() - opts.startedAt) / 1000),
        connections: opts.connections(),
        sessions: core.sessions.size,
        store: core.store.kind,
      });
    }
    if (path === '/metrics') {
      if (opts.metricsToken !== undefined && !sameSecret(bearer(req), opts.metricsToken)) {
        return fail(res, 401, 'TOKEN_INVALID', 'send the metrics token: Authorization: Bearer <--metrics-token>');
      }
      core.metrics.openCalls.set(core.calls.openCount);
      if (opts.webhooks) core.metrics.webhookDepth.set(await opts.webhooks.pending());
      const body = await core.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': core.metrics.registry.contentType });
      res.end(body);
      return;
    }
    const revoke = REVOKE_PATH.exec(path);
    if (revoke && req.method === 'POST') {
      if (!(await admin(req, res))) return;
      const userID = revoke[1]!;
      if (!isUserID(userID)) return fail(res, 400, 'BAD_ARGUMENT', 'not a valid user ID');
      const now = core.clock.now();
      const notBefore = core.auth.revoke(userID, now);
      await core.store.setTokensNotBefore?.(userID, notBefore);
      opts.revoked?.(userID, notBefore);
      core.log.info({ user: userID }, 'tokens revoked');
      return json(res, 200, { userID, tokensNotBefore: notBefore * 1000 });
    }
    if (path === '/v1/calls' && req.method === 'GET') {
      if (!(await admin(req, res))) return;
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const before = url.searchParams.get('before');
      const user = url.searchParams.get('user');
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return fail(res, 400, 'BAD_ARGUMENT', 'limit must be 1..1000');
      if (before !== null && !/^\d{1,16}$/.test(before)) return fail(res, 400, 'BAD_ARGUMENT', 'before must be a time in ms');
      if (user !== null && !isUserID(user)) return fail(res, 400, 'BAD_ARGUMENT', 'user is not a valid user ID');
      const calls = await core.store.listCalls({
        limit,
        ...(before !== null ? { before: Number(before) } : {}),
        ...(user !== null ? { userID: user } : {}),
      });
      return json(res, 200, { calls });
    }
    if (path === '/v1/webhooks/deliveries' && req.method === 'GET') {
      if (!(await admin(req, res))) return;
      const limit = Number(url.searchParams.get('limit') ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return fail(res, 400, 'BAD_ARGUMENT', 'limit must be 1..1000');
      const w = opts.webhooks;
      return json(res, 200, { enabled: !!w, pending: w ? await w.pending() : 0, deliveries: w ? await w.recent(limit) : [] });
    }
    if (await queues(path, req, res)) return;
    if (path === '/v1/dev/token' && req.method === 'POST') {
      if (!opts.dev) return fail(res, 404, 'UNKNOWN_OP', 'dev tokens exist only in --dev mode');
      if (!isLoopback(req.socket.remoteAddress)) return fail(res, 403, 'TOKEN_INVALID', 'dev tokens are given on loopback only');
      // A page from another origin must not get one through the user's browser.
      const origin = req.headers.origin;
      if (origin !== undefined && !isLoopbackOrigin(origin)) return fail(res, 403, 'TOKEN_INVALID', 'dev tokens are given to loopback pages only');
      let body: { userID?: unknown; nickName?: unknown };
      try {
        body = JSON.parse(await readBody(req, 4096)) as typeof body;
      } catch {
        return fail(res, 400, 'BAD_FRAME', 'send JSON: {"userID": "alice", "nickName": "Alice"}');
      }
      const userID = body.userID;
      const nickName = typeof body.nickName === 'string' ? cleanNickName(body.nickName) : undefined;
      if (!isUserID(userID)) {
        return fail(res, 400, 'BAD_ARGUMENT', 'userID must be 1..128 printable characters');
      }
      const token = await core.auth.mint(userID, { ...(nickName ? { nickName } : {}), ttlSeconds: 12 * 3600, now: core.clock.now() });
      return json(res, 200, { token, userID });
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && webRoot) return serveStatic(path, res);
    return fail(res, 404, 'UNKNOWN_OP', `no route for ${req.method} ${path}`);
  }

  function serveStatic(path: string, res: ServerResponse): void {
    const rel = normalize(path).replace(/^([/\\])+/, '');
    // Source maps would hand out the page's whole source: only in --dev.
    if (extname(rel) === '.map' && !opts.dev) return fail(res, 404, 'UNKNOWN_OP', 'not found');
    let file = join(webRoot!, rel);
    if (!file.startsWith(webRoot!)) return fail(res, 404, 'UNKNOWN_OP', 'not found');
    if (!existsSync(file) || statSync(file).isDirectory()) {
      // Single-page app: unknown paths without an extension get the page.
      if (extname(rel) !== '' && rel !== '') return fail(res, 404, 'UNKNOWN_OP', 'not found');
      file = join(webRoot!, 'index.html');
      if (!existsSync(file)) return fail(res, 404, 'UNKNOWN_OP', 'the web page is not built: run npm run build');
    }
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'cache-control': extname(file) === '.html' ? 'no-cache' : 'public, max-age=300',
      ...(extname(file) === '.html' ? { 'content-security-policy': PAGE_CSP } : {}),
    });
    createReadStream(file).pipe(res);
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    route(req, res).catch((err: unknown) => {
      core.log.error({ err, url: req.url?.slice(0, 256) }, 'http request failed');
      if (!res.headersSent) fail(res, 500, 'SERVER_ERROR');
      else res.end();
    });
  };
}
