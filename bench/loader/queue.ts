/**
 * A call-centre queue under load: M agents serve one queue with DND off (automatic assignment),
 * customers join it, either at a fixed rate (open loop, on whichever customer is free) or as fast
 * as they are served (`max`: every customer rejoins as soon as its service ends).
 *
 * One service: the customer sends queue.join → the agent gets queue.assigned and sends
 * queue.accept → the agent calls the customer (call.invite with its meeting) → the customer
 * accepts → after the handling time the agent hangs up → the customer gets call.hungup. The
 * call's end ends the service (queue rules), so the agent is free again. Agents and customers
 * live in this one process, so join → assigned is measured on one clock.
 *
 * Checked on the way: no arrival is offered twice (to two agents, or again), no agent is offered
 * a customer while it holds one, no offer is withdrawn, every arrival is offered and served by the
 * end, every request answered, every event's seq in order.
 */
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import { Auth } from '../../src/server/gateway/auth.js';
import { PING_INTERVAL_MS } from '../../src/sdk/client.js';
import { Histogram } from '../histogram.js';
import type { QueueCounts, QueueJob, QueueResult } from '../ipc.js';
import { callIDIs, Ev, Kind, readHeader, request, type Header } from './frames.js';
import { call, connect, pool } from './socket.js';

const SETUP_CONCURRENCY = 50;
const SAMPLES = 5;

/** What a request's response completes. */
const Req = { Ping: 0, Join: 1, Accept: 2, Invite: 3, CallAccept: 4, Hangup: 5, Mine: 6 } as const;
/** After the drain: how long the customers never offered have to say (queue.mine) whether they still wait. */
const MINE_TIMEOUT_MS = 5_000;
type Req = (typeof Req)[keyof typeof Req];

/** One customer's one stay in the queue. */
interface Arrival {
  k: number;
  customer: Sock;
  tJoin: number;
  /** Joined inside the measured window: its latency counts. */
  measured: boolean;
  agent: Sock | null;
  offers: number;
  callID: string;
  served: boolean;
  /** A request of its service failed (counted as an error, not as lost). */
  failed: boolean;
  /** Never offered: the server's answer to queue.mine at the end says it is still in the line. */
  stillQueuing: boolean;
}

interface Pending {
  req: Req;
  at: number;
  arrival: Arrival | null;
}

class Sock {
  lastSeq = 0;
  nextID = 1;
  readonly pending = new Map<number, Pending>();
  /** Agent: its meeting (for the calls) and the arrival it holds (offered, accepted or on the call). */
  meetingID = 0;
  holding: Arrival | null = null;
  /** Customer: its current arrival. */
  arrival: Arrival | null = null;
  constructor(
    readonly ws: WebSocket,
    readonly userID: string,
    readonly isAgent: boolean,
  ) {}
}

export class QueueRun {
  private readonly agents: Sock[] = [];
  private readonly customers: Sock[] = [];
  private readonly free: Sock[] = [];
  private readonly arrivals: Arrival[] = [];
  private readonly header: Header = { kind: Kind.Unknown, id: 0, ok: false, ev: Ev.Other, seq: 0, callIDAt: -1 };
  private readonly joinToAssigned = new Histogram();
  private readonly joinResponse = new Histogram();
  private readonly scheduleLag = new Histogram();
  private readonly counts: QueueCounts = {
    joined: 0, assigned: 0, served: 0, lost: 0, stillWaiting: 0, unfinished: 0, customerDoubles: 0, agentDoubles: 0, withdrawn: 0,
    skipped: 0, unexpected: 0, duplicated: 0, seqGaps: 0, statusEvents: 0, positionEvents: 0,
  };
  private readonly samples: Record<string, string[]> = {};
  /** Answers to the final queue.mine of customers never offered: still in the line, or not. */
  private stillQueuing = 0;
  private notQueuing = 0;
  private mineAsked = 0;
  private errors = 0;
  private running = false;
  private stopping = false;
  private closing = false;
  /** Arrivals neither served nor failed. */
  private open = 0;
  private windowStart = Infinity;
  private windowEnd = Infinity;
  private assignedInWindow = 0;
  unexpectedCloses = 0;

  constructor(
    private readonly job: QueueJob,
    private readonly progress: (done: number) => void,
  ) {}

