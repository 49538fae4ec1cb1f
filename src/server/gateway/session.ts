/**
 * A logged-in session, which outlives its connection: when the socket drops, the session waits
 * `resumeGraceMs` for the client to come back (`login` with `resume`), keeping its calls and
 * meeting; events sent meanwhile are buffered and replayed in order on resume. Events are
 * numbered per session (`seq`); the client acknowledges with `ping {ack}` so the buffer stays small.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCodes, ErrorMessages, type ErrorName } from '../../protocol/errors.js';
import type { EventName, EventPayload } from '../../protocol/messages.js';
import { setLongTimeout, type TimerHandle } from '../clock.js';
import type { Core } from '../core.js';
import type { Session } from '../sessions.js';

/** Unacknowledged events kept per session; a client further behind cannot resume. */
export const RESUME_BUFFER = 512;
/** How long before token expiry the client is warned. */
const TOKEN_WARNING_MS = 60_000;
/** Bytes a socket may have waiting to go out before `user.status` events are coalesced. */
const STATUS_BACKLOG_BYTES = 64 * 1024;
/** How often coalesced statuses are retried while the socket is backed up. */
const STATUS_FLUSH_MS = 100;

/** What a session needs of its connection. */
export interface Attachment {
  sendText(text: string): void;
  /** Closes the socket with 4000 + code after the session.closing event. */
  closeSocket(reason: ErrorName): void;
  /** Forgets the session without closing the socket (it has moved to another connection). */
  detachSession(): void;
  /** Bytes written to the socket and not yet sent. */
  readonly bufferedAmount: number;
}

export class LiveSession implements Session {
  meetingID: number | null = null;
  statusSubscribed = false;
  ended = false;
  /** Reading missed frames from the shared log (cluster mode); and whether to read once more after. */
  private repairing = false;
  private repairAgain = false;
  /** Cluster mode: the last seq the client acknowledged (its log was trimmed up to it). */
  private acked = 0;
  private buffer: { seq: number; frame: string }[] = [];
  /** UTF-16 length of the frames in `buffer` (about their bytes for the JSON we send). */
  private bufferChars = 0;
  /** The latest `user.status` per user, held while the client is not keeping up. */
  private pendingStatus = new Map<string, EventPayload<'user.status'>>();
  private statusTimer: TimerHandle | null = null;
  private graceTimer: TimerHandle | null = null;
  private expiryTimers: TimerHandle[] = [];

  constructor(
    private readonly core: Core,
    private conn: Attachment | null,
    readonly userID: string,
    readonly nickName: string,
    readonly id: string = randomUUID(),
    /** The last event numbered (single node) or delivered (cluster) for this session. */
    public seq = 0,
  ) {}

  get attached(): boolean {
    return this.conn !== null;
  }

  send<E extends EventName>(ev: E, payload: EventPayload<E>): void {
    if (this.ended) return;
    if (ev === 'user.status') return this.sendStatus(payload as EventPayload<'user.status'>);
    this.emit(ev, payload);
  }

  /**
   * Numbers and sends one event. A payload that cannot be encoded throws before any seq is used.
   * In cluster mode the event is numbered in the session's log in Redis and comes back through
   * `deliverShared`.
   */
  private emit<E extends EventName>(ev: E, payload: EventPayload<E>): void {
    const shared = this.core.sessions.sharedLog;
    if (shared) {
      if (ev !== 'session.closing') return shared.append(this, ev, payload);
      // The last word of a closing socket goes straight out, unnumbered: it is never replayed,
      // and the session's numbers stay the log's (a cluster session may be resumed after it).
      this.conn?.sendText(JSON.stringify({ ev, ...payload }));
      return;
    }
    const seq = this.seq + 1;
    const frame = JSON.stringify({ ev, seq, ...payload });
    this.seq = seq;
    this.buffer.push({ seq, frame });
    this.bufferChars += frame.length;
    // Unacknowledged events are kept up to a count and a size; a client further behind cannot resume.
    const maxChars = this.core.limits.maxQueuedBytes;
    while (this.buffer.length > RESUME_BUFFER || (this.bufferChars > maxChars && this.buffer.length > 1)) {
      this.bufferChars -= this.buffer.shift()!.frame.length;
    }
    this.conn?.sendText(frame);
  }

