/** `callroom bench` / `npm run bench` options: flags, defaults, checks and the help text. */
import { parseArgs } from 'node:util';
import { DEV_DEFAULTS } from '../src/cli/config.js';

export const SCENARIOS = ['cycle', 'ceiling', 'open', 'scale', 'cluster', 'queue'] as const;
export type Scenario = (typeof SCENARIOS)[number];
/** What `all` runs: the cluster scenario (four more processes, three times the users) and the queue scenario are opt-in. */
export const ALL_SCENARIOS: readonly Scenario[] = ['cycle', 'ceiling', 'open', 'scale'];
/** Nodes of the cluster scenario. */
export const CLUSTER_NODES = 3;

export interface BenchOptions {
  scenarios: Scenario[];
  pairs: number;
  durationS: number;
  warmupS: number;
  rate: number;
  users: number;
  loaders: number;
  scaleLoaders: number;
  clusterUsers: number;
  clusterLoaders: number;
  concurrency: number;
  /** Queue scenario: agents, customers, arrivals per second (or 'max'), handling time. */
  agents: number;
  customers: number;
  queueRate: number | 'max';
  handleMs: number;
  url: string | null;
  apiKey: string | null;
  apiSecret: string | null;
  json: boolean;
  cpuProf: string | null;
}

export const HELP = `callroom bench — call throughput, latency and scale of a callroom server

Usage: npm run bench -- [options]      (or: callroom bench [options])

Starts its own callroom server ("callroom serve" in a separate process, fresh data folder,
loopback only) for each scenario, drives it from separate loader processes over the real
protocol with real tokens, prints progress to stderr and a summary at the end.

Scenarios (--scenario, comma-separated; default: all):
  cycle     closed loop: P caller/callee pairs each repeat invite → incoming → accept →
            accepted → hang up → hung up. Cycles/s, p50/p95/p99 of invite→incoming and
            accept→accepted. Every event is counted: a lost or duplicated one fails the run.
  ceiling   the same frames, same loader, through a bare ws relay with no logic (bench/relay.ts,
            its own process): the most this machine could do. Reports callroom ÷ ceiling.
  open      open loop: cycles started at a fixed --rate on idle pairs; p50/p95/p99 of
            invite→incoming (latency under a steady load, not at saturation).
  scale     --users idle users connect and log in (spread over loader processes); login rate
            and the server's resident memory per logged-in user above the empty server.
  cluster   not in "all" (opt-in: five more processes and three times the users). A private
            redis-server (ephemeral port, temp folder, appendonly yes, appendfsync everysec) and
            three "callroom serve --redis" nodes. (1) call cycles across nodes: --pairs pairs,
            caller and callee on different nodes (round-robin), closed loop as in cycle, same
            event accounting; (2) --cluster-users idle users logged in spread over the three
            nodes: login rate, resident memory per user of each node and of Redis, and the
            total held against one node's (the scale figure of this run, else --users).
  queue     not in "all". A call-centre queue (defined in the server's data folder before it
            starts): --agents agents serve it with DND off, customers join it at --rate per
            second (open loop) or, with --rate max, rejoin as soon as served (saturation). Each
            service: queue.assigned → queue.accept → the agent calls the customer, the customer
            accepts, the agent hangs up after --handle-ms (the call's end ends the service).
            Assignments/s, p50/p95/p99 of queue.join → queue.assigned. A customer offered twice
            or to two agents, an agent offered a customer while it holds one, or a customer never
            offered or never served fails the run.

Options:
  --scenario <list>      cycle,ceiling,open,scale,cluster,queue or all   [all = all but cluster, queue]
  --pairs <n>            caller/callee pairs for cycle, ceiling, open, cluster   [100]
  --duration <s>         measured seconds of each timed scenario                 [10]
  --warmup <s>           unmeasured seconds before each timed scenario           [2]
  --rate <n>             open loop: cycles started per second                   [2000]
                         queue: customers joining per second, or "max"          [500]
  --agents <n>           queue: agents serving the queue                        [20]
  --customers <n>        queue: customer users (a free one takes each arrival;
                         served ones are free again)          [1000; with --rate max 2 × agents]
  --handle-ms <ms>       queue: how long each agent stays on the call           [0]
  --users <n>            scale: idle logged-in users                             [19000]
  --loaders <n>          loader processes for cycle, ceiling, open, cluster      [1]
  --scale-loaders <n>    loader processes for scale (≤ 20,000 open files each)   [users/5000, at least 2]
  --concurrency <n>      scale and cluster: logins in flight per loader process  [100]
  --cluster-users <n>    cluster: idle users over the three nodes                [3 × --users]
  --cluster-loaders <n>  cluster: loader processes for the idle users, a multiple of 3, each
                         sending to one node (≤ 20,000 open files each)  [users/5000 → multiple of 3]
  --url <url>            use this running server instead of starting one (cycle, open, scale;
                         not cluster, which starts its own Redis and nodes);
                         its memory and CPU are then read from its /metrics
  --api-key <key>        with --url: the server's API key    [$CALLROOM_API_KEY or the --dev key]
  --api-secret <secret>  with --url: the server's API secret [$CALLROOM_API_SECRET or the --dev secret]
  --cpu-prof <dir>       run the server and the relay with node --cpu-prof; profiles go to <dir>
  --json                 print one JSON object on stdout (the summary goes to stderr)
  -h, --help             show this help

The loader and the server share the machine: on a 2-core machine they compete for the same
cores, so the figures are a floor for a server with the machine to itself.

Examples:
  npm run bench
  npm run bench -- --scenario cycle,ceiling --duration 20
  npm run bench -- --scenario scale --users 19000 --json > scale.json
  npm run bench -- --scenario cycle --cpu-prof ./profiles
  npm run bench -- --scenario scale,cluster --json > cluster.json
  npm run bench -- --scenario queue --rate 1000
  npm run bench -- --scenario queue --rate max --agents 20`;

