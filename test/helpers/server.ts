/**
 * Test harness: a real callroom server on an ephemeral port with a real SQLite file, and
 * real SDK clients logged in over WebSocket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type CallroomServer, type ServerOptions } from '../../src/server/app.js';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { Auth } from '../../src/server/gateway/auth.js';
import { CallClient, createRTCSDK, type RTCSDK } from '../../src/sdk/index.js';
import type { ClientEvents } from '../../src/sdk/client.js';

export const API = { apiKey: 'test-key', apiSecret: 'test-secret-0123456789abcdef0123456789', appID: 'test-app', appSecret: 'test-app-secret' };

export interface TestServer {
  server: CallroomServer;
  url: string;
  dir: string;
  auth: Auth;
  token(userID: string, opts?: { nickName?: string; ttlSeconds?: number; admin?: boolean }): Promise<string>;
  /** A logged-in CallClient for `userID`. */
  client(userID: string, nickName?: string): Promise<CallClient>;
  /** A facade instance pointed at this server (not logged in). */
  facade(): RTCSDK;
  /** Stops the server and starts a new one on the same data folder (and port). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startServer(opts: Partial<ServerOptions> & { dir?: string } = {}): Promise<TestServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'callroom-test-'));
  const clients: CallClient[] = [];
  const auth = new Auth({ apiKey: API.apiKey, apiSecret: API.apiSecret });
  let port = 0;
  const make = () =>
    createServer({
      host: '127.0.0.1',
      port,
      store: new SqliteStore(join(dir, 'callroom.db')),
      auth: { apiKey: API.apiKey, apiSecret: API.apiSecret, appID: API.appID, appSecret: API.appSecret },
      ...opts,
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
      const c = new CallClient({ url });
      clients.push(c);
      await c.login(await auth.mint(userID, nickName ? { nickName } : {}));
      return c;
    },
    facade() {
      const f = createRTCSDK();
      f.SetServerAddr(url);
      return f;
    },
    async restart() {
      await server.stop();
      server = make();
      url = (await server.start()).url;
    },
    async close() {
      for (const c of clients) c.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

/** Resolves with the next `event` the client emits (rejects after `ms`). */
export function next<E extends keyof ClientEvents>(c: CallClient, event: E, ms = 5000): Promise<ClientEvents[E][0]> {
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
