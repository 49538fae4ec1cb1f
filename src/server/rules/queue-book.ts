/**
 * The queue book: the state of every call-centre queue as plain entries (key → JSON), with the
 * indexes the rules need. The rules (queues.ts) change it through the methods below, which record
 * each changed entry; storage writes exactly those changes (SQLite rows on one node, one Redis
 * hash in a cluster). Entries:
 *
 *   q:<queID>  QueueDef      a queue, as an administrator defined it
 *   f:<queID>  QueueFigures  what the queue has done: served, abandoned, recent service and wait times
 *   w:<user>   Waiter        a customer in a queue (offered to an agent or not)
 *   a:<user>   Agent         an agent: the queues they serve, their offer, the customer they serve
 *   s:<queID>  StatusMark    when the queue's agents were last told its counts, and its customers
 *                            their places; whether a newer telling waits
 *   seq        {n}           the arrival number of the next customer (first come, first served)
 */
import type { QueueInfo, QueueStatus } from '../../protocol/queues.js';

export type QueueDef = QueueInfo;

export interface QueueFigures {
  queID: number;
  served: number;
  abandoned: number;
  /** Moving averages (ms) of recent service times (accept → service end) and waits (join → accept). */
  avgServiceMs: number | null;
  avgWaitMs: number | null;
}

export interface Waiter {
  u: string;
  nick: string;
  q: number;
  /** Arrival number: the order of first come, first served, across queues too. */
  seq: number;
  since: number;
  ext: string;
  /** The agent this customer is offered to, until they accept or reject it or it times out. */
  agent: string | null;
  offeredAt: number | null;
  deadline: number | null;
  /** Agents who rejected this customer or let the offer time out: not offered them again. */
  passed: string[];
  /** Since when the customer has had no session (null: online). */
  away: number | null;
  /** The position this customer was last told (absent in books written before it was kept). */
  told?: number;
}

/** A customer an agent accepted, until the service ends (their call ends, or it never starts). */
export interface Service {
  u: string;
  nick: string;
  q: number;
  ext: string;
  waitedMs: number;
  since: number;
  /** When the service ends if no call has begun by then (null: a call is on). */
  deadline: number | null;
}

export interface Agent {
  u: string;
  nick: string;
  /** queID → the agent's priority in it (the smaller, the sooner). */
  queues: Record<string, number>;
  /** Since when the agent has been free (for "the longest idle first"). */
  idleSince: number;
  /** The customer offered to this agent, if any. */
  assigned: string | null;
  serving: Service | null;
  away: number | null;
}

/**
 * When a queue's agents were last told its counts (`queue.status`) and what, and when its
 * customers were last told their places (`queue.position`); `due`: a newer telling waits until then.
 */
export interface StatusMark {
  queID: number;
  at: number;
  sent: QueueStatus | null;
  due: number | null;
  placesAt: number;
  placesDue: number | null;
}

export type BookChange = [key: string, value: string | null];

export class QueueBook {
  readonly queues = new Map<number, QueueDef>();
  readonly figures = new Map<number, QueueFigures>();
  readonly waiters = new Map<string, Waiter>();
  readonly agents = new Map<string, Agent>();
  readonly marks = new Map<number, StatusMark>();
  private seq = 1;
  /** Customers who left each queue's line (any reason), counted since this copy was made: their going moves those behind. */
  private readonly removals = new Map<number, number>();
  /** Customers of each queue in arrival order. */
  private readonly lines = new Map<number, Waiter[]>();
  /** Agents serving each queue. */
  private readonly staff = new Map<number, Set<string>>();
  private dirty = new Map<string, string | null>();

  static from(entries: Iterable<[string, string]>): QueueBook {
    const b = new QueueBook();
    for (const [k, v] of entries) b.load(k, v);
    for (const line of b.lines.values()) line.sort((x, y) => x.seq - y.seq);
    return b;
  }

  private load(k: string, v: string): void {
    const kind = k.slice(0, 2);
    if (k === 'seq') this.seq = (JSON.parse(v) as { n: number }).n;
    else if (kind === 'q:') this.queues.set(Number(k.slice(2)), JSON.parse(v) as QueueDef);
    else if (kind === 'f:') this.figures.set(Number(k.slice(2)), JSON.parse(v) as QueueFigures);
    else if (kind === 'w:') this.indexWaiter(JSON.parse(v) as Waiter, false);
    else if (kind === 'a:') this.indexAgent(JSON.parse(v) as Agent);
    else if (kind === 's:') this.marks.set(Number(k.slice(2)), JSON.parse(v) as StatusMark);
  }

  /** The changes since the last call, to write; clears them. */
  takeChanges(): BookChange[] {
    const out = [...this.dirty];
    this.dirty = new Map();
    return out;
  }

  private mark(k: string, v: unknown): void {
    this.dirty.set(k, v === null ? null : JSON.stringify(v));
  }

  nextSeq(): number {
    const n = this.seq++;
    this.mark('seq', { n: this.seq });
    return n;
  }

