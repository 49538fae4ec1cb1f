/**
 * Webhooks: the events the server reports to an app's backend, and the outbox they wait in. An
 * outbox row is one event for one URL, written in the same commit as the change it reports, and
 * kept until it is delivered (or its retry time is over).
 */
import type { CallRecord, CallType } from '../../protocol/messages.js';

export type WebhookEventType =
  | 'call.ringing'
  | 'call.missed'
  | 'call.ended'
  | 'user.online'
  | 'user.offline'
  | 'queue.served'
  | 'queue.abandoned';

/** Why a call was missed: how an unanswered call ended, or that the callee was not connected. */
export type MissedReason = 'no_answer' | 'rejected' | 'cancelled' | 'lost' | 'callee_offline';

export interface WebhookData {
  'call.ringing': { callID: string; caller: string; callee: string; meetingID: number; createdAt: number; callType: CallType };
  'call.missed': { callID: string; caller: string; callee: string; reason: MissedReason; at: number };
  'call.ended': { call: CallRecord };
  'user.online': { userID: string };
  'user.offline': { userID: string };
  /** An agent accepted a waiting customer (`user`). */
  'queue.served': { queID: number; user: string; agent: string; waitedMs: number };
  /** A customer left the line before an agent accepted them: they cancelled, or went offline past the grace. */
  'queue.abandoned': { queID: number; user: string; reason: 'cancelled' | 'gone' };
}

/** One event, as its JSON body says it (the same for every URL and every attempt). */
export type WebhookEvent = {
  [T in WebhookEventType]: { id: string; type: T; createdAt: number; data: WebhookData[T] };
}[WebhookEventType];

/** An event with the key it is ordered by: events of one key reach a URL in the order they were made. */
export interface KeyedEvent {
  event: WebhookEvent;
  /** `call:<callID>`, `user:<userID>` or `queue:<queID>`. */
  key: string;
}

export type DeliveryStatus = 'pending' | 'sent' | 'failed';

/** What the store keeps of one event for one URL. */
export interface OutboxRow {
  eventID: string;
  url: string;
  key: string;
  type: WebhookEventType;
  body: string;
  createdAt: number;
}

export interface DeliveryUpdate {
  status: DeliveryStatus;
  attempts: number;
  nextAt: number;
  lastStatus: number | null;
  lastError: string | null;
  sentAt: number | null;
}

/** An outbox row as stored, with where its delivery stands. */
export interface StoredDelivery extends OutboxRow, DeliveryUpdate {
  seq: number;
  /** Being sent now by some node (cluster mode: its (url, key) is claimed under a lease). */
  inFlight?: boolean;
}

/**
 * The outbox as the delivery worker (worker.ts) sees it, wherever it is: SQLite on one node
 * (sqlite-outbox.ts), Redis in a cluster (cluster/outbox.ts).
 */
export interface Outbox {
  /** Writes rows on their own (a change with nothing else to store, e.g. a callee offline). */
  append(rows: OutboxRow[]): Promise<void>;
  /** Calls `fn` after each commit that added outbox rows (in a cluster: on any node). */
  onCommit(fn: () => void): void;
  /**
   * Up to `limit` deliveries this worker may send now: the first pending row of each (url, key)
   * whose time has come and that is not in `inFlight` (a cluster claims each for this node, for a
   * lease it renews while the request is out). `nextAt`: when to look again (null: on a commit).
   */
  due(now: number, limit: number, inFlight: ReadonlyMap<number, unknown>): Promise<{ due: StoredDelivery[]; nextAt: number | null }>;
  /** Records an attempt's result; false when this worker no longer held the delivery (its lease lapsed and another node took it). */
  record(d: StoredDelivery, u: DeliveryUpdate): Promise<boolean>;
  /** The most recent rows, newest first. */
  recent(limit: number): Promise<StoredDelivery[]>;
  /** Rows not yet delivered nor given up. */
  depth(): Promise<number>;
  /** Deletes delivered and given-up rows older than `before` (ms). */
  prune(before: number): Promise<number>;
  /** The worker stops (a cluster stops renewing its leases). */
  stop?(): void;
}

/** The outbox table of the SQLite store (sqlite.ts implements it; sqlite-outbox.ts adapts it for the worker). */
export interface OutboxStore {
  /** Writes rows on their own (a change with nothing else to store, e.g. a callee offline). */
  appendOutbox(rows: OutboxRow[]): Promise<void>;
  /** Calls `fn` after each commit that added outbox rows. */
  onOutboxCommit(fn: () => void): void;
  /** The first pending row of each (url, key), oldest first: only these may be sent now. */
  outboxHeads(limit: number): StoredDelivery[];
  updateDelivery(seq: number, u: DeliveryUpdate): Promise<void>;
  /** The most recent rows, newest first. */
  recentDeliveries(limit: number): StoredDelivery[];
  /** Rows not yet delivered nor given up. */
  outboxDepth(): number;
  /** Deletes delivered and given-up rows older than `before` (ms). */
  pruneDeliveries(before: number): Promise<number>;
}

export function isOutboxStore(s: object): s is OutboxStore {
  return typeof (s as Partial<OutboxStore>).appendOutbox === 'function' && typeof (s as Partial<OutboxStore>).outboxHeads === 'function';
}

/** What a service needs of the webhooks to report a change: the rows to write with it, or a write of their own. */
export interface WebhookSink {
  rows(events: readonly KeyedEvent[]): OutboxRow[];
  append(events: readonly KeyedEvent[]): Promise<void>;
}
