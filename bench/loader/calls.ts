/**
 * Call cycles between caller/callee pairs: invite → incoming → accept → accepted → hang up →
 * hung up, either closed loop (each pair starts its next cycle when the last ends) or open loop
 * (cycles start at a fixed rate on whichever pair is idle). Every response and event is
 * accounted for: each event's `seq`, each step of each cycle, each request's one response.
 */
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import { Auth } from '../../src/server/gateway/auth.js';
import { PING_INTERVAL_MS } from '../../src/sdk/client.js';
import { Histogram } from '../histogram.js';
import type { CallsJob, CallsResult } from '../ipc.js';
import { callIDIs, Ev, Kind, meetingJSON, readHeader, relayed, request, type Header } from './frames.js';
import { call, connect, pool } from './socket.js';

/** The six frames of one cycle, as bits (0: a ping, outside any cycle). */
const Step = {
  Ping: 0,
  InviteOk: 1,
  Incoming: 2,
  AcceptOk: 4,
  Accepted: 8,
  HangupOk: 16,
  Hungup: 32,
} as const;
const ALL_STEPS = 63;
const EVENTS_PER_CYCLE = 3;
const SETUP_CONCURRENCY = 50;
const ERROR_SAMPLES = 5;

class Sock {
  /** Last event seq received on this socket. */
  lastSeq = 0;
  nextID = 1;
  /** Request id → the step its response completes. */
  readonly pending = new Map<number, number>();
  /** Relay only: the seq of the last event the loader has sent towards this socket. */
  outSeq = 0;
  constructor(
    readonly ws: WebSocket,
    readonly pair: Pair,
    readonly isCaller: boolean,
  ) {}
}

class Pair {
  caller!: Sock;
  callee!: Sock;
  meetingID = 0;
  /** Relay only: the meeting as callroom would describe it. */
  meeting = '';
  cycles = 0;
  callID = '';
  got = ALL_STEPS;
  eventsSeen = 0;
  tInvite = 0;
  tAccept = 0;
  measured = false;
  constructor(
    readonly callerID: string,
    readonly calleeID: string,
    readonly callPrefix: string,
  ) {}
}

export class CallsRun {
  private readonly pairs: Pair[] = [];
  private readonly idle: Pair[] = [];
  private readonly relay: boolean;
  private readonly header: Header = { kind: Kind.Unknown, id: 0, ok: false, ev: Ev.Other, seq: 0, callIDAt: -1 };
  private readonly inviteToIncoming = new Histogram();
  private readonly acceptToAccepted = new Histogram();
  private readonly scheduleLag = new Histogram();
  private windowStart = Infinity;
  private windowEnd = Infinity;
  private stopping = false;
  private inFlight = 0;
  private started = 0;
  private completed = 0;
  private inWindow = 0;
  private skipped = 0;
  private errors = 0;
  private readonly errorSamples: string[] = [];
  private readonly events = { expected: 0, received: 0, lost: 0, duplicated: 0, seqGaps: 0, unexpected: 0 };
  unexpectedCloses = 0;
  private closing = false;

  constructor(
    private readonly job: CallsJob,
    private readonly progress: (done: number) => void,
  ) {
    this.relay = job.target === 'relay';
  }

  /** Connects (and for callroom logs in and creates each caller's meeting). */
  async setup(): Promise<void> {
    const { job } = this;
    const auth = new Auth(job.keys);
    const httpBase = job.url.replace(/^ws/, 'http').replace(/\/v1\/ws$/, '').replace(/\/$/, '');
    const startTime = Math.floor(Date.now() / 1000);
    for (let i = job.firstPair; i < job.firstPair + job.pairs; i++) {
      this.pairs.push(new Pair(`${job.runID}-c${i}`, `${job.runID}-e${i}`, `${job.runID}-${i}-`));
    }
    await pool(this.pairs, SETUP_CONCURRENCY, async (p, k) => {
      const i = job.firstPair + k;
      if (this.relay) {
        // The relay pairs the two sockets by key; the caller's is registered once its open fires.
        p.caller = this.sock(await connect(`${job.url}/?pair=${job.runID}-${i}`), p, true);
        p.callee = this.sock(await connect(`${job.url}/?pair=${job.runID}-${i}`), p, false);
        p.meetingID = 1000 + i;
        p.meeting = meetingJSON(p.meetingID, p.callerID, httpBase, startTime);
      } else {
        const [callerToken, calleeToken] = await Promise.all([auth.mint(p.callerID), auth.mint(p.calleeID)]);
        const n = job.nodeUrls?.length ?? 0;
        const [callerUrl, calleeUrl] = n > 0 ? [job.nodeUrls![i % n]!, job.nodeUrls![(i + 1) % n]!] : [job.url, job.url];
        const [a, b] = await Promise.all([connect(callerUrl), connect(calleeUrl)]);
        await Promise.all([call(a, 1, request.login(1, callerToken)), call(b, 1, request.login(1, calleeToken))]);
        const { meeting } = (await call(a, 2, request.createMeeting(2))) as { meeting: { ID: number } };
        p.meetingID = meeting.ID;
        p.caller = this.sock(a, p, true);
        p.callee = this.sock(b, p, false);
        p.caller.nextID = 3;
        p.callee.nextID = 2;
      }
    });
  }

