/**
 * Wiring: one HTTP server carries REST, metrics, the web page and the WebSocket at /v1/ws.
 * `createServer` builds everything from options; nothing here is global, so a test or a
 * benchmark can run several servers in one process.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { closeCodeFor, ErrorCodes } from '../protocol/errors.js';
import type { CallRecord } from '../protocol/messages.js';
import { WS_PATH } from '../protocol/version.js';
import { Calls } from './calls/calls.js';
import { CallRetention, DEFAULT_CALL_RETENTION_MS } from './retention.js';
import { createCluster, type ClusterOptions } from './cluster/index.js';
import { systemClock, type Clock } from './clock.js';
import type { Core, Limits } from './core.js';
import { MemoryLimitStore } from './gateway/attempts.js';
import { Auth, type AuthConfig } from './gateway/auth.js';
import { Connection } from './gateway/connection.js';
import { Guards } from './gateway/guards.js';
import { RedisLimitStore } from './gateway/redis-limits.js';
import { Visibility } from './gateway/visibility.js';
import { Metrics } from './http/metrics.js';
import { isLoopbackOrigin } from './http/origin.js';
import { createHttpHandler } from './http/routes.js';
import type { IceConfig } from './ice.js';
import { silentLogger, type Logger } from './log.js';
import { Meetings } from './meetings/meetings.js';
import { Presence } from './presence/presence.js';
import { LocalQueues } from './queues/local.js';
import { DEFAULT_ASSIGN_TIMEOUT_MS, type QueueRuleConfig } from './rules/queues.js';
import { SessionRegistry } from './sessions.js';
import { RedisStore } from './store/redis.js';
import type { Store } from './store/types.js';
import { presenceEvents } from './webhooks/events.js';
import { isOutboxStore } from './webhooks/types.js';
import { SqliteOutbox } from './webhooks/sqlite-outbox.js';
import { Webhooks, type WebhookOptions } from './webhooks/worker.js';

export interface ServerOptions {
  host: string;
  port: number;
  store: Store;
  auth: AuthConfig;
  dev?: boolean;
  ringTimeoutMs?: number;
  /** How long a call to a user who is not connected waits for them to log in (0 = 603 at once). */
  offlineRingMs?: number;
  meetingTtlMs?: number;
  /** Base URL for meeting links; defaults to http://host:port. */
  publicUrl?: string;
  webRoot?: string | null;
  /** STUN/TURN servers handed to clients (op ice.servers). */
  ice?: IceConfig;
  limits?: Partial<Limits>;
  clock?: Clock;
  log?: Logger;
  /** Collect Node process metrics too (off in tests that run many servers). */
  processMetrics?: boolean;
  /** Join a cluster on Redis (store should then be a RedisStore on the same Redis). */
  cluster?: ClusterOptions;
  /** Ended call records older than this are deleted (0 = kept forever). */
  callRetentionMs?: number;
  /** When set, GET /metrics needs `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string;
  /** How long an agent has to accept or reject a queue customer offered to them (default 30 s). */
  assignTimeoutMs?: number;
  /** Signed webhooks to the app's backend, from an outbox in the store (SQLite on one node, Redis in a cluster). */
  webhooks?: WebhookOptions;
}

/**
 * How often the server pings each socket. A socket that has not answered one ping when the next is
 * due is cut, so a dead connection (even a silent one: packets held, no reset) is noticed within
 * 2 × this: 8 s.
 */
export const DEFAULT_HEARTBEAT_MS = 4_000;

export const DEFAULT_LIMITS: Limits = {
  loginTimeoutMs: 5_000,
  heartbeatMs: DEFAULT_HEARTBEAT_MS,
  ratePerSecond: 50,
  rateBurst: 200,
  maxFrameBytes: 64 * 1024,
  maxConnsPerIP: 1_000,
  resumeGraceMs: 20_000,
  allowedOrigins: [],
  loginFailuresPerMinute: 20,
  loginsPerUserPerMinute: 60,
  passwordFailuresPerMinute: 10,
  passwordFailuresPerMeetingPerMinute: 30,
  maxMeetingsPerUser: 100,
  maxMembersPerMeeting: 100,
  maxQueuedBytes: 2 * 1024 * 1024,
  maxTokenLifetimeS: 31 * 86_400,
  presence: 'all',
};

/** Frames above this are not even read: the socket is closed with 1009. */
const HARD_FRAME_CAP = 1024 * 1024;
/** How long `stop()` waits for clients to go after telling them. */
const DRAIN_MS = 2_000;

export interface CallroomServer {
  readonly core: Core;
  /** The webhook delivery worker, when --webhook-url is set. */
  readonly webhooks: Webhooks | null;
  start(): Promise<{ port: number; url: string }>;
  stop(): Promise<void>;
  readonly url: string;
}

