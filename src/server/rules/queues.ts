/**
 * The queue rulebook: call-centre queues as ../../../docs/protocol.md ("Queues") states them, written
 * once and run by both modes (one node: queues/queues.ts; a cluster: cluster/queues.ts). Each
 * request or event is one `decideQueue` on the queue book (queue-book.ts); storage writes the
 * changes it recorded and delivers the notices it returns, atomically.
 *
 * The rules:
 * - A customer queues in one queue at a time (ALREADY_OTHERQUE); first come, first served.
 * - The next customer comes from the most important queue (smallest prio; ties: smallest queID)
 *   that has one waiting; across queues of equal prio, the customer who arrived first.
 * - A waiting customer goes to the idle agent with the best priority in that queue (the smallest
 *   number), then the one idle longest. Idle: online, not in a call, no offer, no customer in
 *   service, serving a queue. Agents with DND off are offered customers as they come
 *   (`queue.assigned`); agents with DND on ask (`queue.next`: QUE_NOUSER, QUE_SERVICE_NOT_START).
 * - An offer is accepted or rejected within the assignment timeout; a timeout withdraws it
 *   (`queue.unassigned`). After a rejection or a timeout the customer keeps their place and is
 *   offered to another idle agent, never again to that one.
 * - Accepting a customer who stopped queuing, or whose offer was withdrawn: QUE_USER_CANCELLED.
 * - After an accept the customer is in service with the agent until a call of the agent's ends
 *   (the agent calls the customer), or, if no call has begun, the assignment timeout after the
 *   accept; the agent is then free again.
 * - A user offline past the resume grace leaves the queue (a customer) or stops serving (an agent).
 * - Agents of a queue hear of changes of its counts (`queue.status`): at once, unless they were told
 *   less than the status interval ago; then the latest counts when the interval is over (so a busy
 *   queue costs each agent a few events a second, not one per change). An agent who starts serving
 *   is told at once. Customers hear of changes of their place (`queue.position`, with an estimate
 *   of the wait left) on the same terms, per queue: each customer whose place differs from the one
 *   they were last told.
 */
import type { ErrorName } from '../../protocol/errors.js';
import type { QueueInfo, QueueMine, QueueStatus, QueueUser, QueuingInfo, UnassignReason } from '../../protocol/queues.js';
import type { Notice, RuleError } from './calls.js';
import type { Agent, BookChange, QueueBook, QueueFigures, Waiter } from './queue-book.js';

/** What the rules read beyond the book: whether a user is online, has DND on, is in a call. */
export interface QueueFacts {
  online(u: string): boolean;
  dnd(u: string): boolean;
  inCall(u: string): boolean;
}

export interface QueueRuleConfig {
  /** How long an agent has to accept or reject an offer (and to begin the call after accepting). */
  assignTimeoutMs: number;
  /** How long a user may be without a session before leaving the queues. */
  graceMs: number;
  /** The least time between two tellings of one queue's counts, or of its customers' places (default STATUS_INTERVAL_MS). */
  statusIntervalMs?: number;
}

export const STATUS_INTERVAL_MS = 100;

export const DEFAULT_ASSIGN_TIMEOUT_MS = 30_000;

export interface EndedCall {
  callID: string;
  caller: string;
  callee: string;
  createdAt: number;
}

export type DefineMode = 'create' | 'update' | 'put';

export type QueueOp =
  /** 'create' leaves an existing queue as it is (created: false); 'update' refuses a missing one; 'put' does either. */
  | { op: 'define'; queue: QueueInfo; mode: DefineMode }
  | { op: 'remove'; queID: number }
  | { op: 'join'; u: string; nick: string; queID: number; ext: string }
  | { op: 'leave'; u: string }
  | { op: 'serve'; u: string; nick: string; queID: number; priority: number }
  | { op: 'unserve'; u: string; queID: number }
  | { op: 'next'; u: string }
  | { op: 'accept'; u: string; queID: number; customer: string }
  | { op: 'reject'; u: string; queID: number; customer: string }
  /** The user is offline past the grace. */
  | { op: 'gone'; u: string }
  | { op: 'callEnded'; call: EndedCall }
  /** Something assignment depends on changed outside the book (an agent's DND went off). */
  | { op: 'settle' }
  /** Deadlines may have fallen due. */
  | { op: 'tick' }
  /** Who is online: users away for the grace leave. */
  | { op: 'sweep' };

