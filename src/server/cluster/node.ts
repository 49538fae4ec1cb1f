/**
 * One node's link to the cluster: two Redis connections (commands, and a subscriber), the node's
 * heartbeat, and the periodic jobs every node runs (ring timers, reaping dead nodes, meeting
 * expiry). No node is special: each job's work is claimed atomically inside a Lua script, so it
 * does not matter which node runs it, or how many do at once.
 *
 * Nodes find each other only through Redis: each writes its heartbeat to the sorted set
 * `cr:nodes` and subscribes to its own channel `cr:ch:<nodeID>` and the broadcast channel
 * `cr:ch:all`. The user directory (`cr:user:<userID>` → node, session) says where to send a
 * user's events.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { StatusFacts } from '../rules/status.js';
import { SCRIPTS as CALL_SCRIPTS } from './lua.js';
import { OUTBOX_SCRIPTS } from './outbox-lua.js';
import { QUEUE_SCRIPTS } from './queue-lua.js';

const SCRIPTS = { ...CALL_SCRIPTS, ...QUEUE_SCRIPTS, ...OUTBOX_SCRIPTS };
export type ScriptName = keyof typeof SCRIPTS;

export interface ClusterOptions {
  /** redis://host:port[/db] */
  redisUrl: string;
  /** This node's ID (default: random). Must be unique in the cluster. */
  nodeID?: string;
  /** How often the node writes its heartbeat (default 1000 ms). */
  heartbeatMs?: number;
  /** A node silent this long is dead (default 5000 ms); its users are gone after the resume grace more. */
  nodeTimeoutMs?: number;
  /** How often ring timers and dead nodes are checked (default 200 ms). */
  pollMs?: number;
}

/** Messages on the node and broadcast channels (the Lua scripts write most of them). */
export type ClusterMessage =
  | { t: 'kick'; sid: string }
  | { t: 'moved'; sid: string }
  | { t: 'facts'; f: StatusFacts }
  | { t: 'revoked'; u: string; nb: number }
  /** Webhook deliveries were added to the outbox (cluster/outbox.ts). */
  | { t: 'wh' };

/** A numbered event for one session, published by the script that appended it to the session's log. */
export interface ClusterFrame {
  sid: string;
  seq: number;
  frame: string;
}

export interface NodeDeps {
  clock: Clock;
  log: Logger;
  resumeGraceMs: number;
  /** Events, and their bytes, kept per session for a resume (the oldest of a longer log go). */
  logCap: { events: number; bytes: number };
  /** Counts each script run (a round trip to Redis). */
  onScript?(name: ScriptName): void;
}

type Arg = string | number;

/** How often a lost Redis connection is tried again. */
const RECONNECT_MS = 200;
type ScriptFn = (...args: Arg[]) => Promise<unknown>;

export class ClusterNode {
  readonly id: string;
  readonly redis: Redis;
  private readonly sub: Redis;
  readonly heartbeatMs: number;
  readonly nodeTimeoutMs: number;
  readonly pollMs: number;
  private readonly handlers: ((m: ClusterMessage) => void)[] = [];
  /** Where this node's sessions' frames go (see ClusterSessions). */
  onFrame: (f: ClusterFrame) => void = () => {};
  /** Called when the subscriber connection is back after a loss: frames published meanwhile were missed. */
  onResubscribed: () => void = () => {};
  private timers: NodeJS.Timeout[] = [];
  private jobs: (() => Promise<void>)[] = [];
  private beats = 0;
  private stopped = false;
  /** Called when this node finds it was declared dead (a pause longer than the node timeout). */
  onEvicted: () => void = () => {};

  constructor(
    opts: ClusterOptions,
    private readonly deps: NodeDeps,
  ) {
    this.id = opts.nodeID ?? randomUUID();
    this.heartbeatMs = opts.heartbeatMs ?? 1000;
    this.nodeTimeoutMs = opts.nodeTimeoutMs ?? 5000;
    this.pollMs = opts.pollMs ?? 200;
    // Reconnect every RECONNECT_MS while Redis is away, and keep the requests made meanwhile
    // (for about the resume grace) to send once it is back, rather than failing them.
    const common = {
      lazyConnect: true,
      // Commands issued in the same tick go out in one write.
      enableAutoPipelining: true,
      enableOfflineQueue: true,
      retryStrategy: () => RECONNECT_MS,
      maxRetriesPerRequest: Math.max(3, Math.ceil(deps.resumeGraceMs / RECONNECT_MS)),
    } as const;
    this.redis = new Redis(opts.redisUrl, { ...common, connectionName: `callroom:${this.id}` });
    this.sub = new Redis(opts.redisUrl, { ...common, connectionName: `callroom-sub:${this.id}` });
    for (const [name, lua] of Object.entries(SCRIPTS)) this.redis.defineCommand(`cr_${name}`, { numberOfKeys: 0, lua });
    for (const r of [this.redis, this.sub]) r.on('error', (err: Error) => deps.log.warn({ err: err.message }, 'redis connection error'));
    this.sub.on('message', (_ch: string, text: string) => this.dispatch(text));
    let subReady = 0;
    // ioredis subscribes again by itself after a reconnect; what was published in between is lost
    // on the channel but kept in the sessions' logs.
    this.sub.on('ready', () => {
      if (subReady++ > 0 && !this.stopped) this.onResubscribed();
    });
  }

