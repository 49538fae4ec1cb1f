/**
 * The embedded store: one SQLite file in WAL mode. Writes are queued and committed together
 * once per event-loop turn (group commit); each write's promise resolves after its commit.
 * With `synchronous=NORMAL` a commit survives a process crash (SIGKILL); `durability: 'full'`
 * also survives power loss at the cost of an fsync per group. The WAL is checkpointed by a
 * worker thread (checkpointer.ts), off the event loop.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CheckpointerData } from './checkpointer.js';
import { readCallType, type CallRecord } from '../../protocol/messages.js';
import type { DeliveryUpdate, OutboxRow, OutboxStore, StoredDelivery } from '../webhooks/types.js';
import { DuplicateCallError, type CallQuery, type MeetingRecord, type NewMeeting, type Store } from './types.js';

/**
 * Schema version 1 (`PRAGMA user_version`). Calls are a rowid table in insertion order: a new
 * call and the updates of calls in progress all land on its last pages, so a group commit
 * writes a few pages for them rather than one random page per call (as the version-0 layout,
 * keyed by the random call_id, did). `call_id` stays unique through its own index.
 */
const SCHEMA_VERSION = 1;

const CALLS_TABLE = `
CREATE TABLE calls (
  seq INTEGER PRIMARY KEY,
  call_id TEXT NOT NULL UNIQUE,
  caller TEXT NOT NULL,
  callee TEXT NOT NULL,
  meeting_id INTEGER NOT NULL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  answered_at INTEGER,
  ended_at INTEGER,
  outcome TEXT,
  ended_by TEXT
);`;