  // ---- queues ----
  putQueue(q: QueueDef): void {
    this.queues.set(q.queID, q);
    this.mark(`q:${q.queID}`, q);
    if (!this.figures.has(q.queID)) this.putFigures({ queID: q.queID, served: 0, abandoned: 0, avgServiceMs: null, avgWaitMs: null });
  }

  deleteQueue(queID: number): void {
    this.queues.delete(queID);
    this.figures.delete(queID);
    this.lines.delete(queID);
    this.mark(`q:${queID}`, null);
    this.mark(`f:${queID}`, null);
    if (this.marks.delete(queID)) this.mark(`s:${queID}`, null);
  }

  putStatusMark(m: StatusMark): void {
    this.marks.set(m.queID, m);
    this.mark(`s:${m.queID}`, m);
  }

  putFigures(f: QueueFigures): void {
    this.figures.set(f.queID, f);
    this.mark(`f:${f.queID}`, f);
  }

  /** Queues by importance: smallest prio first, then smallest queID. */
  queuesInOrder(): QueueDef[] {
    return [...this.queues.values()].sort((a, b) => a.prio - b.prio || a.queID - b.queID);
  }

  // ---- customers ----
  /** The customers of a queue in arrival order (do not change the array). */
  line(queID: number): readonly Waiter[] {
    return this.lines.get(queID) ?? [];
  }

  putWaiter(w: Waiter): void {
    const old = this.waiters.get(w.u);
    if (old && old.q === w.q) {
      const line = this.lines.get(w.q)!;
      line[line.indexOf(old)] = w;
      this.waiters.set(w.u, w);
    } else {
      if (old) this.unindexWaiter(old);
      this.indexWaiter(w, true);
    }
    this.mark(`w:${w.u}`, w);
  }

  deleteWaiter(u: string): void {
    const w = this.waiters.get(u);
    if (!w) return;
    this.unindexWaiter(w);
    this.mark(`w:${u}`, null);
  }

  private indexWaiter(w: Waiter, append: boolean): void {
    this.waiters.set(w.u, w);
    let line = this.lines.get(w.q);
    if (!line) this.lines.set(w.q, (line = []));
    // A new customer has the highest arrival number: at the end. (Loading sorts once at the end.)
    if (append && line.length > 0 && line[line.length - 1]!.seq > w.seq) {
      const at = line.findIndex((x) => x.seq > w.seq);
      line.splice(at, 0, w);
    } else line.push(w);
  }

  removedFrom(queID: number): number {
    return this.removals.get(queID) ?? 0;
  }

  /** A queue's telling marks (a new one if it has none). */
  markOf(queID: number): StatusMark {
    return this.marks.get(queID) ?? { queID, at: 0, sent: null, due: null, placesAt: 0, placesDue: null };
  }

  private unindexWaiter(w: Waiter): void {
    this.removals.set(w.q, this.removedFrom(w.q) + 1);
    this.waiters.delete(w.u);
    const line = this.lines.get(w.q);
    if (!line) return;
    const i = line.indexOf(w);
    if (i >= 0) line.splice(i, 1);
  }

  // ---- agents ----
  /** The agents serving a queue. */
  staffOf(queID: number): ReadonlySet<string> {
    return this.staff.get(queID) ?? new Set();
  }

  putAgent(a: Agent): void {
    const old = this.agents.get(a.u);
    if (old) this.unindexAgent(old);
    this.indexAgent(a);
    this.mark(`a:${a.u}`, a);
  }

  deleteAgent(u: string): void {
    const a = this.agents.get(u);
    if (!a) return;
    this.unindexAgent(a);
    this.mark(`a:${u}`, null);
  }

  private indexAgent(a: Agent): void {
    this.agents.set(a.u, a);
    for (const q of Object.keys(a.queues)) {
      let s = this.staff.get(Number(q));
      if (!s) this.staff.set(Number(q), (s = new Set()));
      s.add(a.u);
    }
  }

  private unindexAgent(a: Agent): void {
    this.agents.delete(a.u);
    for (const q of Object.keys(a.queues)) this.staff.get(Number(q))?.delete(a.u);
  }

  /** Customers in service in a queue. */
  inService(queID: number): number {
    let n = 0;
    for (const u of this.staffOf(queID)) if (this.agents.get(u)?.serving?.q === queID) n++;
    // An agent may serve a customer of a queue they no longer serve.
    for (const a of this.agents.values()) if (a.serving?.q === queID && !(String(queID) in a.queues)) n++;
    return n;
  }

  /** The earliest time something falls due (an offer's or a service's deadline, a status to tell), or null. */
  nextDeadline(): number | null {
    let next: number | null = null;
    const consider = (t: number | null) => {
      if (t !== null && (next === null || t < next)) next = t;
    };
    for (const a of this.agents.values()) {
      if (a.assigned) consider(this.waiters.get(a.assigned)?.deadline ?? null);
      consider(a.serving?.deadline ?? null);
    }
    for (const m of this.marks.values()) {
      consider(m.due);
      consider(m.placesDue);
    }
    return next;
  }
}
