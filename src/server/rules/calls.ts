/**
 * The call rulebook: what the contract decides, written once and run by both modes (one node,
 * calls/calls.ts; a cluster, cluster/calls.ts). Storage (memory + SQLite, or Redis) only reads the
 * facts these functions take and commits what they return.
 *
 * - `checkInvite`: the invite checks, in the contract's order (docs/protocol.md, "Call contract"),
 *   adding a person to the current call included (`mayAddToCall`, `MAX_CALL_PARTIES`).
 * - `eventForRequest`: which transition of the machine (machine.ts) a party's request is.
 * - `NOTICES`: the table of what each transition tells whom (event, code, reason).
 * - `noticesFor`: that table applied to one transition of one call.
 */
import type { ErrorName } from '../../protocol/errors.js';
import type { CallRecord, EventName, EventPayload, MeetInfo, Member, SessionCall } from '../../protocol/messages.js';
import type { CallEvent } from './machine.js';

/** What storage reads for an invite, before anything is reserved. */
export interface InviteFacts {
  callerID: string;
  calleeID: string;
  /** A call with this callID exists (open or ended). */
  callIDTaken: boolean;
  /** Result of `meetingAccess` for the caller (null: allowed). */
  meetingAccess: ErrorName | null;
  /** The meeting the invite is into. */
  meetingID: number;
  /** The caller's open calls (ringing or active): their states and meetings. */
  callerCalls: readonly OpenCallFact[];
  /** The parties (caller and callee) of every open call in the meeting, repeats allowed. */
  meetingParties: readonly string[];
  calleeOnline: boolean;
  /** A callee who is not connected may be waited for (`--offline-ring` > 0). */
  offlineRing?: boolean;
  calleeDnd: boolean;
  calleeInCall: boolean;
}

/** One open call of the caller, as the invite check sees it. */
export interface OpenCallFact {
  state: CallRecord['state'];
  meetingID: number;
}

/** The most people in one call: the parties of the open calls in its meeting (docs/protocol.md). */
export const MAX_CALL_PARTIES = 4;

export interface RuleError {
  name: ErrorName;
  message?: string;
}

/**
 * The invite checks in the contract's order; null when the call may ring. A caller who may not
 * use the meeting gets MEETING_NOT_FOUND (800) whatever the reason, a wrong password included:
 * the contract's row "meeting does not exist, or caller may not use it", in both modes.
 */
export function checkInvite(f: InviteFacts): RuleError | null {
  if (f.calleeID === f.callerID) return { name: 'BAD_ARGUMENT', message: 'you cannot call yourself' };
  if (f.callIDTaken) return { name: 'BAD_ARGUMENT', message: 'this callID is already in use' };
  if (f.meetingAccess !== null) return { name: 'MEETING_NOT_FOUND' };
  if (!mayAddToCall(f.callerCalls, f.meetingID)) return { name: 'ALREADY_IN_CALL' };
  if (new Set([...f.meetingParties, f.callerID, f.calleeID]).size > MAX_CALL_PARTIES) {
    return { name: 'LIMIT_REACHED', message: `a call has at most ${MAX_CALL_PARTIES} people, and this one is full` };
  }
  if (!f.calleeOnline && f.offlineRing !== true) return { name: 'PEER_OFFLINE' };
  if (f.calleeDnd || f.calleeInCall) return { name: 'PEER_BUSY' };
  return null;
}

/**
 * Whether a caller with these open calls may place a call into `meetingID`: with none, or when
 * every one of them is active and in that meeting (adding a person to the current call). A caller
 * with a call still ringing, or in a call in another meeting, is already in a call (601).
 */
export function mayAddToCall(callerCalls: readonly OpenCallFact[], meetingID: number): boolean {
  return callerCalls.every((c) => c.state === 'active' && c.meetingID === meetingID);
}

/** The call `session.info` reports of a user in several (a call with people added): the oldest. */
export function oldestCall<T extends { record: Pick<CallRecord, 'createdAt'> }>(calls: Iterable<T>): T | null {
  let best: T | null = null;
  for (const c of calls) if (best === null || c.record.createdAt < best.record.createdAt) best = c;
  return best;
}

export type CallRequest = 'accept' | 'reject' | 'hangup';

/**
 * The transition a party's request asks for, or null when the call is not theirs to act on
 * (CALL_NOT_FOUND). Only the callee accepts or rejects; hanging up while ringing is a cancel from
 * the caller and a reject from the callee.
 */
export function eventForRequest(rec: CallRecord, actor: string, op: CallRequest): CallEvent | null {
  const isCaller = rec.caller === actor;
  const isCallee = rec.callee === actor;
  if (op === 'accept' || op === 'reject') return isCallee ? op : null;
  if (!isCaller && !isCallee) return null;
  if (rec.state === 'ringing') return isCallee ? 'reject' : 'cancel';
  return 'hangup';
}

/** Who a notice goes to: a fixed party, or the party other than the one who caused the transition. */
type Recipient = 'caller' | 'callee' | 'other';