const CALLS_INDEXES = `
CREATE INDEX calls_caller ON calls(caller, created_at);
CREATE INDEX calls_callee ON calls(callee, created_at);
CREATE INDEX calls_created ON calls(created_at);
CREATE INDEX calls_open ON calls(state) WHERE state <> 'ended';`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meetings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  pswd TEXT NOT NULL,
  subject TEXT NOT NULL,
  creator TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_active_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meeting_invitees (
  meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  PRIMARY KEY (meeting_id, user_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dnd (user_id TEXT PRIMARY KEY) WITHOUT ROWID;
`;

/** Tables added without a schema version of their own: created when missing, on any version. */
const EXTRA_TABLES = `
CREATE TABLE IF NOT EXISTS token_cutoffs (user_id TEXT PRIMARY KEY, not_before INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS queue_book (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS webhook_outbox (
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  url TEXT NOT NULL,
  key TEXT NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  last_status INTEGER,
  last_error TEXT,
  sent_at INTEGER
);
CREATE INDEX IF NOT EXISTS webhook_outbox_pending ON webhook_outbox(url, key, seq) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_outbox_done ON webhook_outbox(created_at) WHERE status <> 'pending';
`;

/** Columns added without a schema version of their own: added when missing. */
function addColumns(db: Database.Database): void {
  const cols = new Set((db.prepare('PRAGMA table_info(calls)').all() as { name: string }[]).map((c) => c.name));
  // The queue a call served (CallRecord.queue), as JSON.
  if (!cols.has('queue')) db.exec('ALTER TABLE calls ADD COLUMN queue TEXT');
  // Whether the call's media connected (CallRecord.media): 'connected', 'failed' or NULL.
  if (!cols.has('media')) db.exec('ALTER TABLE calls ADD COLUMN media TEXT');
  // What the call started with (CallRecord.callType): 'audio' or 'video'; NULL (older rows) reads as 'video'.
  if (!cols.has('call_type')) db.exec('ALTER TABLE calls ADD COLUMN call_type TEXT');
}

/** Call records deleted per statement when pruning, so that no one commit holds the file long. */
export const PRUNE_BATCH = 5_000;

const CALL_COLUMNS = 'call_id, caller, callee, meeting_id, state, created_at, answered_at, ended_at, outcome, ended_by';

/** Creates the tables, or brings a version-0 database (calls keyed by call_id) to version 1. */
function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version >= SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(SCHEMA);
    const hasCalls = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'calls'").get() !== undefined;
    if (hasCalls) {
      db.exec(`ALTER TABLE calls RENAME TO calls_v0;
        DROP INDEX IF EXISTS calls_caller; DROP INDEX IF EXISTS calls_callee;
        DROP INDEX IF EXISTS calls_created; DROP INDEX IF EXISTS calls_open;`);
    }
    db.exec(CALLS_TABLE);
    if (hasCalls) {
      db.exec(`INSERT INTO calls (${CALL_COLUMNS}) SELECT ${CALL_COLUMNS} FROM calls_v0 ORDER BY created_at, call_id;
        DROP TABLE calls_v0;`);
    }
    db.exec(CALLS_INDEXES);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

interface CallRow {
  call_id: string;
  caller: string;
  callee: string;
  meeting_id: number;
  state: string;
  created_at: number;
  answered_at: number | null;
  ended_at: number | null;
  outcome: string | null;
  ended_by: string | null;
  queue: string | null;
  media: string | null;
  call_type: string | null;
}

function rowToCall(r: CallRow): CallRecord {
  return {
    callID: r.call_id,
    caller: r.caller,
    callee: r.callee,
    meetingID: r.meeting_id,
    state: r.state as CallRecord['state'],
    createdAt: r.created_at,
    answeredAt: r.answered_at,
    endedAt: r.ended_at,
    outcome: r.outcome as CallRecord['outcome'],
    endedBy: r.ended_by,
    callType: readCallType(r.call_type),
    ...(r.queue ? { queue: JSON.parse(r.queue) as NonNullable<CallRecord['queue']> } : {}),
    ...(r.media === 'connected' || r.media === 'failed' ? { media: r.media } : {}),
  };
}

interface DeliveryRow {
  seq: number;
  event_id: string;
  url: string;
  key: string;
  type: string;
  body: string;
  created_at: number;
  status: string;
  attempts: number;
  next_at: number;
  last_status: number | null;
  last_error: string | null;
  sent_at: number | null;
}

function rowToDelivery(r: DeliveryRow): StoredDelivery {
  return {
    seq: r.seq,
    eventID: r.event_id,
    url: r.url,
    key: r.key,
    type: r.type as StoredDelivery['type'],
    body: r.body,
    createdAt: r.created_at,
    status: r.status as StoredDelivery['status'],
    attempts: r.attempts,
    nextAt: r.next_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
    sentAt: r.sent_at,
  };
}

interface Pending {
  run(): unknown;
  resolve(v: unknown): void;
  reject(e: unknown): void;
  /** Set by the flush: what `run` returned or threw. */
  value?: unknown;
  failed?: boolean;
}

export interface SqliteStoreOptions {
  /** 'normal' survives a process crash; 'full' also survives power loss. */
  durability?: 'normal' | 'full';
}

/** How often the checkpointer thread checkpoints the WAL, and the WAL size (frames) at which it rewinds it. */
const CHECKPOINT_EVERY_MS = 200;
const CHECKPOINT_RESTART_FRAMES = 4_000;
/** The WAL file is cut back to this size when it is rewound. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/** SQLite's own auto-checkpoint (in WAL pages), used when the checkpointer thread is not running. */
const AUTO_CHECKPOINT_PAGES = 1000;
/** The checkpointer thread runs one statement a few times a second: a small heap is plenty. */
const CHECKPOINTER_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 };
/** How long close() waits for the checkpointer thread to finish before stopping it. */
const CHECKPOINTER_STOP_MS = 2_000;

export class SqliteStore implements Store, OutboxStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private closed = false;
  private checkpointer: Worker | null = null;
  private readonly stmt;
  private readonly outboxListeners: (() => void)[] = [];
  /** Whether the group being built wrote outbox rows (listeners are told after its commit). */
  private outboxWritten = false;

  constructor(readonly file: string, opts: SqliteStoreOptions = {}) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    migrate(this.db);
    this.db.exec(EXTRA_TABLES);
    addColumns(this.db);
    if (file !== ':memory:') this.startCheckpointer();
    const d = this.db;
    this.stmt = {
      begin: d.prepare('BEGIN'),
      commit: d.prepare('COMMIT'),
      rollback: d.prepare('ROLLBACK'),
      insertMeeting: d.prepare(
        'INSERT INTO meetings (pswd, subject, creator, created_at, last_active_at) VALUES (?, ?, ?, ?, ?)',
      ),
      addInvitee: d.prepare('INSERT OR IGNORE INTO meeting_invitees (meeting_id, user_id) VALUES (?, ?)'),
      touchMeeting: d.prepare('UPDATE meetings SET last_active_at = ? WHERE id = ?'),
      deleteMeeting: d.prepare('DELETE FROM meetings WHERE id = ?'),
      allMeetings: d.prepare('SELECT id, pswd, subject, creator, created_at, last_active_at FROM meetings'),
      allInvitees: d.prepare('SELECT meeting_id, user_id FROM meeting_invitees'),
      // Positional parameters: binding them costs less than named ones, on the hottest statements.
      insertCall: d.prepare(`INSERT INTO calls (${CALL_COLUMNS}, call_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      updateCall: d.prepare(
        'UPDATE calls SET state = ?, answered_at = ?, ended_at = ?, outcome = ?, ended_by = ?, queue = ?, media = ? WHERE call_id = ?',
      ),
      getCall: d.prepare('SELECT * FROM calls WHERE call_id = ?'),
      listAll: d.prepare('SELECT * FROM calls WHERE created_at < ? ORDER BY created_at DESC LIMIT ?'),
      listUser: d.prepare(
        `SELECT * FROM (
           SELECT * FROM calls WHERE caller = @u AND created_at < @before
           UNION ALL
           SELECT * FROM calls WHERE callee = @u AND caller <> @u AND created_at < @before
         ) ORDER BY created_at DESC LIMIT @limit`,
      ),
      openCalls: d.prepare("SELECT * FROM calls WHERE state <> 'ended'"),
      dndOn: d.prepare('INSERT OR IGNORE INTO dnd (user_id) VALUES (?)'),
      dndOff: d.prepare('DELETE FROM dnd WHERE user_id = ?'),
      dndAll: d.prepare('SELECT user_id FROM dnd'),
      removeInvitee: d.prepare('DELETE FROM meeting_invitees WHERE meeting_id = ? AND user_id = ?'),
      pruneCalls: d.prepare(
        `DELETE FROM calls WHERE seq IN (SELECT seq FROM calls WHERE created_at < ? AND state = 'ended' LIMIT ${PRUNE_BATCH})`,
      ),
      setCutoff: d.prepare(
        'INSERT INTO token_cutoffs (user_id, not_before) VALUES (?, ?) ON CONFLICT(user_id) DO UPDATE SET not_before = max(not_before, excluded.not_before)',
      ),
      allCutoffs: d.prepare('SELECT user_id, not_before FROM token_cutoffs'),
      queuePut: d.prepare('INSERT INTO queue_book (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v'),
      queueDel: d.prepare('DELETE FROM queue_book WHERE k = ?'),
      queueAll: d.prepare('SELECT k, v FROM queue_book'),
      outboxInsert: d.prepare('INSERT INTO webhook_outbox (event_id, url, key, type, body, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      // The first pending row of each (url, key): a later event of a call waits for the earlier one.
      outboxHeads: d.prepare(
        `SELECT * FROM webhook_outbox o WHERE o.status = 'pending' AND NOT EXISTS (
           SELECT 1 FROM webhook_outbox p WHERE p.status = 'pending' AND p.url = o.url AND p.key = o.key AND p.seq < o.seq
         ) ORDER BY o.seq LIMIT ?`,
      ),
      outboxUpdate: d.prepare('UPDATE webhook_outbox SET status = ?, attempts = ?, next_at = ?, last_status = ?, last_error = ?, sent_at = ? WHERE seq = ?'),
      outboxRecent: d.prepare('SELECT * FROM webhook_outbox ORDER BY seq DESC LIMIT ?'),
      outboxDepth: d.prepare("SELECT count(*) AS n FROM webhook_outbox WHERE status = 'pending'"),
      outboxPrune: d.prepare(
        `DELETE FROM webhook_outbox WHERE seq IN (SELECT seq FROM webhook_outbox WHERE status <> 'pending' AND created_at < ? LIMIT ${PRUNE_BATCH})`,
      ),
    };
  }

  /**
   * Moves WAL checkpoints to a worker thread. Should the thread fail (it cannot open the file,
   * say), SQLite goes back to checkpointing on this connection: slower, never unsafe.
   */
  private startCheckpointer(): void {
    const data: CheckpointerData = { file: this.file, everyMs: CHECKPOINT_EVERY_MS, restartFrames: CHECKPOINT_RESTART_FRAMES };
    const worker = new Worker(new URL('./checkpointer.js', import.meta.url), { workerData: data, resourceLimits: CHECKPOINTER_LIMITS });
    worker.unref();
    const fallBack = () => {
      if (this.checkpointer !== worker) return;
      this.checkpointer = null;
      if (!this.closed) this.db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
    };
    worker.on('error', fallBack);
    worker.on('exit', fallBack);
    this.db.pragma('wal_autocheckpoint = 0');
    this.checkpointer = worker;
  }

  private async stopCheckpointer(): Promise<void> {
    const worker = this.checkpointer;
    if (!worker) return;
    this.checkpointer = null;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const timer = setTimeout(() => void worker.terminate(), CHECKPOINTER_STOP_MS);
    worker.postMessage('stop');
    await exited;
    clearTimeout(timer);
  }

  /** Queues a write for the next group commit. */
  private write<T>(run: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Commits the queued writes in one transaction. Every write is a single statement, so a
   * failing one (a duplicate key) is undone by SQLite on its own (statement rollback) and the
   * others in the group stand; no savepoint per write is needed. Should an error end the
   * transaction itself (disk full, I/O error), nothing of the group is acknowledged.
   */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const { begin, commit, rollback } = this.stmt;
    this.outboxWritten = false;
    try {
      begin.run();
      for (const p of batch) {
        try {
          p.value = p.run();
          p.failed = false;
        } catch (err) {
          p.value = err;
          p.failed = true;
          if (!this.db.inTransaction) throw err;
        }
      }
      commit.run();
    } catch (err) {
      if (this.db.inTransaction) rollback.run();
      for (const p of batch) p.reject(err);
      return;
    }
    for (const p of batch) {
      if (p.failed) p.reject(p.value);
      else p.resolve(p.value);
    }
    if (this.outboxWritten) for (const fn of this.outboxListeners) fn();
  }

  /** Inserts outbox rows, inside the write that makes the change they report. */
  private putOutbox(rows: OutboxRow[] | undefined): void {
    if (!rows || rows.length === 0) return;
    for (const r of rows) this.stmt.outboxInsert.run(r.eventID, r.url, r.key, r.type, r.body, r.createdAt, r.createdAt);
    this.outboxWritten = true;
  }

  createMeeting(m: NewMeeting): Promise<MeetingRecord> {
    return this.write(() => {
      const info = this.stmt.insertMeeting.run(m.pswd, m.subject, m.creator, m.createdAt, m.createdAt);
      return { ...m, id: Number(info.lastInsertRowid), lastActiveAt: m.createdAt, invitees: [] };
    });
  }

  addInvitee(meetingID: number, userID: string): Promise<void> {
    return this.write(() => void this.stmt.addInvitee.run(meetingID, userID));
  }

  touchMeeting(meetingID: number, at: number): Promise<void> {
    return this.write(() => void this.stmt.touchMeeting.run(at, meetingID));
  }

  deleteMeeting(meetingID: number): Promise<void> {
    return this.write(() => void this.stmt.deleteMeeting.run(meetingID));
  }

  async loadMeetings(): Promise<MeetingRecord[]> {
    const rows = this.stmt.allMeetings.all() as {
      id: number;
      pswd: string;
      subject: string;
      creator: string;
      created_at: number;
      last_active_at: number;
    }[];
    const byID = new Map<number, MeetingRecord>();
    for (const r of rows) {
      byID.set(r.id, {
        id: r.id,
        pswd: r.pswd,
        subject: r.subject,
        creator: r.creator,
        createdAt: r.created_at,
        lastActiveAt: r.last_active_at,
        invitees: [],
      });
    }
    for (const r of this.stmt.allInvitees.all() as { meeting_id: number; user_id: string }[]) {
      byID.get(r.meeting_id)?.invitees.push(r.user_id);
    }
    return [...byID.values()];
  }

  insertCall(c: CallRecord, outbox?: OutboxRow[]): Promise<void> {
    return this.write(() => {
      try {
        this.stmt.insertCall.run(c.callID, c.caller, c.callee, c.meetingID, c.state, c.createdAt, c.answeredAt, c.endedAt, c.outcome, c.endedBy, c.callType);
      } catch (err) {
        if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new DuplicateCallError(c.callID);
        throw err;
      }
      // After the call: a duplicate call writes no event (its statement failed first).
      this.putOutbox(outbox);
    });
  }

  updateCall(c: CallRecord, outbox?: OutboxRow[]): Promise<void> {
    return this.write(() => {
      this.stmt.updateCall.run(c.state, c.answeredAt, c.endedAt, c.outcome, c.endedBy, c.queue ? JSON.stringify(c.queue) : null, c.media ?? null, c.callID);
      this.putOutbox(outbox);
    });
  }

  // ---- the webhook outbox (webhooks/types.ts) ----
  appendOutbox(rows: OutboxRow[]): Promise<void> {
    return this.write(() => this.putOutbox(rows));
  }

  onOutboxCommit(fn: () => void): void {
    this.outboxListeners.push(fn);
  }

  outboxHeads(limit: number): StoredDelivery[] {
    return (this.stmt.outboxHeads.all(limit) as DeliveryRow[]).map(rowToDelivery);
  }

  updateDelivery(seq: number, u: DeliveryUpdate): Promise<void> {
    return this.write(() => void this.stmt.outboxUpdate.run(u.status, u.attempts, u.nextAt, u.lastStatus, u.lastError, u.sentAt, seq));
  }

  recentDeliveries(limit: number): StoredDelivery[] {
    return (this.stmt.outboxRecent.all(limit) as DeliveryRow[]).map(rowToDelivery);
  }

  outboxDepth(): number {
    return (this.stmt.outboxDepth.get() as { n: number }).n;
  }

  async pruneDeliveries(before: number): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.write(() => this.stmt.outboxPrune.run(before).changes);
      total += n;
      if (n < PRUNE_BATCH) return total;
    }
  }

  async getCall(callID: string): Promise<CallRecord | undefined> {
    const r = this.stmt.getCall.get(callID) as CallRow | undefined;
    return r && rowToCall(r);
  }

  async listCalls(q: CallQuery): Promise<CallRecord[]> {
    const before = q.before ?? Number.MAX_SAFE_INTEGER;
    const rows = (
      q.userID === undefined
        ? this.stmt.listAll.all(before, q.limit)
        : this.stmt.listUser.all({ u: q.userID, before, limit: q.limit })
    ) as CallRow[];
    return rows.map(rowToCall);
  }

  async listOpenCalls(): Promise<CallRecord[]> {
    return (this.stmt.openCalls.all() as CallRow[]).map(rowToCall);
  }

  setDnd(userID: string, dnd: boolean): Promise<void> {
    return this.write(() => void (dnd ? this.stmt.dndOn : this.stmt.dndOff).run(userID));
  }

  async loadDnd(): Promise<string[]> {
    return (this.stmt.dndAll.all() as { user_id: string }[]).map((r) => r.user_id);
  }

  /** Writes the queue book's changed entries (a null value deletes the entry), in one statement group. */
  saveQueueBook(changes: [string, string | null][], outbox?: OutboxRow[]): Promise<void> {
    return this.write(() => {
      for (const [k, v] of changes) {
        if (v === null) this.stmt.queueDel.run(k);
        else this.stmt.queuePut.run(k, v);
      }
      this.putOutbox(outbox);
    });
  }

  async loadQueueBook(): Promise<[string, string][]> {
    return (this.stmt.queueAll.all() as { k: string; v: string }[]).map((r) => [r.k, r.v]);
  }

  removeInvitee(meetingID: number, userID: string): Promise<void> {
    return this.write(() => void this.stmt.removeInvitee.run(meetingID, userID));
  }

  /** Deletes ended calls created before `before`, a batch per group commit; resolves with the count. */
  async pruneCalls(before: number): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.write(() => this.stmt.pruneCalls.run(before).changes);
      total += n;
      if (n < PRUNE_BATCH) return total;
    }
  }

  setTokensNotBefore(userID: string, notBefore: number): Promise<void> {
    return this.write(() => void this.stmt.setCutoff.run(userID, notBefore));
  }

  async loadTokensNotBefore(): Promise<[string, number][]> {
    return (this.stmt.allCutoffs.all() as { user_id: string; not_before: number }[]).map((r) => [r.user_id, r.not_before]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    await this.stopCheckpointer();
    this.db.close();
  }
}
