/**
 * The queue service, as both modes share it: every request and event is one decision of the
 * rulebook (rules/queues.ts) on the queue book. What differs is `transact` (how the book is read,
 * the decision made atomic and its notices delivered: queues/local.ts on one node,
 * cluster/queues.ts in a cluster) and `read` (the book as it is now).
 */
import { CallroomError } from '../../protocol/errors.js';
import type { CallRecord } from '../../protocol/messages.js';
import type { QueueInfo, QueueMine, QueueStats, QueueStatus } from '../../protocol/queues.js';
import type { Clock } from '../clock.js';
import type { Metrics } from '../http/metrics.js';
import type { Logger } from '../log.js';
import type { QueueBook } from '../rules/queue-book.js';
import { queueMine, queueStatus, type DefineMode, type QueueOp, type QueueOpName, type QueueOpResults, type QueueOutcome } from '../rules/queues.js';
import type { Store } from '../store/types.js';

export interface QueueEngineDeps {
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  store: Store;
}

export abstract class QueueEngine {
  constructor(protected readonly base: QueueEngineDeps) {}

  /** Decides `op` on the book and makes it durable and atomic; delivers its notices. */
  protected abstract transact<O extends QueueOpName>(op: Extract<QueueOp, { op: O }>): Promise<QueueOutcome<O>>;
  /** The book as it is now (read-only use). */
  protected abstract read(): Promise<QueueBook>;
  /**
   * Whether `u` may be an agent, from what this node knows without asking storage: calls of other
   * users need no decision. (A miss in a cluster is caught by the sweep, which frees an agent whose
   * service has no call.)
   */
  protected abstract mayBeAgent(u: string): boolean;
  /** Whether `u` may be in the book at all (a customer or an agent), on the same terms. */
  protected abstract mayBeInBook(u: string): boolean;

  /** Runs a request or event; a refusal becomes the CallroomError of its code. */
  async run<O extends QueueOpName>(op: Extract<QueueOp, { op: O }>): Promise<QueueOpResults[O]> {
    const out = await this.transact(op);
    this.observe(out);
    if (out.annotate) {
      const { callID, queue } = out.annotate;
      const rec = await this.base.store.getCall(callID);
      if (rec) await this.base.store.updateCall({ ...rec, queue });
    }
    if (out.error) throw new CallroomError(out.error.name, out.error.message);
    return out.result!;
  }

  /** Runs an event nobody waits for; a failure is logged. */
  protected fire(op: QueueOp): void {
    this.run(op).catch((err: unknown) => this.base.log.error({ err, op: op.op }, 'queue event failed'));
  }

  private observe(out: QueueOutcome): void {
    const m = this.base.metrics;
    for (const o of out.observations) {
      const queue = String(o.queID);
      if (o.kind === 'served') {
        m.queueServed.inc({ queue });
        m.queueWait.observe({ queue }, o.ms / 1000);
      } else if (o.kind === 'offered') m.queueAssignLatency.observe({ queue }, o.ms / 1000);
      else m.queueAbandoned.inc({ queue });
    }
  }

  /** Sets the per-queue gauges from `book` (called after each change, and on reads). */
  protected gauge(book: QueueBook): void {
    const m = this.base.metrics;
    for (const q of book.queues.keys()) {
      const st = queueStatus(book, q);
      const queue = String(q);
      m.queueWaiting.set({ queue }, st.waiting);
      m.queueInService.set({ queue }, st.inService);
      m.queueAgents.set({ queue }, st.agents);
    }
  }

  /** A deleted queue's gauges go too. */
  protected forgetGauges(queID: number): void {
    const queue = String(queID);
    const m = this.base.metrics;
    for (const g of [m.queueWaiting, m.queueInService, m.queueAgents]) g.remove({ queue });
  }

  // ---- reads ----
  async list(): Promise<QueueInfo[]> {
    return (await this.read()).queuesInOrder();
  }

  async status(queID?: number): Promise<QueueStatus[]> {
    const book = await this.read();
    if (queID === undefined) return book.queuesInOrder().map((q) => queueStatus(book, q.queID));
    if (!book.queues.has(queID)) throw new CallroomError('QUE_ID_INVALID');
    return [queueStatus(book, queID)];
  }

  async mine(u: string): Promise<QueueMine> {
    return queueMine(await this.read(), u, this.base.clock.now());
  }

  async stats(queID: number): Promise<QueueStats | undefined> {
    const book = await this.read();
    const q = book.queues.get(queID);
    const f = book.figures.get(queID);
    if (!q || !f) return undefined;
    const first = book.line(queID)[0];
    return {
      ...queueStatus(book, queID),
      name: q.name,
      prio: q.prio,
      served: f.served,
      abandoned: f.abandoned,
      avgWaitMs: f.avgWaitMs,
      avgServiceMs: f.avgServiceMs,
      longestWaitMs: first ? Math.max(0, this.base.clock.now() - first.since) : 0,
    };
  }

  // ---- administration ----
  /** Creates or changes a queue (see DefineMode): one decision, so two nodes cannot both create it. */
  define(queue: QueueInfo, mode: DefineMode = 'put'): Promise<QueueOpResults['define']> {
    return this.run({ op: 'define', queue, mode });
  }

  async remove(queID: number): Promise<void> {
    await this.run({ op: 'remove', queID });
    this.forgetGauges(queID);
  }

  // ---- what the rest of the server tells the queues ----
  /** A call ended: its agent may be free again (and the record learns which customer it served). */
  callEnded(c: CallRecord): void {
    if (!this.mayBeAgent(c.caller) && !this.mayBeAgent(c.callee)) return;
    this.fire({ op: 'callEnded', call: { callID: c.callID, caller: c.caller, callee: c.callee, createdAt: c.createdAt } });
  }

  /** A user's DND changed: an agent who turned it off may be offered a customer. */
  dndChanged(u: string, on: boolean): void {
    if (!on && this.mayBeAgent(u)) this.fire({ op: 'settle' });
  }

  /** A user is offline past the grace: out of the queues. */
  gone(u: string): void {
    if (this.mayBeInBook(u)) this.fire({ op: 'gone', u });
  }
}