  /** Logs everyone in; each agent creates its meeting and serves the queue. */
  async setup(): Promise<void> {
    const { job } = this;
    const auth = new Auth(job.keys);
    const users = [
      ...Array.from({ length: job.agents }, (_, i) => ({ id: `${job.runID}-a${i}`, agent: true })),
      ...Array.from({ length: job.customers }, (_, i) => ({ id: `${job.runID}-u${i}`, agent: false })),
    ];
    await pool(users, SETUP_CONCURRENCY, async (u) => {
      const ws = await connect(job.url);
      await call(ws, 1, request.login(1, await auth.mint(u.id)));
      // From here every frame goes through onFrame: the agents hear queue.status as others serve.
      const s = this.sock(ws, u.id, u.agent);
      s.nextID = 2;
      if (!u.agent) {
        this.customers.push(s);
        return;
      }
      const { meeting } = (await call(ws, s.nextID, request.createMeeting(s.nextID++))) as { meeting: { ID: number } };
      s.meetingID = meeting.ID;
      await call(ws, s.nextID, request.serve(s.nextID++, job.queID));
      this.agents.push(s);
    });
  }

  private sock(ws: WebSocket, userID: string, isAgent: boolean): Sock {
    const s = new Sock(ws, userID, isAgent);
    ws.on('message', (data: Buffer) => this.onFrame(s, data.toString()));
    ws.on('close', () => {
      if (!this.closing) this.unexpectedCloses += 1;
    });
    return s;
  }

  run(): Promise<QueueResult> {
    const { job } = this;
    this.running = true;
    const t0 = performance.now();
    this.windowStart = t0 + job.warmupMs;
    this.windowEnd = this.windowStart + job.durationMs;
    const progressTimer = setInterval(() => this.progress(this.counts.assigned), 500);
    const pingTimer = setInterval(() => this.pingAll(), PING_INTERVAL_MS);
    let loopTimer: NodeJS.Timeout | null = null;
    if (job.loop.type === 'max') {
      for (const c of this.customers) this.join(c);
    } else {
      this.free.push(...this.customers);
      const interval = 1000 / job.loop.rate;
      let k = 0;
      loopTimer = setInterval(() => {
        const now = performance.now();
        for (let due = t0; (due = t0 + k * interval) <= now && due < this.windowEnd; k++) {
          const c = this.free.shift();
          const counted = due >= this.windowStart;
          if (!c) {
            if (counted) this.counts.skipped += 1;
            continue;
          }
          if (counted) this.scheduleLag.recordMs(now - due);
          this.join(c);
        }
      }, 1);
    }
    return new Promise((resolve) => {
      setTimeout(() => {
        this.stopping = true;
        if (loopTimer) clearInterval(loopTimer);
        clearInterval(pingTimer);
        const giveUpAt = performance.now() + job.drainMs;
        // Until every service has ended and every request sent (the last pings too) is answered.
        const drain = setInterval(() => {
          if ((this.open > 0 || this.pendingRequests() > 0) && performance.now() < giveUpAt) return;
          clearInterval(drain);
          clearInterval(progressTimer);
          this.progress(this.counts.assigned);
          void this.askNeverOffered().then(() => resolve(this.result()));
        }, 10);
      }, this.windowEnd - performance.now());
    });
  }

  /**
   * Each customer never offered asks the server (queue.mine) whether it is still in the line: if
   * so, the server fell behind (still waiting); if not, the customer was lost.
   */
  private askNeverOffered(): Promise<void> {
    const never = this.arrivals.filter((a) => !a.failed && a.offers === 0);
    if (never.length === 0) return Promise.resolve();
    for (const a of never) this.send(a.customer, Req.Mine, a, (id) => `{"id":${id},"op":"queue.mine"}`);
    this.mineAsked = never.length;
    const until = performance.now() + MINE_TIMEOUT_MS;
    return new Promise((resolve) => {
      const t = setInterval(() => {
        if (this.stillQueuing + this.notQueuing < this.mineAsked && performance.now() < until) return;
        clearInterval(t);
        resolve();
      }, 10);
    });
  }