  private sock(ws: WebSocket, p: Pair, isCaller: boolean): Sock {
    const s = new Sock(ws, p, isCaller);
    ws.on('message', (data: Buffer) => this.onFrame(s, data.toString()));
    ws.on('close', () => {
      if (!this.closing) this.unexpectedCloses += 1;
    });
    return s;
  }

  /** Runs warm-up, window and drain; resolves with the result. */
  run(): Promise<CallsResult> {
    const { job } = this;
    const t0 = performance.now();
    this.windowStart = t0 + job.warmupMs;
    this.windowEnd = this.windowStart + job.durationMs;
    const progressTimer = setInterval(() => this.progress(this.completed), 500);
    // Like the SDK: every socket pings and acknowledges the events it has, so the server can
    // drop them from its resume buffer.
    const pingTimer = this.relay ? null : setInterval(() => this.pingAll(), PING_INTERVAL_MS);
    let loopTimer: NodeJS.Timeout | null = null;
    if (job.loop.type === 'closed') {
      for (const p of this.pairs) this.startCycle(p);
    } else {
      this.idle.push(...this.pairs);
      const interval = 1000 / job.loop.rate;
      let k = 0;
      loopTimer = setInterval(() => {
        const now = performance.now();
        for (let due = t0; (due = t0 + k * interval) <= now && due < this.windowEnd; k++) {
          const p = this.idle.pop();
          const counted = due >= this.windowStart;
          if (!p) {
            if (counted) this.skipped += 1;
            continue;
          }
          if (counted) this.scheduleLag.recordMs(now - due);
          this.startCycle(p);
        }
      }, 1);
    }
    return new Promise((resolve) => {
      setTimeout(() => {
        this.stopping = true;
        if (loopTimer) clearInterval(loopTimer);
        const giveUpAt = performance.now() + job.drainMs;
        const drain = setInterval(() => {
          if (this.inFlight > 0 && performance.now() < giveUpAt) return;
          clearInterval(drain);
          clearInterval(progressTimer);
          if (pingTimer) clearInterval(pingTimer);
          this.progress(this.completed);
          resolve(this.result());
        }, 10);
      }, this.windowEnd - performance.now());
    });
  }

  private result(): CallsResult {
    let unanswered = 0;
    for (const p of this.pairs) unanswered += p.caller.pending.size + p.callee.pending.size;
    this.events.lost = this.events.expected - this.events.received;
    return {
      type: 'calls-result',
      cyclesInWindow: this.inWindow,
      windowMs: this.job.durationMs,
      cyclesStarted: this.started,
      cyclesCompleted: this.completed,
      inviteToIncoming: this.inviteToIncoming.toData(),
      acceptToAccepted: this.acceptToAccepted.toData(),
      scheduleLag: this.scheduleLag.toData(),
      skipped: this.skipped,
      events: { ...this.events },
      errors: this.errors,
      errorSamples: this.errorSamples,
      unanswered,
    };
  }

  private pingAll(): void {
    for (const p of this.pairs) {
      for (const s of [p.caller, p.callee]) {
        const id = s.nextID++;
        s.pending.set(id, Step.Ping);
        s.ws.send(request.ping(id, s.lastSeq));
      }
    }
  }

