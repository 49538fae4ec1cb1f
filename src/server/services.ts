/**
 * The services as the gateway (handlers, connection, session) sees them. A single node uses the
 * in-memory classes (calls/calls.ts, meetings/meetings.ts, presence/presence.ts); a cluster uses
 * the Redis-backed ones in cluster/. Methods that a cluster must answer from Redis may return a
 * promise; callers await them.
 */
import type { CallMedia, CallRecord, SessionCall, DataKind, MeetInfo, Member, MemberMedia, SignalKind, SignalPayload, UserStatus } from '../protocol/messages.js';
import type { InviteArgs } from './calls/calls.js';
import type { Session } from './sessions.js';

/** Call-centre queues: one engine, two storages (queues/engine.ts). */
export type { QueueEngine as QueueService } from './queues/engine.js';

export interface CallService {
  invite(caller: Session, a: InviteArgs): Promise<{ callID: string; meeting: MeetInfo }>;
  accept(s: Session, callID: string, usrExtDat?: string): Promise<{ callID: string; meeting: MeetInfo }>;
  reject(s: Session, callID: string, usrExtDat?: string): Promise<{ callID: string }>;
  hangup(s: Session, callID: string, usrExtDat?: string): Promise<{ callID: string }>;
  /** A party reports whether the call's media connected (rules/call-media.ts); CALL_NOT_FOUND unless active and theirs. */
  media(s: Session, callID: string, report: CallMedia): Promise<{ callID: string; media: CallMedia }>;
  /** A session of `userID` ended (logout, kick, lost past the grace): its call ends by the contract. */
  userGone(userID: string): Promise<void>;
  /**
   * A new session of `s.userID` is logged in: hands over what it must know. A client that came
   * back to resume gets what happened to its call while it was away; a fresh client whose user is
   * party to a call restored after a restart never knew that call, so the call ends as lost.
   */
  loggedIn(s: Session, resuming: boolean): void;
  /** The user's open call as `session.info` tells it, or null. */
  sessionInfo(userID: string): Promise<SessionCall | null>;
  /** Whether the user is in a ringing or active call. */
  isInCall(userID: string): boolean | Promise<boolean>;
  listFor(userID: string, limit: number, before?: number): Promise<CallRecord[]>;
  readonly openCount: number;
}

export interface MeetingService {
  create(creator: string, subject: string | undefined, pswd: string | undefined): Promise<MeetInfo>;
  /** How many meetings `creator` has now (for --max-meetings-per-user), whichever node made them. */
  countBy(creator: string): number | Promise<number>;
  /** Throws MEETING_NOT_FOUND / WRONG_PASSWORD unless `userID` may use meeting `id`. */
  authorize(id: number, userID: string, pswd: string | undefined): unknown;
  info(id: number): MeetInfo | undefined | Promise<MeetInfo | undefined>;
  enter(s: Session, id: number, pswd: string | undefined): Promise<{ meeting: MeetInfo; members: Member[] }>;
  exit(s: Session, id?: number): number | Promise<number>;
  leave(s: Session, why: 'left' | 'gone'): void;
  destroy(s: Session, id: number): Promise<void>;
  signal(s: Session, id: number, to: string, kind: SignalKind, payload: SignalPayload): void | Promise<void>;
  message(s: Session, id: number, text: string): number | Promise<number>;
  /**
   * Relays `data` from member `s` as `meeting.data`: to member `to`, or (undefined) to every other
   * member; returns its time. NOT_IN_MEETING if `s` is not in meeting `id`, or `to` is not another member.
   */
  data(s: Session, id: number, to: string | undefined, kind: DataKind, data: string): number | Promise<number>;
  /** Relays the member's media state to the other members (`meeting.media`); NOT_IN_MEETING otherwise. */
  media(s: Session, id: number, media: MemberMedia): void | Promise<void>;
}

export interface PresenceService {
  hasDnd(userID: string): boolean;
  setDnd(userID: string, on: boolean): Promise<void>;
  statusOf(userID: string): UserStatus | Promise<UserStatus>;
  onlineStatuses(): UserStatus[] | Promise<UserStatus[]>;
  subscribe(s: Session): void;
  unsubscribe(s: Session): void;
  refresh(userID: string): void;
}