/** Default share of the scale users per loader process. */
const USERS_PER_LOADER = 5_000;
/** Open files a process may hold here is 20,000; leave room for the process's own. */
const MAX_SOCKETS_PER_PROCESS = 19_500;

export class UsageError extends Error {}

function int(name: string, text: string | undefined, def: number, min: number, max: number): number {
  if (text === undefined) return def;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

function seconds(name: string, text: string | undefined, def: number, min: number): number {
  if (text === undefined) return def;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > 3600) throw new UsageError(`--${name} must be a number of seconds from ${min} to 3600, got "${text}"`);
  return n;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        scenario: { type: 'string' },
        pairs: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        rate: { type: 'string' },
        users: { type: 'string' },
        loaders: { type: 'string' },
        'scale-loaders': { type: 'string' },
        'cluster-users': { type: 'string' },
        'cluster-loaders': { type: 'string' },
        concurrency: { type: 'string' },
        agents: { type: 'string' },
        customers: { type: 'string' },
        'handle-ms': { type: 'string' },
        url: { type: 'string' },
        'api-key': { type: 'string' },
        'api-secret': { type: 'string' },
        'cpu-prof': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}. Run with --help for the options.`);
  }
  if (values.help) return 'help';
  const list = (values.scenario ?? 'all').split(',').map((s) => s.trim()).filter(Boolean);
  const scenarios: string[] = list.includes('all') ? [...ALL_SCENARIOS, ...list.filter((s) => s !== 'all')] : list;
  for (const s of scenarios) {
    if (!(SCENARIOS as readonly string[]).includes(s)) throw new UsageError(`unknown scenario "${s}": use ${SCENARIOS.join(', ')} or all`);
  }
  const users = int('users', values.users, 19_000, 1, 1_000_000);
  const pairs = int('pairs', values.pairs, 100, 1, 10_000);
  const url = values.url ?? null;
  if (url !== null && !/^(ws|http)s?:\/\/[^\s/]+/.test(url)) throw new UsageError(`--url must be a ws:// or http:// URL, got "${url}"`);
  const loaders = int('loaders', values.loaders, 1, 1, 64);
  if (loaders > pairs) throw new UsageError(`--loaders (${loaders}) cannot exceed --pairs (${pairs})`);
  const scaleLoaders = int('scale-loaders', values['scale-loaders'], Math.max(2, Math.ceil(users / USERS_PER_LOADER)), 1, 64);
  if (users / scaleLoaders > MAX_SOCKETS_PER_PROCESS) {
    throw new UsageError(`${users} users over ${scaleLoaders} loader processes is more than ${MAX_SOCKETS_PER_PROCESS} sockets each: raise --scale-loaders`);
  }
  const clusterUsers = int('cluster-users', values['cluster-users'], users * CLUSTER_NODES, CLUSTER_NODES, 3_000_000);
  const clusterLoaders = int(
    'cluster-loaders',
    values['cluster-loaders'],
    CLUSTER_NODES * Math.max(1, Math.ceil(clusterUsers / USERS_PER_LOADER / CLUSTER_NODES)),
    CLUSTER_NODES,
    63,
  );
  if (clusterLoaders % CLUSTER_NODES !== 0) throw new UsageError(`--cluster-loaders must be a multiple of ${CLUSTER_NODES}, got ${clusterLoaders}`);
  if (clusterUsers / clusterLoaders > MAX_SOCKETS_PER_PROCESS) {
    throw new UsageError(`${clusterUsers} cluster users over ${clusterLoaders} loader processes is more than ${MAX_SOCKETS_PER_PROCESS} sockets each: raise --cluster-loaders`);
  }
  if (clusterUsers / CLUSTER_NODES > MAX_SOCKETS_PER_PROCESS) {
    throw new UsageError(`${clusterUsers} cluster users is more than ${MAX_SOCKETS_PER_PROCESS} sockets for each of the ${CLUSTER_NODES} nodes`);
  }
  if (url !== null && scenarios.includes('cluster')) throw new UsageError('the cluster scenario starts its own nodes: it does not take --url');
  if (url !== null && scenarios.includes('queue')) throw new UsageError('the queue scenario defines its queue before it starts its server: it does not take --url');
  const maxRate = values.rate === 'max';
  if (maxRate && scenarios.some((s) => s !== 'queue')) throw new UsageError('--rate max is for the queue scenario only');
  const rate = int('rate', maxRate ? undefined : values.rate, 2_000, 1, 1_000_000);
  const agents = int('agents', values.agents, 20, 1, 10_000);
  const customers = int('customers', values.customers, maxRate ? 2 * agents : 1_000, 1, MAX_SOCKETS_PER_PROCESS - agents);
  return {
    scenarios: SCENARIOS.filter((s) => scenarios.includes(s)),
    pairs,
    durationS: seconds('duration', values.duration, 10, 0.5),
    warmupS: seconds('warmup', values.warmup, 2, 0),
    rate,
    users,
    loaders,
    scaleLoaders,
    clusterUsers,
    clusterLoaders,
    concurrency: int('concurrency', values.concurrency, 100, 1, 10_000),
    agents,
    customers,
    queueRate: maxRate ? 'max' : values.rate === undefined ? 500 : rate,
    handleMs: int('handle-ms', values['handle-ms'], 0, 0, 60_000),
    url,
    apiKey: values['api-key'] ?? (url ? (env.CALLROOM_API_KEY ?? DEV_DEFAULTS.apiKey) : null),
    apiSecret: values['api-secret'] ?? (url ? (env.CALLROOM_API_SECRET ?? DEV_DEFAULTS.apiSecret) : null),
    json: values.json ?? false,
    cpuProf: values['cpu-prof'] ?? null,
  };
}
