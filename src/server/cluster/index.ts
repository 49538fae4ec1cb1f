/**
 * Cluster mode: the services of one node wired to Redis (see node.ts for how nodes find each
 * other, lua.ts for the atomic changes). createServer uses this instead of the in-memory
 * services when it is given `cluster` options.
 */
import { performance } from 'node:perf_hooks';
import type { CallRecord } from '../../protocol/messages.js';
import { RESUME_BUFFER } from '../gateway/session.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import { ClusterCalls } from './calls.js';
import { ClusterMeetings } from './meetings.js';
import { ClusterNode, type ClusterMessage, type ClusterOptions } from './node.js';
import { ClusterPresence } from './presence.js';
import { ClusterQueues } from './queues.js';
import type { Metrics } from '../http/metrics.js';
import type { QueueRuleConfig } from '../rules/queues.js';
import { ClusterSessions } from './sessions.js';
import { presenceEvents } from '../webhooks/events.js';
import { outboxRows } from '../webhooks/worker.js';
import { outboxArg, RedisOutbox, type WebhookReport } from './outbox.js';

export type { ClusterOptions } from './node.js';

/**
 * How often open calls are checked for a party with no session anywhere (a safety net: the check
 * reads every open call, so it runs seldom; the usual endings need no check).
 */
export const ORPHAN_SWEEP_MS = 5_000;
/** The users of nodes about to be reapable are read this much ahead, so that the read covers what the script reaps a moment later. */
const REAP_READ_MARGIN_MS = 1_000;

export interface ClusterDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  ringTimeoutMs: number;
  /** How long a call to a user who is not connected waits for them (0: 603 at once). */
  offlineRingMs?: number;
  /** Webhooks on: the URLs each event goes to (the outbox is in Redis, see outbox.ts). */
  webhookUrls?: string[];
  meetingTtlMs: number;
  resumeGraceMs: number;
  /** Bytes of unacknowledged events kept per session (as on one node: Limits.maxQueuedBytes). */
  maxQueuedBytes: number;
  publicUrl(): string;
  onDelivered?(setupMs: number): void;
  onEnded?(call: CallRecord): void;
  onScript?(name: string): void;
  metrics: Metrics;
  queueConfig: QueueRuleConfig;
  /** Another node revoked a user's tokens before `notBefore` (s). */
  onRevoked(userID: string, notBefore: number): void;
}

