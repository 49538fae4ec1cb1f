/**
 * Test harness: a real callroom service on an ephemeral port, and real SDK clients logged in
 * over WebSocket. Two modes, chosen by the environment so that the same suites run in both:
 *
 * - one node (default): one server with a real SQLite file;
 * - `CALLROOM_TEST_MODE=cluster`: a private redis-server, three nodes on it, and a non-sticky
 *   round-robin TCP proxy in front of them whose address is the service's `url`
 *   (test/helpers/cluster-server.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type CallroomServer, type ServerOptions } from '../../src/server/app.js';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import type { Store } from '../../src/server/store/types.js';
import { Auth } from '../../src/server/gateway/auth.js';
import { CallClient, CallroomError, createRTCSDK, type MeetInfo, type RTCSDK, type RTCSDKOptions } from '../../src/sdk/index.js';
import type { ClientEvents } from '../../src/sdk/client.js';
import { startClusterServer } from './cluster-server.js';

export const API = { apiKey: 'test-key', apiSecret: 'test-secret-0123456789abcdef0123456789', appID: 'test-app', appSecret: 'test-app-secret' };

/** Generous: the machine is shared with other builds. */
export const WAIT_MS = 10_000;

export type TestMode = 'single' | 'cluster';

/** The mode `startServer()` runs the service in: `CALLROOM_TEST_MODE=cluster`, or one node. */
export function testMode(): TestMode {
  const v = process.env.CALLROOM_TEST_MODE ?? '';
  if (v === 'cluster') return 'cluster';
  if (v === '' || v === 'single') return 'single';
  throw new Error(`CALLROOM_TEST_MODE=${v}: expected "cluster" or "single" (or unset)`);
}

export type StartOptions = Partial<ServerOptions> & { dir?: string };

export interface TestServer {
  readonly mode: TestMode;
  /** The server; in cluster mode the first node (each node sees the whole service's state). */
  server: CallroomServer;
  /** Where clients connect: the server, or in cluster mode the round-robin proxy. */
  url: string;
  dir: string;
  auth: Auth;
  /** The service's store: the SQLite file, or in cluster mode the Redis every node shares. */
  readonly store: Store;
  /** Whether the user is in a ringing or active call, as the service sees it. */
  isInCall(userID: string): Promise<boolean>;
  /** A meeting as the service sees it (with its memberCount), or undefined. */
  meetingInfo(meetingID: number): Promise<MeetInfo | undefined>;
  token(userID: string, opts?: { nickName?: string; ttlSeconds?: number; admin?: boolean; now?: number }): Promise<string>;
  /** A logged-in CallClient for `userID`. */
  client(userID: string, nickName?: string): Promise<CallClient>;
  /** A CallClient with an open socket that has not logged in. */
  connect(): Promise<CallClient>;
  /** A facade instance pointed at this server (not logged in); closed with the server. */
  facade(opts?: RTCSDKOptions): RTCSDK;
  /**
   * Stops the service and starts it again on the same data (and address): the server on its
   * folder and port; in cluster mode every node, on the same Redis and ports.
   */
  restart(): Promise<void>;
  /** Stops the service and keeps its data, as a crash would leave it; `restart()` starts it again. */
  stop(): Promise<void>;
  /** A store of the test's own on the service's data (while stopped); close it before `restart()`. */
  openStore(): Promise<Store>;
  close(): Promise<void>;
}

export function startServer(opts: StartOptions = {}): Promise<TestServer> {
  return testMode() === 'cluster' ? startClusterServer(opts) : startSingleServer(opts);
}

async function startSingleServer(opts: StartOptions): Promise<TestServer> {
  const { dir: givenDir, ...serverOpts } = opts;
  const dir = givenDir ?? mkdtempSync(join(tmpdir(), 'callroom-test-'));
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
  const sdk = sdkClients(() => url, auth);
  const t: TestServer = {
    mode: 'single',
    get server() {
      return server;
    },
    get url() {
      return url;
    },
    dir,
    auth,
    get store() {
      return server.core.store;
    },
    isInCall: async (userID) => server.core.calls.isInCall(userID),
    meetingInfo: async (id) => server.core.meetings.info(id),
    token: (userID, o = {}) => auth.mint(userID, o),
    ...sdk.factories,
    async restart() {
      await server.stop();
      server = make();
      url = (await server.start()).url;
    },
    stop: () => server.stop(),
    openStore: async () => new SqliteStore(join(dir, 'callroom.db')),
    async close() {
      sdk.closeAll();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

/** The SDK side of a TestServer: clients and facades pointed at `url()`, all closed by closeAll(). */
export function sdkClients(url: () => string, auth: Auth): { factories: Pick<TestServer, 'client' | 'connect' | 'facade'>; closeAll(): void } {
  const clients: CallClient[] = [];
  const facades: RTCSDK[] = [];
  return {
    factories: {
      async client(userID, nickName) {
        const c = new CallClient({ url: url(), requestTimeoutMs: WAIT_MS });
        clients.push(c);
        await c.login(await auth.mint(userID, nickName ? { nickName } : {}));
        return c;
      },
      async connect() {
        const c = new CallClient({ url: url(), requestTimeoutMs: WAIT_MS });
        clients.push(c);
        await c.connect();
        return c;
      },
      facade(o = {}) {
        const f = createRTCSDK({ requestTimeoutMs: WAIT_MS, ...o });
        f.SetServerAddr(url());
        facades.push(f);
        return f;
      },
    },
    closeAll() {
      for (const f of facades) f.client?.close();
      for (const c of clients) c.close();
    },
  };
}

/**
 * What must settle before "nothing else arrived" can be checked. On one node an event is on its
 * way to the client's socket before the request that caused it is answered; in a cluster it may
 * still be travelling through Redis to the client's node. A cluster harness registers here a
 * barrier that returns once everything already published has reached every node.
 */
const settlers = new Set<() => Promise<void>>();

/** Registers a barrier that flush() awaits; returns its removal. */
export function addSettler(settle: () => Promise<void>): () => void {
  settlers.add(settle);
  return () => {
    settlers.delete(settle);
  };
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
  'meeting.data',
  'meeting.media',
  'user.status',
  'session.closing',
  'session.tokenExpiring',
  'queue.assigned',
  'queue.unassigned',
  'queue.status',
  'queue.position',
  'queue.left',
  'queue.unserved',
  'closed',
];

export function inbox(c: CallClient, events?: (keyof ClientEvents)[]): Inbox {
  return new Inbox(c, events);
}

/**
 * A round trip on `c`'s socket: every event the service sent to `c` before it answered this
 * ping has arrived once this resolves (one socket delivers in order). In cluster mode, events
 * published by other nodes are first made to reach every node (addSettler above).
 */
export async function flush(c: CallClient): Promise<void> {
  for (const settle of [...settlers]) await settle();
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
