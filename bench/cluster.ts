/**
 * The cluster scenario (issue 6): a private redis-server and three `callroom serve --redis`
 * nodes on this machine. (1) Call cycles with caller and callee on different nodes, through the
 * same loader and event accounting as the cycle scenario. (2) Idle users logged in spread over
 * the three nodes: login rate, memory per user of each node and of Redis, and the total held.
 * Each part gets a fresh cluster (fresh Redis, fresh nodes), as every other scenario gets a
 * fresh server.
 */
import { performance } from 'node:perf_hooks';
import type { Percentiles } from './histogram.js';
import type { ScaleResult } from './ipc.js';
import { CLUSTER_NODES } from './options.js';
import { Loader, machineCpu, sleep, startCallroom, startRedis, type Probe, type RedisService, type Service } from './procs.js';
import { cpuOf, diff, healthSessions, loginFigures, merge, machineSeconds, round2, runCalls, share, type CallsSummary, type Context } from './scenarios.js';

const SETUP_TIMEOUT_MS = 120_000;
/** After the logins, let the nodes settle before reading their memory (as scale does). */
const SETTLE_MS = 3_000;
/** At most this long for the nodes to end the closed sessions before they are stopped. */
const QUIET_MS = 15_000;

export interface ClusterNodeHold {
  nodeId: string;
  /** Users the loaders logged in on this node, and the sessions the node reports (/healthz). */
  loggedIn: number;
  sessions: number | null;
  rssEmptyBytes: number | null;
  rssLoadedBytes: number | null;
  kibPerUser: number | null;
}

export interface ClusterHold {
  users: number;
  loaders: number;
  loggedIn: number;
  failed: number;
  failSamples: string[];
  seconds: number;
  loginsPerSec: number;
  connectMs: Percentiles;
  loginMs: Percentiles;
  nodes: ClusterNodeHold[];
  /** Resident memory per user: the three nodes together, Redis, and both. */
  nodesKibPerUser: number | null;
  redisRssEmptyBytes: number | null;
  redisRssLoadedBytes: number | null;
  redisKibPerUser: number | null;
  totalKibPerUser: number | null;
  /** CPU seconds while the users logged in: the nodes together, Redis, the loaders, the whole machine. */
  nodesCpuSeconds: number | null;
  redisCpuSeconds: number | null;
  loaderCpuSeconds: number | null;
  machineCpuSeconds: number | null;
  unexpectedCloses: number;
  /**
   * One node's figure to compare with: the users the scale scenario of this run held, else the
   * --users setting (what one node is run with in docs/performance.md), and the ratio.
   */
  oneNodeUsers: number;
  oneNodeFrom: 'scale scenario of this run' | '--users setting';
  timesOneNode: number;
}

export interface ClusterSummary {
  nodes: number;
  redisVersion: string | null;
  redisPersistence: string;
  /** Cross-node call cycles; cpu.server is the three nodes and Redis together. */
  calls: CallsSummary;
  hold: ClusterHold;
}

interface Cluster {
  redis: RedisService;
  nodes: (Service & { nodeId: string })[];
  stop(): Promise<void>;
}