export interface ClusterServices {
  node: ClusterNode;
  sessions: ClusterSessions;
  calls: ClusterCalls;
  meetings: ClusterMeetings;
  presence: ClusterPresence;
  queues: ClusterQueues;
  /** The webhook outbox in Redis, when webhooks are on. */
  outbox: RedisOutbox | null;
  /** A user's tokens before `notBefore` (s) were revoked here: every node learns it and ends the user's session. */
  revoked(userID: string, notBefore: number): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createCluster(opts: ClusterOptions, d: ClusterDeps): ClusterServices {
  const node = new ClusterNode(opts, {
    clock: d.clock,
    log: d.log,
    resumeGraceMs: d.resumeGraceMs,
    logCap: { events: RESUME_BUFFER, bytes: d.maxQueuedBytes },
    ...(d.onScript ? { onScript: d.onScript } : {}),
  });
  const onError = (err: unknown) => d.log.error({ err }, 'cluster operation failed');
  // Webhooks: the events of a change are decided here (webhooks/events.ts) and appended by its script.
  const urls = d.webhookUrls ?? [];
  const report: WebhookReport | undefined = urls.length > 0 ? (events) => outboxArg(outboxRows(urls, events)) : undefined;
  const outbox = report ? new RedisOutbox(node) : null;
  const presenceReport = (userID: string, online: boolean) => (report ? report(presenceEvents(userID, online, d.clock.now())) : '');
  const sessions = new ClusterSessions(node, presenceReport);
  const calls = new ClusterCalls({
    node,
    store: d.store,
    clock: d.clock,
    sessions,
    ringTimeoutMs: d.ringTimeoutMs,
    ...(d.offlineRingMs ? { offlineRingMs: d.offlineRingMs } : {}),
    ...(report ? { report } : {}),
    publicUrl: d.publicUrl,
    ...(d.onDelivered ? { onDelivered: d.onDelivered } : {}),
    ...(d.onEnded ? { onEnded: d.onEnded } : {}),
    onError: (err, what) => d.log.error({ err, what }, 'call transition failed'),
  });
  const meetings = new ClusterMeetings({ node, store: d.store, clock: d.clock, ttlMs: d.meetingTtlMs, publicUrl: d.publicUrl, onError });
  const presence = new ClusterPresence(node, onError);
  const queues = new ClusterQueues({ node, store: d.store, clock: d.clock, log: d.log, metrics: d.metrics, config: d.queueConfig, ...(report ? { report } : {}) });

  // Logins elsewhere: a resume there takes a session over, a new login there kicks it.
  node.onMessage((m: ClusterMessage) => {
    if (m.t === 'moved') {
      const s = sessions.session(m.sid);
      if (s) presence.forget(s);
      sessions.movedAway(m.sid);
    } else if (m.t === 'revoked') {
      d.onRevoked(m.u, m.nb);
      sessions.get(m.u)?.close('TOKEN_INVALID');
    } else if (m.t === 'kick') {
      if (sessions.session(m.sid)) d.log.info({ sid: m.sid }, 'login on another node: closing the older session');
      sessions.kick(m.sid);
    }
  });
  // Declared dead while paused: the cluster has ended these sessions; make their clients reconnect.
  node.onEvicted = () => {
    for (const s of [...sessions.values()]) s.close('CONNECTION_ERROR');
  };
  // Dead nodes: their sessions end once the node timeout and the resume grace have passed.
  node.every(async () => {
    // With webhooks, '{}' at least: the script then says whose user.offline it was not given.
    const offline = report ? await offlineReports(node, presenceReport, d.clock.now() + REAP_READ_MARGIN_MS, d.resumeGraceMs) : '';
    const r = (await node.run('reap', d.resumeGraceMs, offline)) as string[];
    const bar = r.indexOf('|');
    const reaped = r.slice(0, bar);
    if (reaped.length > 0) d.log.warn({ nodes: reaped }, 'cluster: nodes gone; their sessions end');
    const lost = r.slice(bar + 1);
    for (let i = 0; i < lost.length; i += 3) {
      // A node that became reapable between the read above and the script: its users' events now.
      if (lost[i + 2] === '1') await node.run('whappend', presenceReport(lost[i]!, false));
      if (lost[i + 1]) await calls.lose(lost[i]!);
      queues.gone(lost[i]!);
    }
  });

  // Calls left open by a crash: checked at start and then every ORPHAN_SWEEP_MS (real time).
  let lastOrphanSweep = -Infinity;
  const sweepOrphans = async () => {
    const now = performance.now();
    if (now - lastOrphanSweep < ORPHAN_SWEEP_MS) return;
    lastOrphanSweep = now;
    await calls.endOrphans(d.resumeGraceMs);
  };
  node.every(sweepOrphans);

  return {
    node,
    sessions,
    calls,
    meetings,
    presence,
    queues,
    outbox,
    async start() {
      await node.start();
      await presence.load();
      await sweepOrphans();
    },
    revoked(userID, notBefore) {
      const m: ClusterMessage = { t: 'revoked', u: userID, nb: notBefore };
      void node.redis.publish('cr:ch:all', JSON.stringify(m)).catch(onError);
    },
    stop: () => node.stop(),
  };
}

/**
 * The user.offline deliveries for the users of the nodes the `reap` script would reap now (silent
 * past the node timeout plus their resume grace), as it takes them: a JSON object user → outbox
 * argument ('{}' when there is no such node). The script appends a user's only if it ends their
 * last session. (Read without a lock: a node reaped meanwhile by another node is reaped once, there.)
 */
async function offlineReports(node: ClusterNode, report: (userID: string, online: boolean) => string, now: number, graceMs: number): Promise<string> {
  const stale = await node.redis.zrangebyscore('cr:nodes', '-inf', now - node.nodeTimeoutMs, 'WITHSCORES');
  const due: string[] = [];
  for (let i = 0; i < stale.length; i += 2) {
    const grace = Number((await node.redis.hget('cr:nodegrace', stale[i]!)) ?? graceMs);
    if (Number(stale[i + 1]) < now - node.nodeTimeoutMs - grace) due.push(stale[i]!);
  }
  if (due.length === 0) return '{}';
  const sids = (await Promise.all(due.map((n) => node.redis.smembers(`cr:nodesess:${n}`)))).flat();
  const users = new Set((await Promise.all(sids.map((sid) => node.redis.hget(`cr:sess:${sid}`, 'u')))).filter((u): u is string => u !== null));
  if (users.size === 0) return '{}';
  return JSON.stringify(Object.fromEntries([...users].map((u) => [u, report(u, false)])));
}
