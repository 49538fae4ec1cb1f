/**
 * Cluster harness: one private redis-server and N callroom nodes sharing it, each a real server
 * on its own ephemeral port, in this process. `spawnNode` runs a node as a child process
 * (`callroom serve --redis`), for tests that kill one with SIGKILL.
 */
import { createServer, type CallroomServer, type ServerOptions } from '../../src/server/app.js';
import { Auth } from '../../src/server/gateway/auth.js';
import { RedisStore } from '../../src/server/store/redis.js';
import type { ClusterNode } from '../../src/server/cluster/node.js';
import { CallClient } from '../../src/sdk/index.js';
import type { UserStatus } from '../../src/protocol/messages.js';
import type { Redis } from 'ioredis';
import { API, WAIT_MS } from './server.js';
import { startRedis, type TestRedis } from './redis.js';
import { spawnServer, type ChildServer } from './process.js';

export interface TestNode {
  server: CallroomServer;
  url: string;
  client(userID: string, nickName?: string): Promise<CallClient>;
  /** The node's connections to Redis: its store's, and its cluster command and subscriber connections. */
  redisConnections: Redis[];
}

export interface TestCluster {
  redis: TestRedis;
  nodes: TestNode[];
  auth: Auth;
  token(userID: string): Promise<string>;
  /** Adds one more in-process node. */
  addNode(): Promise<TestNode>;
  /**
   * A barrier for "nothing else arrived" checks across nodes: once it resolves, every event
   * published for these clients before it was called has reached them. (Clients of child-process
   * nodes too, as long as nodes[0] is alive.) The clients are subscribed to status on first use,
   * so they receive `user.status` events from then on.
   */
  barrier(...clients: CallClient[]): Promise<void>;
  /**
   * SIGKILLs redis-server, starts it again on the same port and folder, and resolves once every
   * in-process node's connections to it are back (ioredis 'ready' after their 'close'), so that
   * what the test does next does not race the reconnection. ('ready' of a subscriber connection
   * means its re-subscription has been sent, not yet confirmed.)
   */
  crashRedis(): Promise<void>;
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
    // The cluster link is internal to the server (cluster/node.ts); the harness reaches its two
    // connections (commands, subscriber) only to know when they are back after a Redis crash.
    const link = (server.core.sessions as unknown as { node: ClusterNode }).node;
    const node: TestNode = {
      server,
      url,
      redisConnections: [store.redis, link.redis, (link as unknown as { sub: Redis }).sub],
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

  // The barrier. Every event for a user reaches their node through its one Redis subscriber
  // connection, and Redis hands a subscriber its messages in publish order whatever the channel
  // (the node's `cr:ch:<node>` or the broadcast `cr:ch:all`, see cluster/lua.ts); the node passes
  // them to the session's socket in that order. So a status change of a bystander user, broadcast
  // after everything the test is checking was published, having reached a client proves that
  // every earlier event for that client has reached it too. The bystander's DND is flipped: each
  // flip is a change, so each is broadcast once.
  const FLAG_USER = '~barrier';
  let flagClient: Promise<CallClient> | null = null;
  let flagDnd = false;
  const subscribed = new WeakSet<CallClient>();
  const barrier = async (...cs: CallClient[]): Promise<void> => {
    const flag = await (flagClient ??= nodes[0]!.client(FLAG_USER));
    for (const c of cs) {
      if (subscribed.has(c)) continue;
      await c.subscribeStatus();
      subscribed.add(c);
    }
    const dnd = (flagDnd = !flagDnd);
    const seen = cs.map((c) => statusSeen(c, (st) => st.userID === FLAG_USER && st.dnd === dnd));
    await flag.setDnd(dnd);
    await Promise.all(seen);
  };

  return {
    redis,
    nodes,
    auth,
    token: (u) => auth.mint(u),
    addNode,
    barrier,
    async crashRedis() {
      const back = Promise.all(nodes.flatMap((x) => x.redisConnections.map((r) => reconnected(r))));
      back.catch(() => {}); // awaited below; not unhandled if the restart itself fails first
      await redis.crashAndRestart();
      await back;
    },
    async close() {
      for (const c of clients) c.close();
      await Promise.all(nodes.map((x) => x.server.stop().catch(() => {})));
      await redis.stop();
    },
  };
}

/** The next `user.status` event on `c` that passes `where`. */
function statusSeen(c: CallClient, where: (st: UserStatus) => boolean, ms = WAIT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('barrier: the status change did not arrive'));
    }, ms);
    const off = c.on('user.status', (st: UserStatus) => {
      if (!where(st)) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/** Resolves when `r` is ready again after its connection closes (armed before the close). */
function reconnected(r: Redis, ms = WAIT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis connection ${r.options.connectionName ?? ''} not ready again within ${ms} ms`)), ms);
    r.once('close', () =>
      r.once('ready', () => {
        clearTimeout(timer);
        resolve();
      }),
    );
  });
}

export type ChildNode = ChildServer;

/** A node as a child process (`callroom serve --redis ...`), so that it can be SIGKILLed. */
export function spawnNode(redisUrl: string, nodeID: string, args: string[] = []): Promise<ChildNode> {
  return spawnServer(`node ${nodeID}`, ['--redis', redisUrl, '--node-id', nodeID, '--node-timeout', String(TEST_CLUSTER.nodeTimeoutMs), ...args]);
}
