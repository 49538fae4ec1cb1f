/**
 * What the server keeps durably. The embedded default is SQLite (sqlite.ts); a cluster uses
 * Redis. Every write resolves only once it is durable, so the server acknowledges nothing it
 * could lose.
 */
import { readCallType, type CallRecord } from '../../protocol/messages.js';
import type { OutboxRow } from '../webhooks/types.js';

export interface MeetingRecord {
  id: number;
  pswd: string;
  subject: string;
  creator: string;
  createdAt: number;
  lastActiveAt: number;
  /** Users who were called into the meeting and so may enter without its password. */
  invitees: string[];
}

export interface NewMeeting {
  pswd: string;
  subject: string;
  creator: string;
  createdAt: number;
}

export interface CallQuery {
  userID?: string;
  limit: number;
  /** Only calls created strictly before this time (ms), for paging. */
  before?: number;
}

export interface Store {
  readonly kind: string;
  /** Allocates the next meeting ID (never reused) and stores the meeting. */
  createMeeting(m: NewMeeting): Promise<MeetingRecord>;
  addInvitee(meetingID: number, userID: string): Promise<void>;
  touchMeeting(meetingID: number, at: number): Promise<void>;
  deleteMeeting(meetingID: number): Promise<void>;
  /** All live meetings, loaded once at start. */
  loadMeetings(): Promise<MeetingRecord[]>;

  /**
   * Inserts a new call record; rejects with `DuplicateCallError` if the callID is taken. `outbox`:
   * webhook deliveries written in the same commit (a store without an outbox ignores them).
   */
  insertCall(c: CallRecord, outbox?: OutboxRow[]): Promise<void>;
  updateCall(c: CallRecord, outbox?: OutboxRow[]): Promise<void>;
  getCall(callID: string): Promise<CallRecord | undefined>;
  listCalls(q: CallQuery): Promise<CallRecord[]>;
  /** Calls not yet ended (ringing or active), e.g. left by a crash. */
  listOpenCalls(): Promise<CallRecord[]>;

  setDnd(userID: string, dnd: boolean): Promise<void>;
  loadDnd(): Promise<string[]>;

  /** Forgets that `userID` was called into the meeting (the call was rejected or not answered). */
  removeInvitee?(meetingID: number, userID: string): Promise<void>;
  /** Deletes ended call records created before `before` (ms); resolves with how many. */
  pruneCalls?(before: number): Promise<number>;
  /** Tokens of `userID` issued before `notBefore` (s) are refused, also after a restart. */
  setTokensNotBefore?(userID: string, notBefore: number): Promise<void>;
  loadTokensNotBefore?(): Promise<[string, number][]>;

  /** The queue book's entries (rules/queue-book.ts), loaded once at start (one node; a cluster keeps them in Redis). */
  loadQueueBook?(): Promise<[string, string][]>;
  /** Writes changed queue-book entries (null deletes), all or none. */
  saveQueueBook?(changes: [string, string | null][], outbox?: OutboxRow[]): Promise<void>;

  close(): Promise<void>;
}

export class DuplicateCallError extends Error {
  constructor(callID: string) {
    super(`call ${callID} already exists`);
    this.name = 'DuplicateCallError';
  }
}

/**
 * A call record from its stored JSON (the cluster's `cr:call:<id>` hash). A record written before
 * calls had a type reads back as a video call.
 */
export function storedCall(json: string): CallRecord {
  const rec = JSON.parse(json) as CallRecord;
  return { ...rec, callType: readCallType(rec.callType) };
}