export type QueueOpName = QueueOp['op'];

export interface QueueOpResults {
  define: { queue: QueueInfo; created: boolean };
  remove: { queID: number };
  join: { info: QueuingInfo };
  leave: { queID: number | null };
  serve: { queID: number; serving: number[] };
  unserve: { queID: number; serving: number[] };
  next: { user: QueueUser };
  accept: { user: QueueUser };
  reject: Record<string, never>;
  gone: Record<string, never>;
  callEnded: Record<string, never>;
  settle: Record<string, never>;
  tick: Record<string, never>;
  sweep: Record<string, never>;
}

/** What a decision measured, for the figures in /metrics. */
export type QueueObservation =
  | { kind: 'offered'; queID: number; ms: number }
  | { kind: 'served'; queID: number; ms: number; user: string; agent: string }
  | { kind: 'abandoned'; queID: number; user: string; reason: 'cancelled' | 'gone' };

export interface QueueOutcome<O extends QueueOpName = QueueOpName> {
  result: QueueOpResults[O] | null;
  error: RuleError | null;
  notices: Notice[];
  observations: QueueObservation[];
  /** The call record to mark as the service of a queue customer, if the decision found one. */
  annotate: { callID: string; queue: { queID: number; waitedMs: number; agent: string } } | null;
  changes: BookChange[];
  nextDeadline: number | null;
}

/** Applies one request or event to the book (changing it) and returns what follows from it. */
export function decideQueue<O extends QueueOpName>(
  book: QueueBook,
  op: Extract<QueueOp, { op: O }>,
  now: number,
  facts: QueueFacts,
  cfg: QueueRuleConfig,
): QueueOutcome<O> {
  const d = new Decision(book, now, facts, cfg);
  let result: unknown = null;
  let error: RuleError | null = null;
  try {
    result = d.apply(op as QueueOp);
    d.assignAll();
    d.finish();
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    error = { name: e.errorName };
    d.assignAll();
    d.finish();
  }
  return {
    result: result as QueueOpResults[O] | null,
    error,
    notices: d.notices,
    observations: d.observations,
    annotate: d.annotate,
    changes: book.takeChanges(),
    nextDeadline: book.nextDeadline(),
  };
}

class Refusal extends Error {
  constructor(readonly errorName: ErrorName) {
    super(errorName);
  }
}

const refuse = (name: ErrorName): never => {
  throw new Refusal(name);
};

/** A moving average over recent values (a quarter weight for the newest, as Asterisk's holdtime). */
function average(old: number | null, x: number): number {
  return old === null ? x : Math.round(old * 0.75 + x * 0.25);
}

export function queueStatus(b: QueueBook, queID: number): QueueStatus {
  return { queID, agents: b.staffOf(queID).size, waiting: b.line(queID).length, inService: b.inService(queID) };
}

export function queueUser(w: Waiter, now: number): QueueUser {
  return { queID: w.q, userID: w.u, nickName: w.nick, waitedMs: Math.max(0, now - w.since), usrExtDat: w.ext };
}

/**
 * A customer's place: position 1 is next. The estimate is the customers up to and including this
 * one times the queue's recent service time, shared among its agents; null without history or agents.
 */
export function queuingInfo(b: QueueBook, w: Waiter, now: number, index = b.line(w.q).indexOf(w)): QueuingInfo {
  const position = index + 1;
  const f = b.figures.get(w.q);
  const agents = b.staffOf(w.q).size;
  const etaMs = f?.avgServiceMs != null && agents > 0 ? Math.round((position * f.avgServiceMs) / agents) : null;
  return { queID: w.q, position, waitedMs: Math.max(0, now - w.since), etaMs };
}

