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
  /** This customer's place, or null when not queuing. */
  place: Place | null = null;
  /** The queues this agent serves. */
  serving: number[] = [];
  /** Counts the places ended by the server (`queue.left`), so that a join result older than one is dropped. */
  private ends = 0;

  reset(): void {
    this.list = [];
    this.statuses.clear();
    this.place = null;
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
    this.place = toPlace(info, nowMs);
  }

  /** Call before a join; `joinedSince(mark, …)` with its result sets the place unless it ended meanwhile. */
  mark(): number {
    return this.ends;
  }

  joinedSince(mark: number, info: QueuingInfo, nowMs: number): void {
    if (mark === this.ends) this.joined(info, nowMs);
  }

  /** The server ended this customer's place (served, or the queue deleted). */
  left(): void {
    this.ends += 1;
    this.place = null;
  }

  /** What the server says after a (re)login. */
  mine(m: QueueMine, nowMs: number): void {
    this.place = m.queuing ? toPlace(m.queuing, nowMs) : null;
    this.serving = m.serving.map((s) => s.queID);
  }
}
