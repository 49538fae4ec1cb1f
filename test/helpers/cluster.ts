/**
 * Cluster harness: one private redis-server and N callroom nodes sharing it, each a real server
 * on its own ephemeral port, in this process. `spawnNode` runs a node as a child process
 * (`callroom serve --redis`), for tests that kill one with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type CallroomServer, type ServerOptions } from '../../src/server/app.js';
import { Auth } from '../../src/server/gateway/auth.js';
import { RedisStore } from '../../src/server/store/redis.js';
import { CallClient } from '../../src/sdk/index.js';
import { API } from './server.js';
import { startRedis, freePort, type TestRedis } from './redis.js';

export interface TestNode {
  server: CallroomServer;
  url: string;
  client(userID: string, nickName?: string): Promise<CallClient>;
}

export interface TestCluster {
  redis: TestRedis;
  nodes: TestNode[];
  auth: Auth;
  token(userID: string): Promise<string>;
  /** Adds one more in-process node. */
  addNode(): Promise<TestNode>;
  close(): Promise<void>;
}

/** Fast failure detection for tests. */
export const TEST_CLUSTER = { heartbeatMs: 100, nodeTimeoutMs: 600, pollMs: 50 };

export async function startCluster(n: number, opts: Partial<ServerOptions> = {}): Promise<TestCluster> {
  const redis = await startRedis();
  const auth = new Auth({ apiKey: API.apiKey, apiSecret: API.apiSecret });
  const clients: CallClient[] = [];
  const nodes: TestNode[] = [];
  const addNode = async (): Promise<TestNode> => {
    const store = new RedisStore(redis.url);
    await store.open();
    const server = createServer({
      host: '127.0.0.1',
      port: 0,
      store,
      auth: { apiKey: API.apiKey, apiSecret: API.apiSecret, appID: API.appID, appSecret: API.appSecret },
      cluster: { redisUrl: redis.url, nodeID: `node${nodes.length + 1}`, ...TEST_CLUSTER },
      ...opts,
    });
    const { url } = await server.start();
    const node: TestNode = {
      server,
      url,
      async client(userID, nickName) {
        const c = new CallClient({ url });
        clients.push(c);
        await c.login(await auth.mint(userID, nickName ? { nickName } : {}));
        return c;
      },
    };
    nodes.push(node);
    return node;
  };
  for (let i = 0; i < n; i++) await addNode();
  return {
    redis,
    nodes,
    auth,
    token: (u) => auth.mint(u),
    addNode,
    async close() {
      for (const c of clients) c.close();
      await Promise.all(nodes.map((x) => x.server.stop().catch(() => {})));
      await redis.stop();
    },
  };
}

export interface ChildNode {
  url: string;
  proc: ChildProcess;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** A node as a child process (`callroom serve --redis ...`), so that it can be SIGKILLed. */
export async function spawnNode(redisUrl: string, nodeID: string, args: string[] = []): Promise<ChildNode> {
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    ['bin/callroom.js', 'serve', '--redis', redisUrl, '--node-id', nodeID, '--port', String(port), '--node-timeout', String(TEST_CLUSTER.nodeTimeoutMs), '--log-level', 'warn', ...args],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, CALLROOM_API_KEY: API.apiKey, CALLROOM_API_SECRET: API.apiSecret },
    },
  );
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`node ${nodeID} exited: ${err}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`node ${nodeID} did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    url,
    proc,
    async kill() {
      proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}
