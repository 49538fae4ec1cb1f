/**
 * The delivery worker: sends what the outbox holds, each event to each URL as a signed JSON POST,
 * and records the result. Events of one key (one call, one user, one queue) reach a URL in order: a
 * later one waits until the earlier one is delivered or given up. A failed attempt is tried again
 * after a backoff (backoff.ts) until `retryForMs` after the event was made. Time comes from the
 * injected clock, so tests can drive retries.
 *
 * Where the outbox is does not matter here (types.ts `Outbox`): the SQLite table of one node
 * (sqlite-outbox.ts), or Redis in a cluster (cluster/outbox.ts), where `due` claims each
 * (url, key) for this node under a lease, so that one node at a time delivers a key's events.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { Metrics } from '../http/metrics.js';
import type { Logger } from '../log.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { signWebhook, WEBHOOK_HEADERS } from './sign.js';
import type { DeliveryStatus, KeyedEvent, Outbox, OutboxRow, StoredDelivery } from './types.js';

export interface WebhookOptions {
  urls: string[];
  secret: string;
  /** How long after an event was made its delivery is still tried (ms). */
  retryForMs: number;
  backoff?: BackoffPolicy;
  /** Requests in flight at once, over all URLs (default 16). */
  concurrency?: number;
  /** How long one request may take before it counts as failed (default 10 s). */
  timeoutMs?: number;
  /** Random numbers in [0, 1) for the jitter (tests make it fixed). */
  random?: () => number;
}

/** What one attempt came to, told to `onResult` listeners (tests await it; nothing else needs it). */
export interface AttemptResult {
  seq: number;
  eventID: string;
  url: string;
  attempts: number;
  status: DeliveryStatus;
  error: string | null;
}

export type DeliveryView = Omit<StoredDelivery, 'body' | 'inFlight'> & { inFlight: boolean };

export const DEFAULT_RETRY_FOR_MS = 24 * 3600_000;
/** Delivered and given-up rows are kept this long for `webhooks tail`, then deleted. */
const KEEP_DONE_MS = 7 * 24 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;
/** Heads read from the outbox per pass. */
const HEADS_PER_PASS = 500;
/** How soon an outbox that could not be read is read again (ms). */
const RETRY_READ_MS = 1_000;

/** The outbox rows of `events`: one per event and URL (the same body, and event ID, for every URL). */
export function outboxRows(urls: readonly string[], events: readonly KeyedEvent[]): OutboxRow[] {
  const out: OutboxRow[] = [];
  for (const { event, key } of events) {
    const body = JSON.stringify(event);
    for (const url of urls) out.push({ eventID: event.id, url, key, type: event.type, body, createdAt: event.createdAt });
  }
  return out;
}

export interface WebhookDeps {
  outbox: Outbox;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}

export class Webhooks {
  private readonly inFlight = new Map<number, AbortController>();
  private readonly listeners = new Set<(r: AttemptResult) => void>();
  private readonly policy: BackoffPolicy;
  private timer: TimerHandle | null = null;
  private timerAt: number | null = null;
  private pruner: TimerHandle | null = null;
  private pumpScheduled = false;
  /** The pass running now (a pump asked for meanwhile runs once more before it resolves). */
  private running: Promise<void> | null = null;
  private again = false;
  private started = false;
  private stopped = false;

  constructor(
    private readonly deps: WebhookDeps,
    private readonly opts: WebhookOptions,
  ) {
    this.policy = opts.backoff ?? DEFAULT_BACKOFF;
  }

  /** The outbox rows of `events`: one per event and URL, to be written with the change they report. */
  rows(events: readonly KeyedEvent[]): OutboxRow[] {
    return outboxRows(this.opts.urls, events);
  }

  /** Writes events that go with no other change. */
  async append(events: readonly KeyedEvent[]): Promise<void> {
    const rows = this.rows(events);
    if (rows.length > 0) await this.deps.outbox.append(rows);
  }

