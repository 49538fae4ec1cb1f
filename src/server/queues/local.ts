/**
 * Queues on a single node: the book in memory, every change written to the store (SQLite) before
 * anyone is told. A decision and its change to memory happen in one tick, so racing requests see
 * each other; the durable write is awaited before the notices go out and the request is answered.
 * Deadlines (offers, services) are one timer at the earliest; who is online is checked every second
 * (the sweep), which also takes customers and agents of an earlier run out once the grace has passed.
 */
import type { Clock, TimerHandle } from '../clock.js';
import { QueueBook } from '../rules/queue-book.js';
import { decideQueue, type QueueFacts, type QueueOp, type QueueOpName, type QueueOutcome, type QueueRuleConfig } from '../rules/queues.js';
import type { SessionRegistry } from '../sessions.js';
import { queueEvents } from '../webhooks/events.js';
import type { WebhookSink } from '../webhooks/types.js';
import { QueueEngine, type QueueEngineDeps } from './engine.js';

export interface LocalQueuesDeps extends QueueEngineDeps {
  sessions: SessionRegistry;
  facts: QueueFacts;
  config: QueueRuleConfig;
  /** Webhooks: a decision's queue events are written with its changes to the book. */
  webhooks?: WebhookSink;
}

/** How often who is online is checked (ms). */
export const SWEEP_MS = 1_000;

export class LocalQueues extends QueueEngine {
  private book = new QueueBook();
  private timer: TimerHandle | null = null;
  private timerAt: number | null = null;
  private sweeper: TimerHandle | null = null;
  private stopped = false;

  constructor(private readonly deps: LocalQueuesDeps) {
    super(deps);
  }

  /** Loads the book an earlier run left; its users have the grace to come back. */
  async load(): Promise<number> {
    this.book = QueueBook.from((await this.deps.store.loadQueueBook?.()) ?? []);
    this.gauge(this.book);
    this.arm(this.book.nextDeadline());
    this.scheduleSweep();
    return this.book.waiters.size;
  }

  protected async transact<O extends QueueOpName>(op: Extract<QueueOp, { op: O }>): Promise<QueueOutcome<O>> {
    const { clock, facts, config, store, sessions } = this.deps;
    const out = decideQueue(this.book, op, clock.now(), facts, config);
    this.arm(out.nextDeadline);
    const events = this.deps.webhooks ? queueEvents(out.observations, clock.now()) : [];
    if (out.changes.length > 0) {
      this.gauge(this.book);
      await store.saveQueueBook?.(out.changes, this.deps.webhooks?.rows(events));
    } else if (events.length > 0) await this.deps.webhooks?.append(events);
    for (const n of out.notices) sessions.deliver(n.userID, n.ev, n.payload as never);
    return out;
  }

  protected read(): Promise<QueueBook> {
    return Promise.resolve(this.book);
  }

  protected mayBeAgent(u: string): boolean {
    return this.book.agents.has(u);
  }

  protected mayBeInBook(u: string): boolean {
    return this.book.agents.has(u) || this.book.waiters.has(u);
  }

  private arm(at: number | null): void {
    if (this.stopped || at === this.timerAt) return;
    this.timer?.cancel();
    this.timer = null;
    this.timerAt = at;
    if (at === null) return;
    const clock: Clock = this.deps.clock;
    this.timer = clock.setTimeout(() => {
      this.timerAt = null;
      this.fire({ op: 'tick' });
    }, Math.max(0, at - clock.now()));
  }

  private scheduleSweep(): void {
    if (this.stopped) return;
    this.sweeper = this.deps.clock.setTimeout(() => {
      if (this.book.waiters.size > 0 || this.book.agents.size > 0) this.fire({ op: 'sweep' });
      this.scheduleSweep();
    }, SWEEP_MS);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.sweeper?.cancel();
  }
}