type NoticeRule =
  | { to: Recipient; ev: 'call.accepted' }
  | { to: Recipient; ev: 'call.rejected'; code: number; carriesUsrExtDat: boolean }
  | { to: Recipient; ev: 'call.hungup'; reason: EventPayload<'call.hungup'>['reason']; carriesUsrExtDat: boolean };

/**
 * The table of endings (and of the one non-ending transition, accept): for each transition, and
 * for `lost` by the state it left and who was lost, what each party is told.
 */
export const NOTICES = {
  accept: [{ to: 'caller', ev: 'call.accepted' }],
  reject: [{ to: 'caller', ev: 'call.rejected', code: 606, carriesUsrExtDat: true }],
  cancel: [{ to: 'callee', ev: 'call.hungup', reason: 'cancelled', carriesUsrExtDat: true }],
  hangup: [{ to: 'other', ev: 'call.hungup', reason: 'hangup', carriesUsrExtDat: true }],
  timeout: [
    { to: 'caller', ev: 'call.rejected', code: 604, carriesUsrExtDat: false },
    { to: 'callee', ev: 'call.hungup', reason: 'no_answer', carriesUsrExtDat: false },
  ],
  /** The callee was lost while it rang: to the caller the callee is offline (603). */
  lostCalleeRinging: [{ to: 'caller', ev: 'call.rejected', code: 603, carriesUsrExtDat: false }],
  lost: [{ to: 'other', ev: 'call.hungup', reason: 'lost', carriesUsrExtDat: false }],
} as const satisfies Record<string, readonly NoticeRule[]>;

/** One event for one user. */
export type Notice = { [E in EventName]: { userID: string; ev: E; payload: EventPayload<E> } }[EventName];

export interface NoticeContext {
  /** The data the acting party sent along. */
  usrExtDat: string;
  /** The meeting as it is now (for call.accepted). */
  meeting: MeetInfo;
}

/**
 * What the transition `event` of call `prev` (now `next`) tells whom. `next.endedBy` (or the
 * accepting callee) is the party that caused it.
 */
export function noticesFor(prev: CallRecord, event: CallEvent, next: CallRecord, ctx: NoticeContext): Notice[] {
  const rules: readonly NoticeRule[] =
    event === 'lost' && prev.state === 'ringing' && next.endedBy === prev.callee ? NOTICES.lostCalleeRinging : NOTICES[event];
  const by = event === 'accept' ? prev.callee : next.endedBy;
  const out: Notice[] = [];
  for (const r of rules) {
    const userID = r.to === 'caller' ? prev.caller : r.to === 'callee' ? prev.callee : by === prev.caller ? prev.callee : prev.caller;
    const { callID } = prev;
    if (r.ev === 'call.accepted') {
      out.push({ userID, ev: r.ev, payload: { callID, meeting: ctx.meeting, usrExtDat: ctx.usrExtDat } });
    } else if (r.ev === 'call.rejected') {
      out.push({ userID, ev: r.ev, payload: { callID, code: r.code, usrExtDat: r.carriesUsrExtDat ? ctx.usrExtDat : '' } });
    } else {
      out.push({ userID, ev: r.ev, payload: { callID, usrExtDat: r.carriesUsrExtDat ? ctx.usrExtDat : '', reason: r.reason } });
    }
  }
  return out;
}

/**
 * Whether an ended call leaves the callee invited to its meeting: only if it was answered. A call
 * rejected, cancelled or rung out leaves no standing invitation (the callee needs the password).
 */
export function keepsInvitation(ended: CallRecord): boolean {
  return ended.answeredAt !== null;
}

/**
 * What the callee is told when a call starts ringing: who calls, into which meeting, and the call's
 * type (an audio call rings as one). `ringsForMs`: a call that waited for its callee to connect
 * (`--offline-ring`) rings on their new session for the time it has left.
 */
export function incomingNotice(rec: CallRecord, caller: Member, meeting: MeetInfo, usrExtDat: string, ringsForMs?: number): Notice {
  const { callID, callType } = rec;
  return { userID: rec.callee, ev: 'call.incoming', payload: { callID, caller, meeting, usrExtDat, callType, ...(ringsForMs !== undefined ? { ringsForMs } : {}) } };
}

/**
 * How long a new call rings before it ends unanswered (604): the ring timeout when the callee is
 * connected; the offline-ring wait when the call waits for them to connect (the time left of it
 * is what it rings for once they do).
 */
export function ringFor(calleeOnline: boolean, cfg: { ringTimeoutMs: number; offlineRingMs: number }): number {
  return calleeOnline ? cfg.ringTimeoutMs : cfg.offlineRingMs;
}

/** What `session.info` tells `me` of their open call `rec` (the facade's GetSessionInfo). */
export function sessionCall(rec: CallRecord, meeting: MeetInfo, me: string, peerName: string | undefined): SessionCall {
  const peerID = rec.caller === me ? rec.callee : rec.caller;
  return {
    callID: rec.callID,
    peerID,
    peerName: peerName ?? peerID,
    accepted: rec.state === 'active',
    meetingID: rec.meetingID,
    meetingPswd: meeting.pswd,
    createdAt: rec.createdAt,
    answeredAt: rec.answeredAt,
    callType: rec.callType,
  };
}