/** What `queue.mine` answers for user `u`. */
export function queueMine(b: QueueBook, u: string, now: number): QueueMine {
  const w = b.waiters.get(u);
  const a = b.agents.get(u);
  const offered = a?.assigned ? b.waiters.get(a.assigned) : undefined;
  const s = a?.serving;
  return {
    queuing: w ? queuingInfo(b, w, now) : null,
    serving: a ? servedQueues(a).map((queID) => ({ queID, priority: a.queues[String(queID)]! })) : [],
    assigned: offered ? queueUser(offered, now) : null,
    assignedDeadline: offered?.deadline ?? null,
    inService: s ? { queID: s.q, userID: s.u, nickName: s.nick, waitedMs: s.waitedMs, usrExtDat: s.ext } : null,
  };
}

function servedQueues(a: Agent): number[] {
  return Object.keys(a.queues)
    .map(Number)
    .sort((x, y) => x - y);
}

class Decision {
  readonly notices: Notice[] = [];
  readonly observations: QueueObservation[] = [];
  annotate: QueueOutcome['annotate'] = null;
  /** Each touched queue's counts and order of customers before the decision. */
  private readonly before = new Map<number, { status: QueueStatus; removals: number }>();
  /** Agents who started serving a queue in this decision: told its counts at once. */
  private readonly newStaff: [u: string, queID: number][] = [];

  constructor(
    private readonly b: QueueBook,
    private readonly now: number,
    private readonly facts: QueueFacts,
    private readonly cfg: QueueRuleConfig,
  ) {}

  apply(op: QueueOp): unknown {
    switch (op.op) {
      case 'define':
        return this.define(op.queue, op.mode);
      case 'remove':
        return this.remove(op.queID);
      case 'join':
        return this.join(op.u, op.nick, op.queID, op.ext);
      case 'leave':
        return this.leave(op.u, 'cancelled');
      case 'serve':
        return this.serve(op.u, op.nick, op.queID, op.priority);
      case 'unserve':
        return this.unserve(op.u, op.queID);
      case 'next':
        return this.next(op.u);
      case 'accept':
        return this.accept(op.u, op.queID, op.customer);
      case 'reject':
        return this.reject(op.u, op.queID, op.customer);
      case 'gone':
        this.gone(op.u);
        return {};
      case 'callEnded':
        this.callEnded(op.call);
        return {};
      case 'settle':
        return {};
      case 'tick':
        this.tick();
        return {};
      case 'sweep':
        this.sweep();
        return {};
    }
  }

  // ---- administration ----
  private define(q: QueueInfo, mode: DefineMode): QueueOpResults['define'] {
    const old = this.b.queues.get(q.queID);
    if (old && mode === 'create') return { queue: { ...old }, created: false };
    if (!old && mode === 'update') refuse('QUE_ID_INVALID');
    this.b.putQueue({ ...q });
    return { queue: q, created: !old };
  }

  private remove(queID: number): QueueOpResults['remove'] {
    if (!this.b.queues.has(queID)) refuse('QUE_ID_INVALID');
    for (const w of [...this.b.line(queID)]) {
      if (w.agent) this.withdrawFrom(w.agent, w, 'removed');
      this.b.deleteWaiter(w.u);
      this.tell(w.u, 'queue.left', { queID, reason: 'removed', agent: null });
    }
    for (const u of [...this.b.staffOf(queID)]) {
      const a = this.b.agents.get(u)!;
      const queues = { ...a.queues };
      delete queues[String(queID)];
      this.putOrDropAgent({ ...a, queues });
      this.tell(u, 'queue.unserved', { queID, reason: 'removed' });
    }
    this.before.delete(queID);
    this.b.deleteQueue(queID);
    return { queID };
  }

