/**
 * The webhook outbox of a cluster, in Redis (keys in lua.ts, scripts in outbox-lua.ts), as the
 * delivery worker (webhooks/worker.ts) sees it. Every node runs a worker; each (url, key) head is
 * claimed by one node at a time under a lease that the node renews while its request is out, so
 * exactly one node delivers each event at a time, and a node that dies mid-delivery leaves the
 * event to the next claim after the lease: delivered again, under the same event ID.
 *
 * `outboxArg` is how a change's deliveries travel to the script that commits the change: the
 * node decides the events (webhooks/events.ts), the script only appends them.
 */
import type { DeliveryUpdate, KeyedEvent, Outbox, OutboxRow, StoredDelivery } from '../webhooks/types.js';
import type { ClusterNode } from './node.js';

/** How long a claimed head is left to its node before another may take it (renewed every poll while sending). */
export const WEBHOOK_LEASE_MS = 2_000;
/** A node looks at the outbox at least this often (a commit's nudge may be missed across a Redis reconnect). */
const LOOK_AT_LEAST_EVERY_MS = 5_000;
const PRUNE_BATCH = 500;

/** The deliveries of a change as a script argument: '' for none, else [url key, createdAt, row JSON, ...]. */
export function outboxArg(rows: readonly OutboxRow[] | undefined): string {
  if (!rows || rows.length === 0) return '';
  return JSON.stringify(rows.flatMap((r) => [queueOf(r), String(r.createdAt), JSON.stringify(r)]));
}

/** The line a row waits in: its URL and its key (a URL has no spaces). */
function queueOf(r: Pick<OutboxRow, 'url' | 'key'>): string {
  return `${r.url} ${r.key}`;
}

/** What a cluster service needs to report a change: the outbox argument of its events. */
export type WebhookReport = (events: readonly KeyedEvent[]) => string;

const nullable = (v: string): number | null => (v === '' ? null : Number(v));

export class RedisOutbox implements Outbox {
  /** Heads this node is sending: seq → its (url, key). */
  private readonly held = new Map<number, string>();
  private stopped = false;

  constructor(
    private readonly node: ClusterNode,
    private readonly leaseMs = WEBHOOK_LEASE_MS,
  ) {
    node.every(() => this.renew());
  }

  async append(rows: OutboxRow[]): Promise<void> {
    if (rows.length > 0) await this.node.run('whappend', outboxArg(rows));
  }

  onCommit(fn: () => void): void {
    this.node.onMessage((m) => {
      if (m.t === 'wh') fn();
    });
  }

  async due(now: number, limit: number, inFlight: ReadonlyMap<number, unknown>): Promise<{ due: StoredDelivery[]; nextAt: number | null }> {
    if (this.stopped) return { due: [], nextAt: null };
    const r = (await this.node.run('whclaim', limit, this.leaseMs, this.node.id)) as string[];
    const due: StoredDelivery[] = [];
    for (let i = 1; i + 3 < r.length; i += 4) {
      const seq = Number(r[i + 1]);
      const row = JSON.parse(r[i + 2]!) as OutboxRow;
      this.held.set(seq, r[i]!);
      // Claimed again by this node while its request is still out (a renewal came late): sent once.
      if (inFlight.has(seq)) continue;
      due.push({ ...row, seq, status: 'pending', attempts: Number(r[i + 3]), nextAt: now, lastStatus: null, lastError: null, sentAt: null });
    }
    const next = r[0] === '' ? null : Number(r[0]);
    return { due, nextAt: Math.min(next ?? Infinity, now + LOOK_AT_LEAST_EVERY_MS) };
  }

  async record(d: StoredDelivery, u: DeliveryUpdate): Promise<boolean> {
    const q = this.held.get(d.seq) ?? queueOf(d);
    this.held.delete(d.seq);
    const r = await this.node.run('whdone', q, d.seq, this.node.id, u.status, u.attempts, u.nextAt, u.lastStatus ?? '', u.lastError ?? '', u.sentAt ?? '', d.createdAt);
    return Number(r) === 1;
  }

  async recent(limit: number): Promise<StoredDelivery[]> {
    const r = (await this.node.run('whrecent', limit)) as string[];
    const out: StoredDelivery[] = [];
    for (let i = 0; i + 8 < r.length; i += 9) {
      const row = JSON.parse(r[i + 1]!) as OutboxRow;
      out.push({
        ...row,
        seq: Number(r[i]),
        status: r[i + 2] as StoredDelivery['status'],
        attempts: Number(r[i + 3]),
        nextAt: Number(r[i + 4]),
        lastStatus: nullable(r[i + 5]!),
        lastError: r[i + 6] === '' ? null : r[i + 6]!,
        sentAt: nullable(r[i + 7]!),
        inFlight: r[i + 8] === '1',
      });
    }
    return out;
  }

  async depth(): Promise<number> {
    return Math.max(0, Number((await this.node.redis.get('cr:wh:pending')) ?? 0));
  }

  async prune(before: number): Promise<number> {
    let total = 0;
    for (;;) {
      const n = Number(await this.node.run('whprune', before, PRUNE_BATCH));
      total += n;
      if (n < PRUNE_BATCH) return total;
    }
  }

  /** The node stops (an orderly stop): the heads it was sending go to the other nodes at once, not after the lease. */
  stop(): void {
    this.stopped = true;
    const queues = [...new Set(this.held.values())];
    this.held.clear();
    if (queues.length > 0) void this.node.run('whrelease', this.node.id, ...queues).catch(() => {});
  }

  /** Keeps the leases of the heads this node is sending. */
  private async renew(): Promise<void> {
    if (this.stopped || this.held.size === 0) return;
    await this.node.run('whrenew', this.leaseMs, this.node.id, ...new Set(this.held.values()));
  }
}
