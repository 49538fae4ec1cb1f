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

export type Job = CallsJob | ScaleJob;

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

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; done: number }
  | CallsResult
  | ScaleResult
  | { type: 'closed'; unexpectedCloses: number }
  | { type: 'failed'; message: string };