  // ---- customers ----
  private join(u: string, nick: string, queID: number, ext: string): QueueOpResults['join'] {
    if (!this.b.queues.has(queID)) refuse('QUE_ID_INVALID');
    const w = this.b.waiters.get(u);
    if (w && w.q !== queID) refuse('ALREADY_OTHERQUE');
    if (w) return { info: queuingInfo(this.b, w, this.now) };
    this.touch(queID);
    // A new customer is last in line, and is told so in the answer.
    const told = this.b.line(queID).length + 1;
    const nw: Waiter = { u, nick, q: queID, seq: this.b.nextSeq(), since: this.now, ext, agent: null, offeredAt: null, deadline: null, passed: [], away: null, told };
    this.b.putWaiter(nw);
    return { info: queuingInfo(this.b, nw, this.now) };
  }

  private leave(u: string, reason: 'cancelled' | 'gone'): QueueOpResults['leave'] {
    const w = this.b.waiters.get(u);
    if (!w) return { queID: null };
    this.touch(w.q);
    if (w.agent) this.withdrawFrom(w.agent, w, reason);
    this.b.deleteWaiter(u);
    this.countFigure(w.q, (f) => ({ ...f, abandoned: f.abandoned + 1 }));
    this.observations.push({ kind: 'abandoned', queID: w.q, user: u, reason });
    return { queID: w.q };
  }

  // ---- agents ----
  private serve(u: string, nick: string, queID: number, priority: number): QueueOpResults['serve'] {
    if (!this.b.queues.has(queID)) refuse('QUE_ID_INVALID');
    const a = this.b.agents.get(u) ?? { u, nick, queues: {}, idleSince: this.now, assigned: null, serving: null, away: null };
    this.touch(queID);
    if (!(String(queID) in a.queues)) this.newStaff.push([u, queID]);
    const next: Agent = { ...a, nick, queues: { ...a.queues, [String(queID)]: priority } };
    this.b.putAgent(next);
    return { queID, serving: servedQueues(next) };
  }

  private unserve(u: string, queID: number): QueueOpResults['unserve'] {
    const a = this.b.agents.get(u);
    if (!a || !(String(queID) in a.queues)) refuse('QUE_SERVICE_NOT_START');
    this.touch(queID);
    const queues = { ...a!.queues };
    delete queues[String(queID)];
    let next: Agent = { ...a!, queues };
    const offered = a!.assigned ? this.b.waiters.get(a!.assigned) : undefined;
    // The agent stops serving the queue of their offer: the customer waits for another agent.
    if (offered && offered.q === queID) {
      this.b.putWaiter({ ...offered, agent: null, offeredAt: null, deadline: null });
      next = { ...next, assigned: null };
    }
    this.putOrDropAgent(next);
    return { queID, serving: servedQueues(next) };
  }

  private next(u: string): QueueOpResults['next'] {
    let a = this.b.agents.get(u);
    if (!a || Object.keys(a.queues).length === 0) return refuse('QUE_SERVICE_NOT_START');
    if (a.assigned) return { user: queueUser(this.b.waiters.get(a.assigned)!, this.now) };
    // Asking for the next customer ends the service of the last one.
    if (a.serving) a = this.endService(a);
    for (const w of this.ordered()) {
      if (w.agent || !(String(w.q) in a.queues) || w.passed.includes(u)) continue;
      this.offer(w, a, false);
      return { user: queueUser(w, this.now) };
    }
    return refuse('QUE_NOUSER');
  }

  /** The agent's current offer is `customer` of `queID`, or QUE_USER_CANCELLED. */
  private offerOf(u: string, queID: number, customer: string): { a: Agent; w: Waiter } {
    const a = this.b.agents.get(u);
    const w = this.b.waiters.get(customer);
    if (!a || !w || w.agent !== u || w.q !== queID || a.assigned !== customer) return refuse('QUE_USER_CANCELLED');
    return { a, w };
  }

