/**
 * Logged-in sessions, one per user: a new login replaces (kicks) the older session.
 * Services reach users only through `deliver`, which is the seam a cluster replaces.
 */
import type { ErrorName } from '../protocol/errors.js';
import type { EventName, EventPayload } from '../protocol/messages.js';

export interface Session {
  readonly id: string;
  readonly userID: string;
  readonly nickName: string;
  /** The meeting this session is in, if any. */
  meetingID: number | null;
  /** Whether this session receives `user.status` for every user. */
  statusSubscribed: boolean;
  send<E extends EventName>(ev: E, payload: EventPayload<E>): void;
  /** Tells the client why (`session.closing`) and closes the socket. */
  close(reason: ErrorName): void;
}

/** A log of numbered events per session that every node can read (cluster mode). */
export interface SharedEventLog {
  /** Appends an event to the session's log; it reaches the session through the log. */
  append<E extends EventName>(s: Session, ev: E, payload: EventPayload<E>): void;
  /** Re-reads what the session missed after `seq` (frames lost on the way), oldest first. */
  missed(s: Session, seq: number): Promise<string[] | null>;
  /** The client has every event up to `seq`: the log need not keep them. */
  acknowledged(s: Session, seq: number): void;
}

/** An event kept for a user who is expected back (see `hold`). */
export type HeldEvent = { [E in EventName]: { ev: E; payload: EventPayload<E> } }[EventName];

export class SessionRegistry {
  private readonly byUser = new Map<string, Session>();
  private readonly held = new Map<string, HeldEvent[]>();

  get(userID: string): Session | undefined {
    return this.byUser.get(userID);
  }

  isOnline(userID: string): boolean {
    return this.byUser.has(userID);
  }

  /** Registers `s` as its user's session; returns the session it replaces, if any. */
  add(s: Session): Session | undefined {
    const old = this.byUser.get(s.userID);
    this.byUser.set(s.userID, s);
    return old === s ? undefined : old;
  }

  /** Removes `s` if it is still its user's current session; returns whether it was. */
  remove(s: Session): boolean {
    if (this.byUser.get(s.userID) !== s) return false;
    this.byUser.delete(s.userID);
    return true;
  }

  /**
   * Starts holding events for `userID` while they have no session: a party to a call restored
   * after a restart, whose client is on its way back. Without this, what happens to the call
   * before the client logs in again (the other side answers or hangs up) would be lost.
   */
  hold(userID: string): void {
    if (!this.byUser.has(userID) && !this.held.has(userID)) this.held.set(userID, []);
  }

  /** Stops holding events for `userID` and returns what was held, oldest first. */
  release(userID: string): HeldEvent[] {
    const q = this.held.get(userID) ?? [];
    this.held.delete(userID);
    return q;
  }

  /**
   * Where a session's events are numbered and kept for a resume: null on a single node (in the
   * session, see gateway/session.ts); in a cluster, a log in Redis that any node can replay.
   */
  readonly sharedLog: SharedEventLog | null = null;

  deliver<E extends EventName>(userID: string, ev: E, payload: EventPayload<E>): boolean {
    const s = this.byUser.get(userID);
    if (!s) {
      this.held.get(userID)?.push({ ev, payload } as HeldEvent);
      return false;
    }
    s.send(ev, payload);
    return true;
  }

  get size(): number {
    return this.byUser.size;
  }

  values(): IterableIterator<Session> {
    return this.byUser.values();
  }
}