  /** Registers a handler for the messages this node receives. */
  onMessage(fn: (m: ClusterMessage) => void): void {
    this.handlers.push(fn);
  }

  /** Adds a job run every pollMs (after the previous run finished). */
  every(job: () => Promise<void>): void {
    this.jobs.push(job);
  }

  private dispatch(text: string): void {
    if (text.startsWith('f')) {
      // 'f<sid> <seq> <frame>'
      const a = text.indexOf(' ');
      const b = text.indexOf(' ', a + 1);
      this.onFrame({ sid: text.slice(1, a), seq: Number(text.slice(a + 1, b)), frame: text.slice(b + 1) });
      return;
    }
    let m: ClusterMessage;
    try {
      m = JSON.parse(text) as ClusterMessage;
    } catch {
      this.deps.log.warn({ text: text.slice(0, 200) }, 'cluster: unreadable message');
      return;
    }
    for (const h of this.handlers) {
      try {
        h(m);
      } catch (err) {
        this.deps.log.error({ err }, 'cluster: message handler failed');
      }
    }
  }

  /** Runs one of the Lua scripts (lua.ts) with the common arguments. */
  run(name: ScriptName, ...args: Arg[]): Promise<unknown> {
    const fn = (this.redis as unknown as Record<string, ScriptFn>)[`cr_${name}`]!;
    this.deps.onScript?.(name);
    const { events, bytes } = this.deps.logCap;
    return fn.call(this.redis, this.deps.clock.now(), this.nodeTimeoutMs, `${events}:${bytes}`, ...args);
  }

  async start(): Promise<void> {
    await Promise.all([this.redis.connect(), this.sub.connect()]);
    await this.sub.subscribe(`cr:ch:${this.id}`, 'cr:ch:all');
    const previous = Number(await this.run('rebirth', this.id, this.deps.resumeGraceMs));
    if (previous > 0) this.deps.log.info({ node: this.id, sessions: previous }, 'sessions of this node before its restart wait for a resume on any node');
    await this.redis.hset('cr:nodegrace', this.id, this.deps.resumeGraceMs);
    await this.beat();
    const hb = setInterval(() => void this.beat().catch((err: Error) => this.deps.log.warn({ err: err.message }, 'cluster: heartbeat failed')), this.heartbeatMs);
    hb.unref();
    this.timers.push(hb);
    this.loop();
    this.deps.log.info({ node: this.id }, 'joined the cluster');
  }

  private loop(): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      void Promise.allSettled(this.jobs.map((j) => j())).then((rs) => {
        for (const r of rs) if (r.status === 'rejected') this.deps.log.warn({ err: String(r.reason) }, 'cluster: periodic job failed');
        this.loop();
      });
    }, this.pollMs);
    t.unref();
    this.timers = [...this.timers.filter((x) => x !== this.pollTimer), t];
    this.pollTimer = t;
  }
  private pollTimer: NodeJS.Timeout | null = null;

  private async beat(): Promise<void> {
    if (this.stopped) return;
    const added = await this.redis.zadd('cr:nodes', this.deps.clock.now(), this.id);
    // A node that finds itself missing after its first heartbeat was declared dead (reaped) while it
    // was paused: its users' calls were ended and others may hold their sessions now.
    if (this.beats++ > 0 && Number(added) === 1) {
      this.deps.log.error({ node: this.id }, 'cluster: this node was declared dead while paused; closing its sessions');
      this.onEvicted();
    }
  }

  /**
   * Leaves the cluster: the heartbeat is marked stale at once, so other nodes take over this
   * node's users as soon as their clients reconnect, and reap the rest after the resume grace.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    try {
      await this.redis.zadd('cr:nodes', this.deps.clock.now() - this.nodeTimeoutMs - 1, this.id);
    } catch {
      /* Redis gone: the heartbeat goes stale by itself */
    }
    this.sub.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Simulates a crash in tests: connections dropped, nothing cleaned up. */
  crash(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.sub.disconnect();
    this.redis.disconnect();
  }
}