  private accept(u: string, queID: number, customer: string): QueueOpResults['accept'] {
    const { a, w } = this.offerOf(u, queID, customer);
    this.touch(queID);
    const waitedMs = Math.max(0, this.now - w.since);
    this.b.deleteWaiter(customer);
    this.b.putAgent({
      ...a,
      assigned: null,
      serving: { u: w.u, nick: w.nick, q: w.q, ext: w.ext, waitedMs, since: this.now, deadline: this.now + this.cfg.assignTimeoutMs },
    });
    this.countFigure(queID, (f) => ({ ...f, served: f.served + 1, avgWaitMs: average(f.avgWaitMs, waitedMs) }));
    this.observations.push({ kind: 'served', queID, ms: waitedMs, user: customer, agent: u });
    this.tell(customer, 'queue.left', { queID, reason: 'served', agent: u });
    return { user: { ...queueUser(w, this.now), waitedMs } };
  }

  private reject(u: string, queID: number, customer: string): QueueOpResults['reject'] {
    const { a, w } = this.offerOf(u, queID, customer);
    this.touch(queID);
    this.b.putWaiter({ ...w, agent: null, offeredAt: null, deadline: null, passed: [...w.passed, u] });
    this.b.putAgent({ ...a, assigned: null, idleSince: this.now });
    return {};
  }

  // ---- events ----
  private gone(u: string): void {
    // Logged in again meanwhile (a kick by a newer login ends only the older session).
    if (this.facts.online(u)) return;
    this.leave(u, 'gone');
    const a = this.b.agents.get(u);
    if (!a) return;
    for (const q of Object.keys(a.queues)) this.touch(Number(q));
    const offered = a.assigned ? this.b.waiters.get(a.assigned) : undefined;
    // Not the customer's doing: they wait for another agent, this one not excluded.
    if (offered) this.b.putWaiter({ ...offered, agent: null, offeredAt: null, deadline: null });
    if (a.serving) this.endService(a);
    this.b.deleteAgent(u);
  }

  private callEnded(call: EndedCall): void {
    for (const [u, other] of [
      [call.caller, call.callee],
      [call.callee, call.caller],
    ] as const) {
      const a = this.b.agents.get(u);
      if (!a) continue;
      const s = a.serving;
      if (s && (s.u === other || call.createdAt >= s.since)) {
        if (s.u === other) this.annotate = { callID: call.callID, queue: { queID: s.q, waitedMs: s.waitedMs, agent: u } };
        this.endService(a);
      } else this.b.putAgent({ ...a, idleSince: this.now });
    }
  }

  private tick(): void {
    for (const a of [...this.b.agents.values()]) {
      const w = a.assigned ? this.b.waiters.get(a.assigned) : undefined;
      if (w && w.deadline !== null && w.deadline <= this.now) {
        this.touch(w.q);
        this.tell(a.u, 'queue.unassigned', { queID: w.q, userID: w.u, reason: 'timeout' });
        this.b.putWaiter({ ...w, agent: null, offeredAt: null, deadline: null, passed: [...w.passed, a.u] });
        this.b.putAgent({ ...a, assigned: null, idleSince: this.now });
      }
      const cur = this.b.agents.get(a.u)!;
      const s = cur.serving;
      if (s && s.deadline !== null && s.deadline <= this.now) {
        // A call is on: the service lasts until it ends.
        if (this.facts.inCall(cur.u)) this.b.putAgent({ ...cur, serving: { ...s, deadline: null } });
        else this.endService(cur);
      }
    }
  }

  private sweep(): void {
    const users = new Set([...this.b.waiters.keys(), ...this.b.agents.keys()]);
    for (const u of users) {
      const online = this.facts.online(u);
      const w = this.b.waiters.get(u);
      const a = this.b.agents.get(u);
      const away = (w ?? a)!.away;
      if (online && away !== null) {
        if (w) this.b.putWaiter({ ...w, away: null });
        if (a) this.b.putAgent({ ...a, away: null });
      } else if (!online && away === null) {
        if (w) this.b.putWaiter({ ...w, away: this.now });
        if (a) this.b.putAgent({ ...a, away: this.now });
      } else if (!online && away !== null && away + this.cfg.graceMs <= this.now) this.gone(u);
      // A service whose call has ended without the book hearing of it ends now.
      const cur = this.b.agents.get(u);
      if (cur?.serving && cur.serving.deadline === null && !this.facts.inCall(u)) this.endService(cur);
    }
  }