async function startCluster(ctx: Context): Promise<Cluster> {
  const redis = await startRedis();
  const nodes: Cluster['nodes'] = [];
  const stop = async () => {
    // Let the nodes finish ending the sessions the loaders just closed (Redis work) before
    // they stop: a node stopping with that work in flight logs it as failed.
    const until = Date.now() + QUIET_MS;
    while (Date.now() < until) {
      const open = await Promise.all(nodes.map((n) => healthSessions(n.httpBase)));
      if (open.every((x) => x === null || x === 0)) break;
      await sleep(100);
    }
    await sleep(200);
    await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
    await redis.stop();
  };
  try {
    for (let i = 1; i <= CLUSTER_NODES; i++) {
      const nodeId = `n${i}`;
      const svc = await startCallroom({ ...ctx.keys, cpuProfDir: ctx.opts.cpuProf, cluster: { redisUrl: redis.url, nodeId }, label: nodeId });
      nodes.push({ ...svc, nodeId });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  ctx.say(`cluster: redis-server ${redis.version ?? ''} on ${redis.url} (appendonly yes, appendfsync everysec); nodes ${nodes.map((n) => `${n.nodeId} ${n.httpBase}`).join(', ')}`);
  return { redis, nodes, stop };
}

/** A probe over several processes: memory and CPU summed. */
function sumProbe(probes: Probe[]): Probe {
  const sum = (f: (p: Probe) => Promise<number | null>) => async () => {
    let total = 0;
    for (const p of probes) {
      const v = await f(p);
      if (v === null) return null;
      total += v;
    }
    return total;
  };
  return { rss: sum((p) => p.rss()), cpuSeconds: sum((p) => p.cpuSeconds()), kernelSeconds: sum((p) => p.kernelSeconds()) };
}

const kib = (bytes: number | null, users: number) => (bytes === null || users <= 0 || bytes <= 0 ? null : Math.round((bytes / users / 1024) * 100) / 100);
const delta = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);

async function crossNodeCalls(ctx: Context): Promise<{ calls: CallsSummary; redisVersion: string | null }> {
  const c = await startCluster(ctx);
  try {
    const svc: Service = {
      wsUrl: c.nodes[0]!.wsUrl,
      httpBase: c.nodes[0]!.httpBase,
      pid: undefined,
      probe: sumProbe([...c.nodes.map((n) => n.probe), c.redis.probe]),
      stop: async () => {},
    };
    ctx.say(`cluster: ${ctx.opts.pairs} pairs, caller on node i, callee on node i+1 (mod ${CLUSTER_NODES})`);
    const calls = await runCalls(ctx, 'cluster calls', 'callroom', 'closed', {
      svc,
      nodeUrls: c.nodes.map((n) => n.wsUrl),
      redisScripts: () => redisScriptsRun(c.nodes.map((n) => n.httpBase)),
    });
    return { calls, redisVersion: c.redis.version };
  } finally {
    await c.stop();
  }
}

/** Storage scripts the nodes have run in Redis (`callroom_redis_scripts_total` of each node's /metrics). */
async function redisScriptsRun(httpBases: (string | null)[]): Promise<number | null> {
  let total = 0;
  for (const base of httpBases) {
    if (!base) return null;
    try {
      const text = await (await fetch(`${base}/metrics`)).text();
      for (const m of text.matchAll(/^callroom_redis_scripts_total\{[^}]*\} (\d+)$/gm)) total += Number(m[1]);
    } catch {
      return null;
    }
  }
  return total;
}