  private result(): QueueResult {
    const c = this.counts;
    for (const a of this.arrivals) {
      if (a.failed) continue;
      if (a.offers === 0) {
        if (a.stillQueuing) {
          c.stillWaiting += 1;
          this.sample('stillWaiting', `customer ${a.customer.userID} (arrival ${a.k}) was still waiting in the queue at the end`);
        } else {
          c.lost += 1;
          this.sample('lost', `customer ${a.customer.userID} (arrival ${a.k}) joined, was never offered to an agent, and is not in the queue`);
        }
      } else if (!a.served) {
        c.unfinished += 1;
        this.sample('unfinished', `customer ${a.customer.userID} (arrival ${a.k}) was offered to ${a.agent?.userID ?? '?'} but its service never ended`);
      }
    }
    const unanswered = this.pendingRequests();
    return {
      type: 'queue-result',
      assignedInWindow: this.assignedInWindow,
      windowMs: this.job.durationMs,
      counts: { ...c },
      joinToAssigned: this.joinToAssigned.toData(),
      joinResponse: this.joinResponse.toData(),
      scheduleLag: this.scheduleLag.toData(),
      samples: this.samples,
      errors: this.errors,
      unanswered,
    };
  }

  private sample(kind: keyof QueueCounts | 'errors', text: string): void {
    const list = (this.samples[kind] ??= []);
    if (list.length < SAMPLES) list.push(text);
  }

  private send(s: Sock, req: Req, arrival: Arrival | null, frame: (id: number) => string): void {
    const id = s.nextID++;
    s.pending.set(id, { req, at: performance.now(), arrival });
    s.ws.send(frame(id));
  }

  private pendingRequests(): number {
    let n = 0;
    for (const s of [...this.agents, ...this.customers]) n += s.pending.size;
    return n;
  }

  private pingAll(): void {
    for (const s of this.agents) this.send(s, Req.Ping, null, (id) => request.ping(id, s.lastSeq));
    for (const s of this.customers) this.send(s, Req.Ping, null, (id) => request.ping(id, s.lastSeq));
  }

  private join(c: Sock): void {
    const k = this.arrivals.length;
    const now = performance.now();
    const a: Arrival = {
      k, customer: c, tJoin: now, measured: now >= this.windowStart && now < this.windowEnd,
      agent: null, offers: 0, callID: `${this.job.runID}-q${k}`, served: false, failed: false, stillQueuing: false,
    };
    this.arrivals.push(a);
    c.arrival = a;
    this.open += 1;
    this.counts.joined += 1;
    this.send(c, Req.Join, a, (id) => request.join(id, this.job.queID, `a${k}`));
  }

  private onFrame(s: Sock, text: string): void {
    const h = this.header;
    readHeader(text, h);
    if (h.kind === Kind.Response) return this.onResponse(s, h, text);
    if (h.kind !== Kind.Event) {
      this.counts.unexpected += 1;
      return;
    }
    if (h.seq !== s.lastSeq + 1) {
      if (h.seq <= s.lastSeq) {
        this.counts.duplicated += 1;
        return;
      }
      this.counts.seqGaps += 1;
    }
    s.lastSeq = h.seq;
    if (h.ev === Ev.Incoming && !s.isAgent) return this.onIncoming(s, h, text);
    if (h.ev === Ev.Accepted && s.isAgent) return this.onAccepted(s, h, text);
    if (h.ev === Ev.Hungup && !s.isAgent) return this.onHungup(s, h, text);
    const name = h.ev === Ev.Other ? text.slice(7, text.indexOf('"', 7)) : '';
    if (name === 'queue.status' && s.isAgent) this.counts.statusEvents += 1;
    else if (name === 'queue.position' && !s.isAgent) this.counts.positionEvents += 1;
    else if (name === 'queue.left' && !s.isAgent) return;
    else if (name === 'queue.assigned' && s.isAgent) this.onAssigned(s, text);
    else if (name === 'queue.unassigned' && s.isAgent) this.onUnassigned(s, text);
    else {
      this.counts.unexpected += 1;
      this.sample('unexpected', `unexpected frame to ${s.userID}: ${text.slice(0, 200)}`);
    }
  }