  /**
   * A numbered frame from the shared log (cluster mode), in the log's order. A frame past a gap
   * (lost on the channel while Redis was away) makes the session read the gap from the log first.
   */
  deliverShared(seq: number, frame: string): void {
    if (this.ended || seq <= this.seq) return;
    if (seq > this.seq + 1 || this.repairing) return void this.repair();
    this.seq = seq;
    this.conn?.sendText(frame);
  }

  /** Reads what this session missed from the shared log and sends it, in order. */
  async repair(): Promise<void> {
    const shared = this.core.sessions.sharedLog;
    if (!shared || this.ended) return;
    if (this.repairing) {
      // A frame came while reading: it may be newer than what the read returns.
      this.repairAgain = true;
      return;
    }
    this.repairing = true;
    try {
      const frames = await shared.missed(this, this.seq);
      if (frames === null) {
        this.core.log.warn({ user: this.userID }, 'events of this session are no longer kept: ending it');
        this.repairing = false;
        return this.close('CONNECTION_ERROR');
      }
      for (const f of frames) {
        const seq = Number(/"seq":(\d+)/.exec(f)?.[1]);
        if (seq > this.seq) {
          this.seq = seq;
          this.conn?.sendText(f);
        }
      }
    } catch (err) {
      this.core.log.warn({ err, user: this.userID }, 'could not read the missed events; retrying on the next one');
    } finally {
      this.repairing = false;
    }
    if (this.repairAgain) {
      this.repairAgain = false;
      await this.repair();
    }
  }

  /**
   * Moves the session onto a new connection and sends it `frames`: what it missed, from the shared
   * log, up to `seq` where the resume took the session over. Frames numbered after that may have
   * reached this node before the session was attached here: they are read again from the log.
   */
  attachShared(conn: Attachment, frames: string[], seq: number): void {
    this.graceTimer?.cancel();
    this.graceTimer = null;
    if (this.conn && this.conn !== conn) this.conn.detachSession();
    this.conn = conn;
    for (const f of frames) conn.sendText(f);
    this.seq = seq;
    void this.repair();
  }

  /** The session was resumed on another node: let go of it here without ending it. */
  handOver(): void {
    const conn = this.conn;
    this.dispose();
    conn?.closeSocket('CONNECTION_ERROR');
  }

  /**
   * `user.status` goes out at once to a client that keeps up. For one that does not (its socket
   * backed up, or its connection gone while held for a resume) only the latest status per user
   * is kept, and sent when it catches up: a user toggling DND a thousand times costs a slow
   * subscriber one event, not a thousand.
   */
  private sendStatus(st: EventPayload<'user.status'>): void {
    if (!this.core.visibility.canSee(this.userID, st.userID)) return;
    const conn = this.conn;
    if (this.pendingStatus.size === 0 && conn && conn.bufferedAmount < STATUS_BACKLOG_BYTES) return this.emit('user.status', st);
    this.pendingStatus.delete(st.userID);
    this.pendingStatus.set(st.userID, st);
    this.scheduleStatusFlush();
  }

  private scheduleStatusFlush(): void {
    if (this.statusTimer || this.ended) return;
    this.statusTimer = this.core.clock.setTimeout(() => {
      this.statusTimer = null;
      this.flushStatus();
    }, STATUS_FLUSH_MS);
  }

  private flushStatus(): void {
    const conn = this.conn;
    if (this.ended || !conn) return;
    if (conn.bufferedAmount >= STATUS_BACKLOG_BYTES) return this.scheduleStatusFlush();
    const pending = [...this.pendingStatus.values()];
    this.pendingStatus.clear();
    for (const st of pending) this.emit('user.status', st);
  }

  /** The client has every event up to `seq`. */
  ack(seq: number): void {
    const shared = this.core.sessions.sharedLog;
    // Cluster: the log in Redis keeps what is not acknowledged yet (the acknowledged part goes).
    if (shared) {
      if (seq > this.acked && seq <= this.seq) {
        this.acked = seq;
        shared.acknowledged(this, seq);
      }
      return;
    }
    let n = 0;
    while (n < this.buffer.length && this.buffer[n]!.seq <= seq) this.bufferChars -= this.buffer[n++]!.frame.length;
    if (n > 0) this.buffer.splice(0, n);
  }