export function createServer(opts: ServerOptions): CallroomServer {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? silentLogger;
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const metrics = new Metrics(opts.processMetrics ?? false);
  const sessions = new SessionRegistry();
  const ringTimeoutMs = opts.ringTimeoutMs ?? 30_000;
  let boundPort = opts.port;
  let publicUrl = opts.publicUrl ?? '';
  const webhookOpts = opts.webhooks && opts.webhooks.urls.length > 0 ? opts.webhooks : null;
  if (webhookOpts && !opts.cluster && !isOutboxStore(opts.store)) {
    throw new Error('webhooks on a single node need the SQLite store (its outbox table), or a cluster (--redis)');
  }
  // The outbox: SQLite's table on one node; in a cluster it is in Redis (made with the cluster, below).
  const localWebhooks: Webhooks | null = webhookOpts && !opts.cluster && isOutboxStore(opts.store) ? new Webhooks({ outbox: new SqliteOutbox(opts.store), clock, log, metrics }, webhookOpts) : null;

  const meetings = new Meetings({
    store: opts.store,
    clock,
    get publicUrl() {
      return publicUrl;
    },
    ttlMs: opts.meetingTtlMs ?? 24 * 3600_000,
    onMembershipChange: (u) => presence.refresh(u),
  });
  const onEnded = (c: CallRecord) => {
    metrics.calls.inc({ outcome: c.outcome ?? 'unknown' });
    core.queues.callEnded(c);
    log.info({ call: c.callID, caller: c.caller, callee: c.callee, outcome: c.outcome, endedBy: c.endedBy }, 'call ended');
  };
  const calls: Calls = new Calls({
    store: opts.store,
    clock,
    sessions,
    meetings,
    presence: () => presence,
    ringTimeoutMs,
    offlineRingMs: opts.cluster ? 0 : (opts.offlineRingMs ?? 0),
    onDelivered: (ms) => metrics.callSetup.observe(ms / 1000),
    onEnded,
    onError: (err, c) => log.error({ err, call: c.callID }, 'call transition failed'),
    ...(localWebhooks ? { webhooks: localWebhooks } : {}),
  });
  const presence: Presence = new Presence({
    sessions,
    store: opts.store,
    isInCall: (u) => calls.isInCall(u),
    isInMeeting: (u) => (sessions.get(u)?.meetingID ?? null) !== null,
    ...(localWebhooks
      ? {
          onOnline: (u: string, online: boolean) =>
            void localWebhooks.append(presenceEvents(u, online, clock.now())).catch((err: unknown) => log.error({ err, user: u }, 'webhook event not written')),
        }
      : {}),
  });
  const auth = new Auth({ ...opts.auth, maxLifetimeS: opts.auth.maxLifetimeS ?? limits.maxTokenLifetimeS });
  // Limits over time: in memory on one node; shared in Redis by the nodes of a cluster.
  const memoryLimits = new MemoryLimitStore(clock);
  const limitStore = opts.cluster && opts.store instanceof RedisStore ? new RedisLimitStore(opts.store.redis, memoryLimits) : memoryLimits;
  const guards = new Guards(limitStore, limits);
  const visibility = new Visibility(limits.presence, opts.store);
  const ice: IceConfig = opts.ice ?? { servers: [] };
  const queueConfig: QueueRuleConfig = { assignTimeoutMs: opts.assignTimeoutMs ?? DEFAULT_ASSIGN_TIMEOUT_MS, graceMs: limits.resumeGraceMs };
  // Cluster mode: the same gateway over Redis-backed services (the in-memory ones above stay unused).
  const cluster = opts.cluster
    ? createCluster(opts.cluster, {
        store: opts.store,
        clock,
        log,
        ringTimeoutMs,
        offlineRingMs: opts.offlineRingMs ?? 0,
        ...(webhookOpts ? { webhookUrls: webhookOpts.urls } : {}),
        meetingTtlMs: opts.meetingTtlMs ?? 24 * 3600_000,
        resumeGraceMs: limits.resumeGraceMs,
        maxQueuedBytes: limits.maxQueuedBytes,
        publicUrl: () => publicUrl,
        onScript: (script) => metrics.redisScripts.inc({ script }),
        onRevoked: (userID, notBefore) => auth.loadRevocations([[userID, notBefore]]),
        onDelivered: (ms) => metrics.callSetup.observe(ms / 1000),
        onEnded,
        metrics,
        queueConfig,
      })
    : null;
  const webhooks = localWebhooks ?? (cluster?.outbox && webhookOpts ? new Webhooks({ outbox: cluster.outbox, clock, log, metrics }, webhookOpts) : null);
  const queues = cluster
    ? cluster.queues
    : new LocalQueues({
        clock,
        log,
        metrics,
        store: opts.store,
        sessions,
        config: queueConfig,
        ...(webhooks ? { webhooks } : {}),
        facts: { online: (u) => sessions.isOnline(u), dnd: (u) => presence.hasDnd(u), inCall: (u) => calls.isInCall(u) },
      });
  const core: Core = cluster
    ? { clock, log, metrics, store: opts.store, auth, sessions: cluster.sessions, presence: cluster.presence, meetings: cluster.meetings, calls: cluster.calls, queues, limits, ringTimeoutMs, ice, guards, visibility }
    : { clock, log, metrics, store: opts.store, auth, sessions, presence, meetings, calls, queues, limits, ringTimeoutMs, ice, guards, visibility };

  const connections = new Set<Connection>();
  const perIP = new Map<string, number>();
  let draining = false;
  const startedAt = clock.now();

  const http: HttpServer = createHttpServer(
    createHttpHandler(core, {
      dev: opts.dev ?? false,
      webRoot: opts.webRoot ?? null,
      startedAt,
      connections: () => connections.size,
      draining: () => draining,
      metricsToken: opts.metricsToken,
      webhooks,
      // A revoked user's session logged in with a token now refused: it ends (close 4021). In a
      // cluster every node learns the cut-off and ends the session if it holds it.
      revoked: (userID, notBefore) => (cluster ? cluster.revoked(userID, notBefore) : core.sessions.get(userID)?.close('TOKEN_INVALID')),
    }),
  );
  // UTF-8 is checked by the connection, which answers BAD_FRAME instead of closing with 1007.
  const wss = new WebSocketServer({ noServer: true, maxPayload: HARD_FRAME_CAP, perMessageDeflate: false, skipUTF8Validation: true });

  http.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (path !== WS_PATH) return reject(404, 'Not Found');
    if (draining) return reject(503, 'Service Unavailable');
    const origin = req.headers.origin;
    // With no list, --dev still refuses pages from other machines' origins: its tokens are free for all.
    const foreign = limits.allowedOrigins.length > 0 ? !limits.allowedOrigins.includes(origin ?? '') : opts.dev === true && !isLoopbackOrigin(origin ?? '');
    if (origin && foreign) {
      metrics.rejectedFrames.inc({ reason: 'origin' });
      return reject(403, 'Forbidden');
    }
    const ip = req.socket.remoteAddress ?? 'unknown';
    const n = perIP.get(ip) ?? 0;
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (limits.maxConnsPerIP > 0 && n >= limits.maxConnsPerIP) {
        metrics.rejectedFrames.inc({ reason: 'conns_per_ip' });
        ws.close(closeCodeFor('TOO_MANY_CONNECTIONS'), 'TOO_MANY_CONNECTIONS');
        return;
      }
      perIP.set(ip, (perIP.get(ip) ?? 0) + 1);
      const conn = new Connection(core, ws, ip, (c) => {
        connections.delete(c);
        const left = (perIP.get(ip) ?? 1) - 1;
        if (left <= 0) perIP.delete(ip);
        else perIP.set(ip, left);
        metrics.connections.set(connections.size);
      });
      connections.add(conn);
      metrics.connections.set(connections.size);
    });
  });

  let heartbeat: NodeJS.Timeout | null = null;
  const retention = new CallRetention(opts.store, clock, log, opts.callRetentionMs ?? DEFAULT_CALL_RETENTION_MS);

  return {
    core,
    webhooks,
    get url() {
      return `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${boundPort}`;
    },
    async start() {
      auth.loadRevocations((await opts.store.loadTokensNotBefore?.()) ?? []);
      if (cluster) {
        // Calls and meetings live in Redis: nothing to restore; ring timers are polled there.
        await cluster.start();
      } else {
        await Promise.all([meetings.load(), presence.load()]);
        const restored = await calls.restore(limits.resumeGraceMs);
        if (restored > 0) log.info({ calls: restored }, 'restored calls in progress from the store');
        const waiting = queues instanceof LocalQueues ? await queues.load() : 0;
        if (waiting > 0) log.info({ customers: waiting }, 'restored queued customers from the store');
      }
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(opts.port, opts.host, () => {
          http.off('error', reject);
          resolve();
        });
      });
      boundPort = (http.address() as AddressInfo).port;
      if (!opts.publicUrl) publicUrl = this.url;
      heartbeat = setInterval(() => {
        for (const c of connections) c.heartbeat();
      }, limits.heartbeatMs);
      heartbeat.unref();
      retention.start();
      webhooks?.start();
      return { port: boundPort, url: this.url };
    },
    async stop() {
      if (draining) return;
      draining = true;
      if (heartbeat) clearInterval(heartbeat);
      meetings.stop();
      calls.stop();
      if (queues instanceof LocalQueues) queues.stop();
      retention.stop();
      webhooks?.stop();
      // Stop accepting, tell every client, give them a moment to go, then close the rest.
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      // Calls stay open in the store: the next start restores them and the clients resume.
      for (const c of [...connections]) c.shutdown();
      const deadline = Date.now() + DRAIN_MS;
      while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const ws of wss.clients) ws.terminate();
      http.closeAllConnections?.();
      await closed;
      await cluster?.stop();
      await opts.store.close();
      log.info({ code: ErrorCodes.SERVER_SHUTDOWN }, 'stopped');
    },
  };
}