  private startCycle(p: Pair): void {
    p.cycles += 1;
    p.callID = p.callPrefix + p.cycles;
    p.got = 0;
    p.eventsSeen = 0;
    this.inFlight += 1;
    this.started += 1;
    this.events.expected += EVENTS_PER_CYCLE;
    const s = p.caller;
    const id = s.nextID++;
    s.pending.set(id, Step.InviteOk);
    const frame = this.relay
      ? relayed.invite(id, p.callID, p.callerID, p.meeting, ++p.callee.outSeq)
      : request.invite(id, p.callID, p.calleeID, p.meetingID);
    p.tInvite = performance.now();
    p.measured = p.tInvite >= this.windowStart && p.tInvite < this.windowEnd;
    s.ws.send(frame);
  }

  private onFrame(s: Sock, text: string): void {
    const h = this.header;
    readHeader(text, h);
    if (h.kind === Kind.Response) return this.onResponse(s, h, text);
    if (h.kind !== Kind.Event) {
      this.events.unexpected += 1;
      return;
    }
    if (h.seq !== s.lastSeq + 1) {
      if (h.seq <= s.lastSeq) {
        this.events.duplicated += 1;
        return;
      }
      this.events.seqGaps += 1;
    }
    s.lastSeq = h.seq;
    const p = s.pair;
    if (!callIDIs(text, h.callIDAt, p.callID)) {
      this.events.unexpected += 1;
      return;
    }
    const now = performance.now();
    if (h.ev === Ev.Incoming && !s.isCaller) {
      if (!this.mark(p, Step.Incoming, true)) return;
      if (p.measured) this.inviteToIncoming.recordMs(now - p.tInvite);
      const id = s.nextID++;
      s.pending.set(id, Step.AcceptOk);
      p.tAccept = now;
      s.ws.send(this.relay ? relayed.accept(id, p.callID, p.meeting, ++p.caller.outSeq) : request.accept(id, p.callID));
    } else if (h.ev === Ev.Accepted && s.isCaller) {
      if (!this.mark(p, Step.Accepted, true)) return;
      if (p.measured) this.acceptToAccepted.recordMs(now - p.tAccept);
      const id = s.nextID++;
      s.pending.set(id, Step.HangupOk);
      s.ws.send(this.relay ? relayed.hangup(id, p.callID, ++p.callee.outSeq) : request.hangup(id, p.callID));
    } else if (h.ev === Ev.Hungup && !s.isCaller) {
      this.mark(p, Step.Hungup, true);
    } else {
      this.events.unexpected += 1;
    }
  }

  private onResponse(s: Sock, h: Header, text: string): void {
    const step = s.pending.get(h.id);
    if (step === undefined) {
      this.events.unexpected += 1;
      return;
    }
    s.pending.delete(h.id);
    if (h.ok && step === Step.Ping) return;
    if (h.ok) {
      this.mark(s.pair, step, false);
      return;
    }
    this.errors += 1;
    if (this.errorSamples.length < ERROR_SAMPLES) this.errorSamples.push(text.slice(0, 300));
    this.abandon(s.pair);
  }

  /** Records one step; false if it had already happened (a duplicate). */
  private mark(p: Pair, step: number, isEvent: boolean): boolean {
    if (p.got & step) {
      if (isEvent) this.events.duplicated += 1;
      else this.events.unexpected += 1;
      return false;
    }
    p.got |= step;
    if (isEvent) {
      p.eventsSeen += 1;
      this.events.received += 1;
    }
    if (p.got === ALL_STEPS) this.finishCycle(p, true);
    return true;
  }

  /** A request of the cycle failed: its remaining events will not come, so they are not expected. */
  private abandon(p: Pair): void {
    this.events.expected -= EVENTS_PER_CYCLE - p.eventsSeen;
    p.got = ALL_STEPS;
    p.caller.pending.clear();
    p.callee.pending.clear();
    this.finishCycle(p, false);
  }

  private finishCycle(p: Pair, ok: boolean): void {
    this.inFlight -= 1;
    if (ok) {
      this.completed += 1;
      const now = performance.now();
      if (now >= this.windowStart && now < this.windowEnd) this.inWindow += 1;
    }
    if (this.job.loop.type === 'open') this.idle.push(p);
    else if (!this.stopping) {
      if (ok) this.startCycle(p);
      else setTimeout(() => !this.stopping && this.startCycle(p), 1);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    const all = this.pairs.flatMap((p) => [p.caller, p.callee]).filter(Boolean);
    await Promise.all(
      all.map(
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
