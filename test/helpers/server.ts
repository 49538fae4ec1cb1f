/**
 * Test harness: a real callroom server on an ephemeral port with a real SQLite file, and
 * real SDK clients logged in over WebSocket.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type CallroomServer, type ServerOptions } from '../../src/server/app.js';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { Auth } from '../../src/server/gateway/auth.js';
import { CallClient, CallroomError, createRTCSDK, type RTCSDK, type RTCSDKOptions } from '../../src/sdk/index.js';
import type { ClientEvents } from '../../src/sdk/client.js';

export const API = { apiKey: 'test-key', apiSecret: 'test-secret-0123456789abcdef0123456789', appID: 'test-app', appSecret: 'test-app-secret' };

/** Generous: the machine is shared with other builds. */
export const WAIT_MS = 10_000;

export interface TestServer {
  server: CallroomServer;
  url: string;
  dir: string;
  auth: Auth;
  token(userID: string, opts?: { nickName?: string; ttlSeconds?: number; admin?: boolean; now?: number }): Promise<string>;
  /** A logged-in CallClient for `userID`. */
  client(userID: string, nickName?: string): Promise<CallClient>;
  /** A CallClient with an open socket that has not logged in. */
  connect(): Promise<CallClient>;
  /** A facade instance pointed at this server (not logged in); closed with the server. */
  facade(opts?: RTCSDKOptions): RTCSDK;
  /** Stops the server and starts a new one on the same data folder (and port). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startServer(opts: Partial<ServerOptions> & { dir?: string } = {}): Promise<TestServer> {
  const { dir: givenDir, ...serverOpts } = opts;
  const dir = givenDir ?? mkdtempSync(join(tmpdir(), 'callroom-test-'));
  const clients: CallClient[] = [];
  const facades: RTCSDK[] = [];
  const auth = new Auth({ apiKey: API.apiKey, apiSecret: API.apiSecret });
  let port = 0;
  const make = () =>
    createServer({
      host: '127.0.0.1',
      port,
      store: new SqliteStore(join(dir, 'callroom.db')),
      auth: { apiKey: API.apiKey, apiSecret: API.apiSecret, appID: API.appID, appSecret: API.appSecret },
      ...serverOpts,
    });
  let server = make();
  let url = (await server.start()).url;
  port = Number(new URL(url).port);
  const t: TestServer = {
    get server() {
      return server;
    },
    get url() {
      return url;
    },
    dir,
    auth,
    token: (userID, o = {}) => auth.mint(userID, o),
    async client(userID, nickName) {
      const c = new CallClient({ url, requestTimeoutMs: WAIT_MS });
      clients.push(c);
      await c.login(await auth.mint(userID, nickName ? { nickName } : {}));
      return c;
    },
    async connect() {
      const c = new CallClient({ url, requestTimeoutMs: WAIT_MS });
      clients.push(c);
      await c.connect();
      return c;
    },
    facade(o = {}) {
      const f = createRTCSDK({ requestTimeoutMs: WAIT_MS, ...o });
      f.SetServerAddr(url);
      facades.push(f);
      return f;
    },
    async restart() {
      await server.stop();
      server = make();
      url = (await server.start()).url;
    },
    async close() {
      for (const f of facades) f.client?.close();
      for (const c of clients) c.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

let counter = 0;
/** A user ID no other test uses, so tests sharing a server do not see each other's state. */
export function uid(name: string): string {
  counter += 1;
  return `${name}-${counter}`;
}

/** Resolves with the next `event` the client emits (rejects after `ms`). */
export function next<E extends keyof ClientEvents>(c: CallClient, event: E, ms = WAIT_MS): Promise<ClientEvents[E][0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${String(event)}`));
    }, ms);
    const off = c.on(event, ((payload: ClientEvents[E][0]) => {
      clearTimeout(timer);
      off();
      resolve(payload);
    }) as never);
  });
}

/** Records every event a client receives, in order. */
export function record(c: CallClient, events: (keyof ClientEvents)[]): { name: string; payload: unknown }[] {
  const log: { name: string; payload: unknown }[] = [];
  for (const e of events) c.on(e, ((p: unknown) => log.push({ name: String(e), payload: p })) as never);
  return log;
}

/**
 * Every event a client receives from now on, kept until taken: `take(name)` resolves with the
 * oldest unread one of that name (waiting if there is none yet), so no event is missed between
 * an action and the wait for its effect.
 */
export class Inbox {
  /** Everything received, in order. */
  readonly log: { name: string; payload: unknown }[] = [];
  private readonly queue: { name: string; payload: unknown }[] = [];
  private readonly waiters: { match(x: { name: string; payload: unknown }): boolean; resolve(p: unknown): void }[] = [];

  constructor(c: CallClient, events: (keyof ClientEvents)[] = INBOX_EVENTS) {
    for (const e of events) {
      c.on(e, ((payload: unknown) => {
        const entry = { name: String(e), payload };
        this.log.push(entry);
        const w = this.waiters.findIndex((x) => x.match(entry));
        if (w >= 0) this.waiters.splice(w, 1)[0]!.resolve(payload);
        else this.queue.push(entry);
      }) as never);
    }
  }

  take<E extends keyof ClientEvents>(name: E, ms = WAIT_MS): Promise<ClientEvents[E][0]> {
    return this.takeWhere(name, () => true, ms);
  }

  /** The oldest unread `name` event whose payload passes `where` (waits for one). */
  takeWhere<E extends keyof ClientEvents>(
    name: E,
    where: (p: ClientEvents[E][0]) => boolean,
    ms = WAIT_MS,
  ): Promise<ClientEvents[E][0]> {
    const match = (x: { name: string; payload: unknown }) => x.name === name && where(x.payload as ClientEvents[E][0]);
    const i = this.queue.findIndex(match);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]!.payload as ClientEvents[E][0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const k = this.waiters.indexOf(w);
        if (k >= 0) this.waiters.splice(k, 1);
        reject(new Error(`timed out waiting for ${String(name)}; unread: ${JSON.stringify(this.unread())}`));
      }, ms);
      const w = {
        match,
        resolve: (p: unknown) => {
          clearTimeout(timer);
          resolve(p as ClientEvents[E][0]);
        },
      };
      this.waiters.push(w);
    });
  }

  /** Events received and not yet taken. */
  unread(): { name: string; payload: unknown }[] {
    return [...this.queue];
  }

  /** Events of these names received and not yet taken. */
  unreadOf(...names: (keyof ClientEvents)[]): { name: string; payload: unknown }[] {
    return this.queue.filter((x) => names.includes(x.name as keyof ClientEvents));
  }
}

export const INBOX_EVENTS: (keyof ClientEvents)[] = [
  'call.incoming',
  'call.accepted',
  'call.rejected',
  'call.hungup',
  'meeting.memberJoined',
  'meeting.memberLeft',
  'meeting.stopped',
  'meeting.signal',
  'meeting.message',
  'meeting.media',
  'user.status',
  'session.closing',
  'session.tokenExpiring',
  'closed',
];

export function inbox(c: CallClient, events?: (keyof ClientEvents)[]): Inbox {
  return new Inbox(c, events);
}

/**
 * A round trip on `c`'s socket: every event the server sent to `c` before it answered this
 * ping has arrived once this resolves (one socket delivers in order).
 */
export async function flush(c: CallClient): Promise<void> {
  await c.request('ping', {});
}

/** Resolves once the client's socket has closed. */
export async function socketClosed(c: CallClient, ms = WAIT_MS): Promise<void> {
  while (c.state !== 'closed') await next(c, 'state', ms);
}

/** Asserts that `p` rejects with a CallroomError carrying `code`. */
export async function rejectsWith(p: Promise<unknown>, code: number): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CallroomError, `expected a CallroomError, got ${String(err)}`);
    assert.equal(err.code, code, `expected code ${code}, got ${err.code} (${err.errorName}: ${err.message})`);
    return true;
  });
}
