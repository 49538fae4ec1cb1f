/**
 * Messages between the bench driver (run.ts) and its loader processes (loader/worker.ts),
 * over the Node IPC channel of `fork()`.
 */
import type { HistogramData } from './histogram.js';

export interface Keys {
  apiKey: string;
  apiSecret: string;
}

/** Call cycles, against callroom or against the bare relay (the ceiling). */
export interface CallsJob {
  kind: 'calls';
  /** 'callroom' speaks the real protocol; 'relay' sends the same frames through bench/relay. */
  target: 'callroom' | 'relay';
  /** ws:// URL of the server (callroom: its /v1/ws; relay: its root). */
  url: string;
  /**
   * Cluster: the /v1/ws URL of every node. Pair i's caller connects to node i mod n and its
   * callee to node i+1 mod n, so every call crosses nodes. Null: everyone on `url`.
   */
  nodeUrls: string[] | null;
  keys: Keys;
  /** Unique per run, so user and call IDs never collide with an earlier run. */
  runID: string;
  /** Index of this process's first pair, and how many pairs it drives. */
  firstPair: number;
  pairs: number;
  /** Closed loop: every pair starts its next cycle as soon as the last ends. Open: `rate` starts per second. */
  loop: { type: 'closed' } | { type: 'open'; rate: number };
  warmupMs: number;
  durationMs: number;
  /** How long to wait, after the window, for the cycles still in flight before counting them lost. */
  drainMs: number;
}

/** Idle logged-in users. */
export interface ScaleJob {
  kind: 'scale';
  url: string;
  keys: Keys;
  runID: string;
  firstUser: number;
  users: number;
  /** Connections this process opens at once. */
  concurrency: number;
  /** Source address for this process's sockets (spreads the ephemeral ports), if any. */
  localAddress: string | null;
}

/** Call-centre queue: agents serving one queue, customers joining it. */
export interface QueueJob {
  kind: 'queue';
  url: string;
  keys: Keys;
  runID: string;
  queID: number;
  agents: number;
  customers: number;
  /** Open loop: `rate` arrivals per second on whichever customer is free; 'max': every customer rejoins as soon as served. */
  loop: { type: 'open'; rate: number } | { type: 'max' };
  /** How long an agent stays on the call with the customer before hanging up (ms). */
  handleMs: number;
  warmupMs: number;
  durationMs: number;
  /** How long to wait, after the window, for customers still waiting or in service. */
  drainMs: number;
}

export type Job = CallsJob | ScaleJob | QueueJob;

export type DriverMessage = { type: 'job'; job: Job } | { type: 'go' } | { type: 'close' };

export interface EventCounts {
  /** Events the loader must receive: three per cycle started (incoming, accepted, hungup). */
  expected: number;
  /** Distinct expected events received. */
  received: number;
  /** expected − received once the run has drained. */
  lost: number;
  /** Events received twice (same seq again, or a second event for the same step). */
  duplicated: number;
  /** Gaps in a session's `seq` numbering. */
  seqGaps: number;
  /** Events that belong to no cycle step (wrong call, wrong kind). */
  unexpected: number;
}

export interface CallsResult {
  type: 'calls-result';
  /** Cycles that completed inside the measurement window, and its length. */
  cyclesInWindow: number;
  windowMs: number;
  cyclesStarted: number;
  cyclesCompleted: number;
  inviteToIncoming: HistogramData;
  acceptToAccepted: HistogramData;
  /** Open loop: how late the loader sent each invite against its schedule. */
  scheduleLag: HistogramData;
  /** Open loop: scheduled starts that found no idle pair. */
  skipped: number;
  events: EventCounts;
  /** Requests answered with ok:false, and the first few messages. */
  errors: number;
  errorSamples: string[];
  /** Requests that never got a response. */
  unanswered: number;
}

export interface ScaleResult {
  type: 'scale-result';
  /** Epoch ms (performance.timeOrigin + now) of the first connect and of the last login answer. */
  firstStart: number;
  lastDone: number;
  loggedIn: number;
  failed: number;
  failSamples: string[];
  connectMs: HistogramData;
  loginMs: HistogramData;
}

/** What one customer's arrival went through, counted by the loader that drives agents and customers. */
export interface QueueCounts {
  /** Arrivals: queue.join sent. */
  joined: number;
  /** Arrivals offered to an agent (queue.assigned received), at least once. */
  assigned: number;
  /** Services completed: accepted, called, hung up. */
  served: number;
  /** Arrivals never offered to any agent by the end of the drain, and no longer in the server's line (queue.mine). */
  lost: number;
  /** Arrivals never offered by the end of the drain but still in the server's line: it fell behind. */
  stillWaiting: number;
  /** Arrivals offered but whose service never completed by the end of the drain. */
  unfinished: number;
  /** A second queue.assigned for an arrival already offered (a customer offered to two agents, or twice). */
  customerDoubles: number;
  /** queue.assigned to an agent who still held an offer or a customer. */
  agentDoubles: number;
  /** Offers withdrawn (queue.unassigned): the bench's agents always accept, so none should be. */
  withdrawn: number;
  /** Scheduled arrivals that found no free customer (open loop). */
  skipped: number;
  /** Events that fit no step: an offer for an unknown arrival, a call from the wrong agent, a wrong kind. */
  unexpected: number;
  duplicated: number;
  seqGaps: number;
  /** Fan-out the server sent: queue.status to agents, queue.position to customers. */
  statusEvents: number;
  positionEvents: number;
}

export interface QueueResult {
  type: 'queue-result';
  /** queue.assigned received inside the measured window. */
  assignedInWindow: number;
  windowMs: number;
  counts: QueueCounts;
  /** queue.join sent → the agent receiving queue.assigned for that customer (joins inside the window). */
  joinToAssigned: HistogramData;
  /** queue.join sent → its response. */
  joinResponse: HistogramData;
  /** How late the loader sent joins against the schedule (open loop). */
  scheduleLag: HistogramData;
  /** First few problems of each kind (a QueueCounts name, or 'errors'), readable. */
  samples: Record<string, string[]>;
  errors: number;
  unanswered: number;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; done: number }
  | CallsResult
  | ScaleResult
  | QueueResult
  | { type: 'closed'; unexpectedCloses: number }
  | { type: 'failed'; message: string };