  // ---- assignment ----
  private isIdle(a: Agent): boolean {
    return (
      a.assigned === null &&
      a.serving === null &&
      a.away === null &&
      Object.keys(a.queues).length > 0 &&
      this.facts.online(a.u) &&
      !this.facts.inCall(a.u)
    );
  }

  /** Offers waiting customers, most important first, to idle agents whose DND is off. */
  assignAll(): void {
    const idle = new Set<string>();
    for (const a of this.b.agents.values()) if (this.isIdle(a) && !this.facts.dnd(a.u)) idle.add(a.u);
    if (idle.size === 0) return;
    for (const w of this.ordered()) {
      if (w.agent) continue;
      const a = this.bestAgent(w, idle);
      if (!a) continue;
      this.offer(w, a, true);
      idle.delete(a.u);
      if (idle.size === 0) return;
    }
  }

  /** The idle agent for `w`: best priority in w's queue, then idle longest (then user ID, so that it is one). */
  private bestAgent(w: Waiter, idle: ReadonlySet<string>): Agent | null {
    let best: Agent | null = null;
    const key = String(w.q);
    for (const u of this.b.staffOf(w.q)) {
      if (!idle.has(u) || w.passed.includes(u)) continue;
      const a = this.b.agents.get(u)!;
      if (
        best === null ||
        a.queues[key]! < best.queues[key]! ||
        (a.queues[key] === best.queues[key] && (a.idleSince < best.idleSince || (a.idleSince === best.idleSince && a.u < best.u)))
      )
        best = a;
    }
    return best;
  }

  /** Customers in the order they are served: queues by importance; in equal ones, by arrival. */
  private *ordered(): Generator<Waiter> {
    const queues = this.b.queuesInOrder();
    for (let i = 0; i < queues.length; ) {
      let j = i;
      while (j < queues.length && queues[j]!.prio === queues[i]!.prio) j++;
      const lines = queues.slice(i, j).map((q) => this.b.line(q.queID));
      if (lines.length === 1) yield* [...lines[0]!];
      else {
        const merged = lines.flat().sort((x, y) => x.seq - y.seq);
        yield* merged;
      }
      i = j;
    }
  }

  private offer(w: Waiter, a: Agent, push: boolean): void {
    this.touch(w.q);
    const first = w.passed.length === 0;
    const deadline = this.now + this.cfg.assignTimeoutMs;
    const offered: Waiter = { ...w, agent: a.u, offeredAt: this.now, deadline };
    this.b.putWaiter(offered);
    this.b.putAgent({ ...a, assigned: w.u });
    if (first) this.observations.push({ kind: 'offered', queID: w.q, ms: Math.max(0, this.now - w.since) });
    if (push) this.tell(a.u, 'queue.assigned', { user: queueUser(offered, this.now), deadline });
  }

  /** Withdraws the offer of `w` to `agent` because the customer left (the agent is not at fault). */
  private withdrawFrom(agent: string, w: Waiter, reason: UnassignReason): void {
    const a = this.b.agents.get(agent);
    if (a && a.assigned === w.u) this.b.putAgent({ ...a, assigned: null });
    this.tell(agent, 'queue.unassigned', { queID: w.q, userID: w.u, reason });
  }

  private endService(a: Agent): Agent {
    const s = a.serving!;
    this.touch(s.q);
    const ms = Math.max(0, this.now - s.since);
    if (this.b.queues.has(s.q)) this.countFigure(s.q, (f) => ({ ...f, avgServiceMs: average(f.avgServiceMs, ms) }));
    const next: Agent = { ...a, serving: null, idleSince: this.now };
    this.putOrDropAgent(next);
    return next;
  }

  /** Keeps an agent entry while it serves a queue or has an offer or a customer; drops it otherwise. */
  private putOrDropAgent(a: Agent): void {
    if (Object.keys(a.queues).length === 0 && !a.assigned && !a.serving) this.b.deleteAgent(a.u);
    else this.b.putAgent(a);
  }

