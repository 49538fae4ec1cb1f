/**
 * The cluster mode of the test harness (`CALLROOM_TEST_MODE=cluster`, see server.ts): a private
 * redis-server, three in-process nodes sharing it, and a non-sticky round-robin TCP proxy in
 * front of them. The TestServer it returns has the proxy's address as `url`, so every new
 * connection (a login, a reconnect) goes to the next node: a client whose connection drops comes
 * back on another node, as behind a load balancer without sticky sessions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createServer, type CallroomServer } from '../../src/server/app.js';
import type { ClusterNode } from '../../src/server/cluster/node.js';
import { Auth } from '../../src/server/gateway/auth.js';
import { RedisStore } from '../../src/server/store/redis.js';
import { TEST_CLUSTER } from './cluster.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './proxy.js';
import { startRedis, type TestRedis } from './redis.js';
import { API, WAIT_MS, addSettler, sdkClients, type StartOptions, type TestServer } from './server.js';

export const CLUSTER_NODES = 3;

export interface ClusterTestServer extends TestServer {
  readonly mode: 'cluster';
  readonly redis: TestRedis;
  readonly proxy: RoundRobinProxy;
  /** The nodes now running, in the proxy's order (new objects after each restart). */
  readonly nodes: readonly CallroomServer[];
}

export async function startClusterServer(opts: StartOptions = {}): Promise<ClusterTestServer> {
  const { dir: givenDir, ...serverOpts } = opts;
  // Nothing is stored here (the state is in Redis), but a TestServer has a folder of its own.
  const dir = givenDir ?? mkdtempSync(join(tmpdir(), 'callroom-test-'));
  const redis = await startRedis();
  const auth = new Auth({ apiKey: API.apiKey, apiSecret: API.apiSecret });
  // The nodes' ports are kept across restarts, so the proxy's list of nodes (like a load
  // balancer's) stays as it is. Each start is a new generation of processes with new node IDs,
  // as a redeploy is: the stopped nodes are dead to the cluster, which hands their users over
  // to whichever node they reconnect to, and reaps those who do not within the resume grace.
  const ports: number[] = Array.from({ length: CLUSTER_NODES }, () => 0);
  let nodes: CallroomServer[] = [];
  let generation = 0;
  let running = false;

  // Listening first, so that every node can be given its address as the public URL: meeting
  // links are made by whichever node answers (docs/operations.md, cluster mode).
  const proxy = await startRoundRobinProxy(() => nodes.map((n) => n.url));
  const startNodes = async (): Promise<void> => {
    generation += 1;
    nodes = await Promise.all(
      ports.map(async (port, i) => {
        const store = new RedisStore(redis.url);
        await store.open();
        const server = createServer({
          host: '127.0.0.1',
          port,
          store,
          auth: { apiKey: API.apiKey, apiSecret: API.apiSecret, appID: API.appID, appSecret: API.appSecret },
          cluster: { redisUrl: redis.url, nodeID: `g${generation}-node${i + 1}`, ...TEST_CLUSTER },
          publicUrl: proxy.url,
          ...serverOpts,
        });
        ports[i] = (await server.start()).port;
        return server;
      }),
    );
    running = true;
  };
  const stopNodes = async (): Promise<void> => {
    if (!running) return;
    running = false;
    // All at once: the service as a whole goes down, as a restart of every node does.
    await Promise.all(nodes.map((n) => n.stop()));
  };

  await startNodes();
  const publisher = new Redis(redis.url, { connectionName: 'callroom-test-barrier' });
  const removeSettler = addSettler(() => (running ? Promise.all(nodes.map((n) => markerReached(publisher, n))).then(() => {}) : Promise.resolve()));
  const sdk = sdkClients(() => proxy.url, auth);

  return {
    mode: 'cluster',
    redis,
    proxy,
    get nodes() {
      return nodes;
    },
    get server() {
      return nodes[0]!;
    },
    url: proxy.url,
    dir,
    auth,
    // Any node reads the same Redis; the first one answers.
    get store() {
      return nodes[0]!.core.store;
    },
    isInCall: async (userID) => nodes[0]!.core.calls.isInCall(userID),
    meetingInfo: async (id) => nodes[0]!.core.meetings.info(id),
    token: (userID, o = {}) => auth.mint(userID, o),
    ...sdk.factories,
    async restart() {
      await stopNodes();
      await startNodes();
    },
    stop: stopNodes,
    async openStore() {
      const store = new RedisStore(redis.url);
      await store.open();
      return store;
    },
    async close() {
      sdk.closeAll();
      removeSettler();
      await stopNodes();
      await proxy.close();
      publisher.disconnect();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let markers = 0;

/**
 * Resolves once `node` has received a marker published now on its channel. Redis hands a
 * subscriber its messages in the order they were published, and the node handles each message
 * (passing events to its sessions' sockets) synchronously as it arrives, before this listener,
 * added after the node's own, runs. So every event published before the marker (by a script
 * whose reply the test has already seen) has been sent to the node's sockets by then. The node
 * ignores a message of a type it does not know.
 */
function markerReached(publisher: Redis, node: CallroomServer): Promise<void> {
  const link = (node.core.sessions as unknown as { node?: ClusterNode }).node;
  if (!link) throw new Error('cluster harness: this server has no cluster link (core.sessions.node)');
  // The subscriber connection is private to the node; the harness reads it only to see the marker arrive.
  const sub = (link as unknown as { sub: Redis }).sub;
  const marker = JSON.stringify({ t: 'test.barrier', n: ++markers });
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.off('message', onMessage);
      reject(new Error(`barrier: node ${link.id} did not receive its marker within ${WAIT_MS} ms`));
    }, WAIT_MS);
    const onMessage = (_channel: string, text: string) => {
      if (text !== marker) return;
      clearTimeout(timer);
      sub.off('message', onMessage);
      resolve();
    };
    sub.on('message', onMessage);
    publisher.publish(`cr:ch:${link.id}`, marker).catch((err: Error) => {
      clearTimeout(timer);
      sub.off('message', onMessage);
      reject(err);
    });
  });
}