  private onAssigned(agent: Sock, text: string): void {
    const now = performance.now();
    const { user } = JSON.parse(text) as { user: { userID: string; usrExtDat: string } };
    const a = this.arrivals[Number(user.usrExtDat.slice(1))];
    if (agent.holding) {
      this.counts.agentDoubles += 1;
      this.sample('agentDoubles', `agent ${agent.userID} was offered ${user.userID} while holding ${agent.holding.customer.userID}`);
      return;
    }
    if (!a || a.customer.userID !== user.userID || a.customer.arrival !== a) {
      this.counts.unexpected += 1;
      this.sample('unexpected', `agent ${agent.userID} was offered ${user.userID} (${user.usrExtDat}), who is not waiting`);
      return;
    }
    a.offers += 1;
    if (a.offers > 1) {
      this.counts.customerDoubles += 1;
      this.sample('customerDoubles', `customer ${user.userID} (arrival ${a.k}) offered to ${agent.userID} after ${a.agent?.userID ?? '?'}`);
      return;
    }
    this.counts.assigned += 1;
    if (now >= this.windowStart && now < this.windowEnd) this.assignedInWindow += 1;
    if (a.measured) this.joinToAssigned.recordMs(now - a.tJoin);
    agent.holding = a;
    a.agent = agent;
    this.send(agent, Req.Accept, a, (id) => request.queueAccept(id, this.job.queID, user.userID));
  }

  private onUnassigned(agent: Sock, text: string): void {
    this.counts.withdrawn += 1;
    this.sample('withdrawn', `offer withdrawn from ${agent.userID}: ${text.slice(0, 200)}`);
    const a = agent.holding;
    if (a) {
      agent.holding = null;
      a.failed = true;
      this.open -= 1;
    }
  }

  private onIncoming(c: Sock, h: Header, text: string): void {
    const a = c.arrival;
    if (!a || !a.agent || !callIDIs(text, h.callIDAt, a.callID)) {
      this.counts.unexpected += 1;
      this.sample('unexpected', `call to ${c.userID} that is not its agent's: ${text.slice(0, 200)}`);
      return;
    }
    this.send(c, Req.CallAccept, a, (id) => request.accept(id, a.callID));
  }

  private onAccepted(agent: Sock, h: Header, text: string): void {
    const a = agent.holding;
    if (!a || !callIDIs(text, h.callIDAt, a.callID)) {
      this.counts.unexpected += 1;
      return;
    }
    if (this.job.handleMs > 0) setTimeout(() => this.hangup(agent, a), this.job.handleMs);
    else this.hangup(agent, a);
  }

  /** The agent ends the call, which ends the service: from here a new offer is legitimate. */
  private hangup(agent: Sock, a: Arrival): void {
    agent.holding = null;
    this.send(agent, Req.Hangup, a, (id) => request.hangup(id, a.callID));
  }

  private onHungup(c: Sock, h: Header, text: string): void {
    const a = c.arrival;
    if (!a || !callIDIs(text, h.callIDAt, a.callID)) {
      this.counts.unexpected += 1;
      return;
    }
    a.served = true;
    this.counts.served += 1;
    this.open -= 1;
    c.arrival = null;
    if (this.job.loop.type === 'open') this.free.push(c);
    else if (!this.stopping) this.join(c);
  }

  private onResponse(s: Sock, h: Header, text: string): void {
    const p = s.pending.get(h.id);
    if (!p) {
      // Setup requests (meeting.create, queue.serve) are answered through socket.call().
      if (this.running) this.counts.unexpected += 1;
      return;
    }
    s.pending.delete(h.id);
    if (!h.ok) return this.onFailed(s, p, text);
    if (p.req === Req.Join) this.joinResponse.recordMs(performance.now() - p.at);
    else if (p.req === Req.Mine) {
      const { result } = JSON.parse(text) as { result: { queuing: unknown } };
      p.arrival!.stillQueuing = result.queuing !== null;
      if (p.arrival!.stillQueuing) this.stillQueuing += 1;
      else this.notQueuing += 1;
    }
    else if (p.req === Req.Accept) {
      const a = p.arrival!;
      this.send(s, Req.Invite, a, (id) => request.invite(id, a.callID, a.customer.userID, s.meetingID));
    }
  }

  /** A request failed: counted as an error (which fails the run); its arrival is out of the accounting. */
  private onFailed(s: Sock, p: Pending, text: string): void {
    this.errors += 1;
    this.sample('errors', `request of ${s.userID} failed: ${text.slice(0, 200)}`);
    const a = p.arrival;
    if (!a || a.failed || a.served) return;
    a.failed = true;
    this.open -= 1;
    if (a.agent?.holding === a) a.agent.holding = null;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      [...this.agents, ...this.customers].map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.ws.readyState === s.ws.CLOSED) return resolve();
            const t = setTimeout(() => {
              s.ws.terminate();
              resolve();
            }, 3000);
            s.ws.once('close', () => {
              clearTimeout(t);
              resolve();
            });
            s.ws.close(1000, 'bench done');
          }),
      ),
    );
  }
}