  private countFigure(queID: number, f: (x: QueueFigures) => QueueFigures): void {
    const cur = this.b.figures.get(queID);
    if (cur) this.b.putFigures(f(cur));
  }

  // ---- notices ----
  private tell<E extends Notice['ev']>(userID: string, ev: E, payload: Extract<Notice, { ev: E }>['payload']): void {
    this.notices.push({ userID, ev, payload } as Notice);
  }

  /** Remembers a queue's counts, and how many customers had left its line, before the decision changes them. */
  private touch(queID: number): void {
    if (this.before.has(queID) || !this.b.queues.has(queID)) return;
    this.before.set(queID, { status: queueStatus(this.b, queID), removals: this.b.removedFrom(queID) });
  }

  /** Tells each queue's agents of changed counts, and its customers of changed places (see tellStatus, tellPlaces). */
  finish(): void {
    for (const [queID, was] of this.before) {
      if (!this.b.queues.has(queID)) continue;
      this.tellStatus(queID, was.status);
      // Arrivals join at the end: only a customer leaving the line moves the others.
      if (this.b.removedFrom(queID) !== was.removals) this.tellPlaces(queID);
    }
    // Tellings that fell due (each mark read afresh: the loop above may have just made one).
    for (const queID of [...this.b.marks.keys()]) {
      if ((this.b.marks.get(queID)!.due ?? Infinity) <= this.now) this.tellStatus(queID, null);
      if ((this.b.marks.get(queID)!.placesDue ?? Infinity) <= this.now) this.tellPlaces(queID);
    }
    for (const [u, queID] of this.newStaff) {
      if (this.b.queues.has(queID) && !this.notices.some((n) => n.userID === u && n.ev === 'queue.status' && n.payload.queID === queID)) {
        this.tell(u, 'queue.status', queueStatus(this.b, queID));
      }
    }
    this.before.clear();
  }

  /** Whether a telling of a queue last made at `at` may be made now; if not, when it may. */
  private tellNow(at: number): { now: true } | { now: false; due: number } {
    const interval = this.cfg.statusIntervalMs ?? STATUS_INTERVAL_MS;
    return at === 0 || this.now - at >= interval ? { now: true } : { now: false, due: at + interval };
  }

  /**
   * Tells the agents of a queue its counts if they differ from what they were last told (`before`
   * when the queue has no mark yet): now if the last telling was at least the status interval
   * ago, else when it is over (the mark's `due`, fired by a tick).
   */
  private tellStatus(queID: number, before: QueueStatus | null): void {
    const st = queueStatus(this.b, queID);
    const mark = this.b.markOf(queID);
    const told = mark.sent ?? before;
    if (told && st.agents === told.agents && st.waiting === told.waiting && st.inService === told.inService) {
      if (mark.due !== null) this.b.putStatusMark({ ...mark, due: null });
      return;
    }
    const when = this.tellNow(mark.at);
    if (when.now) {
      for (const u of this.b.staffOf(queID)) this.tell(u, 'queue.status', st);
      this.b.putStatusMark({ ...mark, at: this.now, sent: st, due: null });
    } else if (mark.due === null) this.b.putStatusMark({ ...mark, due: when.due });
  }

  /** Tells each customer of a queue whose place differs from the one they were last told, on the same terms. */
  private tellPlaces(queID: number): void {
    const mark = this.b.markOf(queID);
    const when = this.tellNow(mark.placesAt);
    if (!when.now) {
      if (mark.placesDue === null) this.b.putStatusMark({ ...mark, placesDue: when.due });
      return;
    }
    this.b.line(queID).forEach((w, i) => {
      if (w.told === i + 1) return;
      this.tell(w.u, 'queue.position', queuingInfo(this.b, w, this.now, i));
      this.b.putWaiter({ ...w, told: i + 1 });
    });
    this.b.putStatusMark({ ...mark, placesAt: this.now, placesDue: null });
  }
}
