/**
 * The outbox of one node: the `webhook_outbox` table of the SQLite store (store/sqlite.ts), as the
 * delivery worker sees it. One process delivers, so nothing is claimed: what is in flight is the
 * worker's own.
 */
import type { DeliveryUpdate, Outbox, OutboxRow, OutboxStore, StoredDelivery } from './types.js';

export class SqliteOutbox implements Outbox {
  constructor(private readonly store: OutboxStore) {}

  append(rows: OutboxRow[]): Promise<void> {
    return this.store.appendOutbox(rows);
  }

  onCommit(fn: () => void): void {
    this.store.onOutboxCommit(fn);
  }

  async due(now: number, limit: number, inFlight: ReadonlyMap<number, unknown>): Promise<{ due: StoredDelivery[]; nextAt: number | null }> {
    const due: StoredDelivery[] = [];
    let nextAt: number | null = null;
    for (const h of this.store.outboxHeads(500)) {
      if (inFlight.has(h.seq)) continue;
      if (h.nextAt > now) {
        nextAt = nextAt === null ? h.nextAt : Math.min(nextAt, h.nextAt);
        continue;
      }
      if (due.length >= limit) break;
      due.push(h);
    }
    return { due, nextAt };
  }

  async record(d: StoredDelivery, u: DeliveryUpdate): Promise<boolean> {
    await this.store.updateDelivery(d.seq, u);
    return true;
  }

  async recent(limit: number): Promise<StoredDelivery[]> {
    return this.store.recentDeliveries(limit);
  }

  async depth(): Promise<number> {
    return this.store.outboxDepth();
  }

  prune(before: number): Promise<number> {
    return this.store.pruneDeliveries(before);
  }
}