  /** Calls `fn` after each attempt's result is recorded; returns the removal. */
  onResult(fn: (r: AttemptResult) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  /** The most recent deliveries, newest first, as GET /v1/webhooks/deliveries shows them (no bodies). */
  async recent(limit: number): Promise<DeliveryView[]> {
    return (await this.deps.outbox.recent(limit)).map(({ body: _body, inFlight, ...d }) => ({ ...d, inFlight: inFlight === true || this.inFlight.has(d.seq) }));
  }

  /** Deliveries not yet delivered nor given up, read now (/metrics sets its gauge from it when scraped). */
  pending(): Promise<number> {
    return this.deps.outbox.depth();
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.deps.outbox.onCommit(() => this.kick());
    this.prune();
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.pruner?.cancel();
    for (const ac of this.inFlight.values()) ac.abort();
    this.deps.outbox.stop?.();
  }

  /** Looks at the outbox soon (after the current commit). */
  kick(): void {
    if (this.pumpScheduled || this.stopped || !this.started) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      void this.pump();
    });
  }

  /** Looks at the outbox now; resolves once a pass that began after the call has finished (its retry timer armed). */
  private pump(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && !this.stopped);
      } catch (err) {
        // The outbox is out of reach for now (Redis away, store closing): look again in a while.
        this.deps.log.warn({ err: (err as Error).message }, 'webhook outbox not read; trying again');
        if (!this.stopped) this.arm(this.deps.clock.now() + RETRY_READ_MS);
      } finally {
        this.running = null;
      }
    };
    this.running = run();
    return this.running;
  }

  private async pass(): Promise<void> {
    if (this.stopped) return;
    const { outbox, clock } = this.deps;
    const limit = this.opts.concurrency ?? 16;
    const free = Math.min(HEADS_PER_PASS, limit - this.inFlight.size);
    // Every slot busy: the end of a request looks again.
    if (free <= 0) return;
    const { due, nextAt } = await outbox.due(clock.now(), free, this.inFlight);
    for (const h of due) {
      if (this.stopped || this.inFlight.has(h.seq)) continue;
      void this.send(h);
    }
    if (!this.stopped) this.arm(nextAt);
  }

  private arm(at: number | null): void {
    if (at === this.timerAt) return;
    this.timer?.cancel();
    this.timer = null;
    this.timerAt = at;
    if (at === null) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = null;
      this.timerAt = null;
      void this.pump();
    }, Math.max(0, at - this.deps.clock.now()));
  }

  private async send(h: StoredDelivery): Promise<void> {
    const { outbox, clock, metrics, log } = this.deps;
    const ac = new AbortController();
    this.inFlight.set(h.seq, ac);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const timestamp = clock.now();
      const timeout = setTimeout(() => ac.abort(), this.opts.timeoutMs ?? 10_000);
      timeout.unref();
      try {
        const res = await fetch(h.url, {
          method: 'POST',
          redirect: 'manual',
          signal: ac.signal,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'callroom-webhooks/1',
            [WEBHOOK_HEADERS.id]: h.eventID,
            [WEBHOOK_HEADERS.timestamp]: String(timestamp),
            [WEBHOOK_HEADERS.signature]: signWebhook(this.opts.secret, timestamp, h.body),
          },
          body: h.body,
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        if (status < 200 || status > 299) error = `HTTP ${status}`;
      } finally {
        clearTimeout(timeout);
      }
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      error = ac.signal.aborted ? 'timeout' : (cause?.code ?? cause?.message ?? (err as Error).message);
    }
    if (this.stopped) {
      this.inFlight.delete(h.seq);
      return;
    }
    const now = clock.now();
    const attempts = h.attempts + 1;
    let recorded: DeliveryStatus | null = null;
    try {
      if (error === null) {
        metrics.webhookSent.inc({ type: h.type });
        metrics.webhookLatency.observe(Math.max(0, now - h.createdAt) / 1000);
        // False: this node's lease lapsed meanwhile and another node took the delivery over.
        if (await outbox.record(h, { status: 'sent', attempts, nextAt: now, lastStatus: status, lastError: null, sentAt: now })) recorded = 'sent';
      } else {
        metrics.webhookFailed.inc({ type: h.type });
        const retryAt = now + backoffDelay(attempts, this.policy, this.opts.random);
        const givenUp = retryAt > h.createdAt + this.opts.retryForMs;
        const kept = await outbox.record(h, { status: givenUp ? 'failed' : 'pending', attempts, nextAt: givenUp ? now : retryAt, lastStatus: status, lastError: error, sentAt: null });
        recorded = kept ? (givenUp ? 'failed' : 'pending') : null;
        if (givenUp) {
          metrics.webhookGivenUp.inc({ type: h.type });
          log.warn({ event: h.eventID, type: h.type, url: h.url, attempts, error }, 'webhook given up: its retry time is over');
        } else metrics.webhookRetried.inc({ type: h.type });
      }
    } catch (err) {
      // The store is closing: the row stays as it was, and the next start sends it again.
      log.debug({ err, event: h.eventID }, 'webhook result not recorded');
    } finally {
      this.inFlight.delete(h.seq);
    }
    // The next pass (and its retry timer) is in place before anyone hears of the result.
    await this.pump();
    if (recorded !== null) for (const fn of this.listeners) fn({ seq: h.seq, eventID: h.eventID, url: h.url, attempts, status: recorded, error });
  }

  private prune(): void {
    if (this.stopped) return;
    this.deps.outbox.prune(this.deps.clock.now() - KEEP_DONE_MS).catch((err: unknown) => this.deps.log.debug({ err }, 'webhook prune failed'));
    this.pruner = this.deps.clock.setTimeout(() => this.prune(), PRUNE_EVERY_MS);
  }
}
