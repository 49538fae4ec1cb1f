/**
 * Queues across a cluster: the same rulebook (rules/queues.ts) on the book in Redis (queue-lua.ts).
 * A node keeps a copy of the book with its version; each decision is made on a copy at the current
 * version and committed only if no other node committed meanwhile (compare-and-set on the version),
 * with its notices appended to the users' session logs in the same script. On CONFLICT the node
 * reads the book again and decides again. So a customer is offered to one agent at a time, and an
 * agent holds one offer, whichever nodes their requests reach; a node's death loses nothing (the
 * book is in Redis), and deadlines are polled by every node (`cr:qnext`), each firing once.
 */
import { CallroomError } from '../../protocol/errors.js';
import { QueueBook } from '../rules/queue-book.js';
import { decideQueue, type QueueFacts, type QueueOp, type QueueOpName, type QueueOutcome, type QueueRuleConfig } from '../rules/queues.js';
import { QueueEngine, type QueueEngineDeps } from '../queues/engine.js';
import { serial } from '../serial.js';
import { queueEvents } from '../webhooks/events.js';
import type { ClusterNode } from './node.js';
import type { WebhookReport } from './outbox.js';

export interface ClusterQueuesDeps extends QueueEngineDeps {
  node: ClusterNode;
  config: QueueRuleConfig;
  /** Webhooks: the outbox argument of a decision's events, appended by its commit. */
  report?: WebhookReport;
}

/** Decisions retried on a fresh book before the request fails as overloaded. */
const CONFLICT_RETRIES = 50;
/** How often every user of the book is checked for being online (ms; the check reads them all). */
const SWEEP_MS = 2_000;

interface Loaded {
  version: string;
  book: QueueBook;
  facts: QueueFacts;
}

export class ClusterQueues extends QueueEngine {
  /** The book as of `version`, as this node last read or wrote it. */
  private copy: { version: string; book: QueueBook } | null = null;
  private lastSweep = 0;
  /**
   * This node's decisions and reads, one at a time: a decision changes the copy in place before
   * its commit, so a second one made meanwhile would decide on changes that may never be committed.
   */
  private readonly oneAtATime = serial();

  constructor(private readonly deps: ClusterQueuesDeps) {
    super(deps);
    deps.node.every(() => this.poll());
  }

  /** Reads the book if this node's copy is stale, and the facts of its agents (of everyone: 'all') and of `also`. */
  private async load(scope: 'agents' | 'all', also: string[] = []): Promise<Loaded> {
    // The answer is about the copy held when asking: no entries means that copy is current.
    const held = this.copy;
    const r = (await this.deps.node.run('qload', held?.version ?? '', scope, ...also)) as string[];
    const version = r[0]!;
    const n = Number(r[1]);
    let at = 2;
    const entries: [string, string][] = [];
    for (let i = 0; i < n; i++, at += 2) entries.push([r[at]!, r[at + 1]!]);
    const copy = held && held.version === version ? held : { version, book: QueueBook.from(entries) };
    this.copy = copy;
    const flags = new Map<string, string>();
    for (; at < r.length; at += 2) flags.set(r[at]!, r[at + 1]!);
    const flag = (u: string, i: number) => flags.get(u)?.[i] === '1';
    return {
      version,
      book: copy.book,
      facts: { online: (u) => flag(u, 0), dnd: (u) => flag(u, 1), inCall: (u) => flag(u, 2) },
    };
  }

  protected transact<O extends QueueOpName>(op: Extract<QueueOp, { op: O }>): Promise<QueueOutcome<O>> {
    return this.oneAtATime(() => this.decide(op));
  }

  private async decide<O extends QueueOpName>(op: Extract<QueueOp, { op: O }>): Promise<QueueOutcome<O>> {
    const { node, clock, config } = this.deps;
    for (let i = 0; i < CONFLICT_RETRIES; i++) {
      const { version, book, facts } = await this.load(op.op === 'sweep' ? 'all' : 'agents', 'u' in op ? [op.u] : []);
      const out = decideQueue(book, op, clock.now(), facts, config);
      const events = this.deps.report ? this.deps.report(queueEvents(out.observations, clock.now())) : '';
      if (out.changes.length === 0 && out.notices.length === 0) {
        if (events !== '') await node.run('whappend', events);
        return out;
      }
      const args: (string | number)[] = [version, out.nextDeadline ?? '', out.changes.length, events];
      for (const [k, v] of out.changes) args.push(k, v ?? '');
      for (const n of out.notices) args.push(n.userID, n.ev, JSON.stringify(n.payload));
      const r = (await node.run('qcommit', ...args)) as string;
      if (r !== 'CONFLICT') {
        // The copy was changed by the decision: it is the book at the new version.
        this.copy = { version: r, book };
        this.gauge(book);
        return out;
      }
      // Another node changed the book: this copy is stale (and now also changed by our decision).
      this.copy = null;
    }
    throw new CallroomError('SERVER_ERROR', 'the queues are changing too fast to decide; try again');
  }

  protected read(): Promise<QueueBook> {
    return this.oneAtATime(async () => (await this.load('agents')).book);
  }

  /**
   * Another node may have changed the book since this copy was read, so any user may be in it
   * now: the only thing known for sure is that a cluster that has no queues at all has no agents
   * and no customers. (A queue made elsewhere since is caught by the sweep.)
   */
  protected mayBeAgent(): boolean {
    return !this.copy || this.copy.book.queues.size > 0;
  }

  protected mayBeInBook(): boolean {
    return this.mayBeAgent();
  }

  /** Fires due deadlines (any node may; the compare-and-set makes each fire once), and sweeps now and then. */
  private async poll(): Promise<void> {
    const { node, clock } = this.deps;
    const next = await node.redis.get('cr:qnext');
    if (next !== null && Number(next) <= clock.now()) await this.run({ op: 'tick' });
    if (clock.now() - this.lastSweep >= SWEEP_MS) {
      this.lastSweep = clock.now();
      if ((await node.redis.hlen('cr:qbook')) > 0) await this.run({ op: 'sweep' });
    }
  }
}