async function idleUsers(ctx: Context, oneNode: { users: number; from: ClusterHold['oneNodeFrom'] }): Promise<ClusterHold> {
  const { opts } = ctx;
  const c = await startCluster(ctx);
  const loaders = Array.from({ length: opts.clusterLoaders }, (_, i) => new Loader(i));
  try {
    await sleep(1000);
    const rssEmpty = await Promise.all(c.nodes.map((n) => n.probe.rss()));
    const redisEmpty = await c.redis.probe.rss();
    const loopback = process.platform === 'linux';
    // Loader i sends its users to node i mod 3: each node gets the same share.
    const nodeOf = (i: number) => i % CLUSTER_NODES;
    let firstUser = 0;
    loaders.forEach((l, i) => {
      const users = share(opts.clusterUsers, loaders.length, i);
      l.send({
        type: 'job',
        job: {
          kind: 'scale',
          url: c.nodes[nodeOf(i)]!.wsUrl,
          keys: ctx.keys,
          runID: `${ctx.runID}k`,
          firstUser,
          users,
          concurrency: opts.concurrency,
          localAddress: loopback ? `127.0.0.${10 + i}` : null,
        },
      });
      firstUser += users;
    });
    ctx.say(`cluster: minting ${opts.clusterUsers.toLocaleString('en-US')} tokens in ${loaders.length} loader processes (${loaders.length / CLUSTER_NODES} per node)`);
    await Promise.all(loaders.map((l) => l.next('ready', SETUP_TIMEOUT_MS)));
    const loaderProbes = loaders.map((l) => l.probe);
    const nodesProbe = sumProbe(c.nodes.map((n) => n.probe));
    const [n0, r0, l0, m0] = [await nodesProbe.cpuSeconds(), await c.redis.probe.cpuSeconds(), await cpuOf(loaderProbes), machineCpu()];
    const results = Promise.all(loaders.map((l) => l.next('scale-result', SETUP_TIMEOUT_MS * 2)));
    const t0 = performance.now();
    for (const l of loaders) l.send({ type: 'go' });
    const ticker = setInterval(() => {
      const done = loaders.reduce((n, l) => n + l.done, 0);
      ctx.say(`cluster: ${done.toLocaleString('en-US')} / ${opts.clusterUsers.toLocaleString('en-US')} logged in after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }, 1000);
    let rs: ScaleResult[];
    try {
      rs = await results;
    } finally {
      clearInterval(ticker);
    }
    const [n1, r1, l1, m1] = [await nodesProbe.cpuSeconds(), await c.redis.probe.cpuSeconds(), await cpuOf(loaderProbes), machineCpu()];
    const loggedIn = rs.reduce((n, r) => n + r.loggedIn, 0);
    const seconds = (Math.max(...rs.map((r) => r.lastDone)) - Math.min(...rs.map((r) => r.firstStart))) / 1000;
    ctx.say(`cluster: ${loggedIn.toLocaleString('en-US')} logged in; letting the nodes settle ${SETTLE_MS / 1000} s before reading their memory`);
    await sleep(SETTLE_MS);
    const rssLoaded = await Promise.all(c.nodes.map((n) => n.probe.rss()));
    const redisLoaded = await c.redis.probe.rss();
    const sessions = await Promise.all(c.nodes.map((n) => healthSessions(n.httpBase)));
    for (const l of loaders) l.send({ type: 'close' });
    const closed = await Promise.all(loaders.map((l) => l.next('closed', 60_000)));
    const nodes: ClusterNodeHold[] = c.nodes.map((n, k) => {
      const held = rs.filter((_, i) => nodeOf(i) === k).reduce((s, r) => s + r.loggedIn, 0);
      return {
        nodeId: n.nodeId,
        loggedIn: held,
        sessions: sessions[k] ?? null,
        rssEmptyBytes: rssEmpty[k] ?? null,
        rssLoadedBytes: rssLoaded[k] ?? null,
        kibPerUser: kib(delta(rssEmpty[k] ?? null, rssLoaded[k] ?? null), held),
      };
    });
    const nodesDelta = nodes.every((n) => n.rssEmptyBytes !== null && n.rssLoadedBytes !== null)
      ? nodes.reduce((s, n) => s + n.rssLoadedBytes! - n.rssEmptyBytes!, 0)
      : null;
    const redisDelta = delta(redisEmpty, redisLoaded);
    return {
      users: opts.clusterUsers,
      loaders: loaders.length,
      ...loginFigures(rs, loggedIn, seconds),
      nodes,
      nodesKibPerUser: kib(nodesDelta, loggedIn),
      redisRssEmptyBytes: redisEmpty,
      redisRssLoadedBytes: redisLoaded,
      redisKibPerUser: kib(redisDelta, loggedIn),
      totalKibPerUser: kib(nodesDelta === null || redisDelta === null ? null : nodesDelta + redisDelta, loggedIn),
      nodesCpuSeconds: diff(n0, n1),
      redisCpuSeconds: diff(r0, r1),
      loaderCpuSeconds: diff(l0, l1),
      machineCpuSeconds: round2(machineSeconds(m0, m1)),
      unexpectedCloses: closed.reduce((n, x) => n + x.unexpectedCloses, 0),
      oneNodeUsers: oneNode.users,
      oneNodeFrom: oneNode.from,
      timesOneNode: oneNode.users > 0 ? Math.round((loggedIn / oneNode.users) * 100) / 100 : 0,
    };
  } finally {
    await Promise.all(loaders.map((l) => l.stop()));
    await c.stop();
  }
}

/** Both parts of the cluster scenario. `scaleHeld`: the users one node held in this run's scale scenario, if it ran. */
export async function runCluster(ctx: Context, scaleHeld: number | null): Promise<ClusterSummary> {
  ctx.say('cluster (1/2): call cycles across nodes');
  const { calls, redisVersion } = await crossNodeCalls(ctx);
  ctx.say('cluster (2/2): idle users over the three nodes');
  const oneNode = scaleHeld !== null ? { users: scaleHeld, from: 'scale scenario of this run' as const } : { users: ctx.opts.users, from: '--users setting' as const };
  const hold = await idleUsers(ctx, oneNode);
  return { nodes: CLUSTER_NODES, redisVersion, redisPersistence: 'appendonly yes, appendfsync everysec', calls, hold };
}