  /** Whether every event after `lastSeq` is still buffered. */
  canResumeFrom(lastSeq: number): boolean {
    if (lastSeq > this.seq) return false;
    if (lastSeq === this.seq) return true;
    const first = this.buffer[0];
    return first !== undefined && first.seq <= lastSeq + 1;
  }

  /** Moves the session onto a new connection and replays what it missed after `lastSeq`. */
  attach(conn: Attachment, lastSeq: number): void {
    this.graceTimer?.cancel();
    this.graceTimer = null;
    if (this.conn && this.conn !== conn) this.conn.detachSession();
    this.conn = conn;
    this.ack(lastSeq);
    for (const f of this.buffer) conn.sendText(f.frame);
    if (this.pendingStatus.size > 0) this.scheduleStatusFlush();
  }

  /** The connection dropped: wait for a resume, then end. */
  detach(): void {
    this.conn = null;
    const grace = this.core.limits.resumeGraceMs;
    if (grace <= 0) return endSession(this.core, this, 'gone');
    this.core.log.info({ user: this.userID, graceMs: grace }, 'connection lost: holding the session for a resume');
    this.graceTimer = this.core.clock.setTimeout(() => {
      this.graceTimer = null;
      this.core.log.info({ user: this.userID }, 'resume grace over: the user is gone');
      endSession(this.core, this, 'gone');
    }, grace);
  }

  armExpiry(expiresAt: number | null): void {
    for (const t of this.expiryTimers) t.cancel();
    this.expiryTimers = [];
    if (expiresAt === null) return;
    const { clock } = this.core;
    const left = expiresAt - clock.now();
    this.expiryTimers.push(setLongTimeout(clock, () => this.close('TOKEN_EXPIRED'), Math.max(0, left)));
    if (left > TOKEN_WARNING_MS) {
      this.expiryTimers.push(setLongTimeout(clock, () => this.send('session.tokenExpiring', { expiresAt }), left - TOKEN_WARNING_MS));
    }
  }

  /** Ends the session for `reason`, telling the client if it is connected. */
  close(reason: ErrorName): void {
    if (this.ended) return;
    this.send('session.closing', { code: ErrorCodes[reason], name: reason, message: ErrorMessages[reason] });
    const conn = this.conn;
    endSession(this.core, this, reason === 'KICKED' ? 'kicked' : 'closed');
    conn?.closeSocket(reason);
  }

  /** Timers and connection released; called once by endSession. */
  dispose(): void {
    this.ended = true;
    this.graceTimer?.cancel();
    this.graceTimer = null;
    for (const t of this.expiryTimers) t.cancel();
    this.expiryTimers = [];
    this.statusTimer?.cancel();
    this.statusTimer = null;
    this.pendingStatus.clear();
    const conn = this.conn;
    this.conn = null;
    conn?.detachSession();
    this.buffer = [];
    this.bufferChars = 0;
  }
}

/**
 * Ends a session: leaves its meeting, ends the call it carried (the other party is told by the
 * contract), updates presence. Runs once per session.
 */
export function endSession(core: Core, s: LiveSession, why: 'logout' | 'gone' | 'kicked' | 'closed'): void {
  if (s.ended) return;
  s.dispose();
  core.presence.unsubscribe(s);
  // Unregister first: leaving the meeting refreshes presence, which must already see the
  // user offline (else subscribers see a brief "idle" before "offline").
  const wasCurrent = core.sessions.remove(s);
  core.meetings.leave(s, 'gone');
  core.metrics.sessions.set(core.sessions.size);
  if (why !== 'gone') core.log.info({ user: s.userID, why }, 'session ended');
  // A kicked session's user is online elsewhere, but the call this session carried ends.
  void core.calls.userGone(s.userID).finally(() => core.presence.refresh(s.userID));
  // Out of the queues, unless the user is online elsewhere (the rulebook checks).
  core.queues.gone(s.userID);
  if (wasCurrent) core.presence.refresh(s.userID);
}
