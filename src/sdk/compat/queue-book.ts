/**
 * What the queue getters return between requests: the queue list InitQueueDat loaded, each queue's
 * last known counts, this customer's place in line, and the queues this agent serves. Filled by
 * the queue area from results and events; reset for each new client.
 */
import type { QueueInfo, QueueMine, QueuingInfo } from '../../protocol/queues.js';
import { emptyQueStatus, toCRQueueInfo, toPlace, type CRQueStatus, type CRQueueInfo, type Place } from './queue-objects.js';

export class QueueBook {
  private list: CRQueueInfo[] = [];
  private readonly statuses = new Map<number, CRQueStatus>();
  private at: Place | null = null;
  /** The queues this agent serves. */
  serving: number[] = [];
  /** Counts every change of the place, so that an answer (join, `queue.mine`) older than one is dropped. */
  private changes = 0;

  /** This customer's place, or null when not queuing. */
  get place(): Place | null {
    return this.at;
  }

  reset(): void {
    this.list = [];
    this.statuses.clear();
    this.at = null;
    this.serving = [];
  }

  setQueues(queues: QueueInfo[]): void {
    this.list = queues.map(toCRQueueInfo);
  }

  /** Copies: an app that changes what it was given changes nothing here. */
  queues(): CRQueueInfo[] {
    return this.list.map((q) => ({ ...q }));
  }

  setStatus(s: CRQueStatus): void {
    this.statuses.set(s.queID, { ...s });
  }

  status(queID: number): CRQueStatus {
    const s = this.statuses.get(queID);
    return s ? { ...s } : emptyQueStatus(queID);
  }

  /** A position event (or a join result): the place, its wait measured from `nowMs`. */
  joined(info: QueuingInfo, nowMs: number): void {
    this.changes += 1;
    this.at = toPlace(info, nowMs);
  }

  /** Call before asking (join, `queue.mine`); hand the version to what applies the answer. */
  version(): number {
    return this.changes;
  }

  /** A join result: the place, unless it changed while asking (a position event or an end is newer). */
  joinedSince(since: number, info: QueuingInfo, nowMs: number): void {
    if (since === this.changes) this.joined(info, nowMs);
  }

  /** The place ended: StopQueuing, or the server (served, the queue deleted, the session let go). */
  left(): void {
    this.changes += 1;
    this.at = null;
  }

  /** What the server says after a (re)login; the place only if it did not change while asking. */
  mine(since: number, m: QueueMine, nowMs: number): void {
    if (since === this.changes) this.at = m.queuing ? toPlace(m.queuing, nowMs) : null;
    this.serving = m.serving.map((s) => s.queID);
  }
}
