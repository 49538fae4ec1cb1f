/**
 * The vendor's queue and session objects, and the one place where the modern SDK's fields
 * (camelCase, milliseconds) become the vendor's (`agent_num`, `usrID`, seconds, 0/1). Every
 * facade function and notification that hands out such an object makes it here.
 */
import type { SessionCall } from '../../protocol/messages.js';
import type { QueueInfo, QueueStatus, QueueUser, QueuingInfo } from '../../protocol/queues.js';

/** The vendor's `QueueInfo`: the same fields as ours. */
export type CRQueueInfo = Pick<QueueInfo, 'queID' | 'name' | 'desc' | 'prio'>;

/** The vendor's `QueStatus`. */
export interface CRQueStatus {
  queID: number;
  /** Agents serving the queue. */
  agent_num: number;
  /** Customers waiting (those offered to an agent and not yet accepted included). */
  wait_num: number;
  /** Customers accepted by an agent whose service has not ended. */
  srv_num: number;
}

/** The vendor's `QueUser`, with both spellings demos read (`usrID` / `userID`, `usrExtDat` / `param`). */
export interface CRQueUser {
  queID: number;
  usrID: string;
  userID: string;
  name: string;
  nickname: string;
  /** Seconds waited (until now, or until accepted). */
  queuingTime: number;
  usrExtDat: string;
  param: string;
}

/** The vendor's `QueuingInfo`: `position` 1 = next; `position` 0 (and `queID` 0) = not queuing. */
export interface CRQueuingInfo {
  queID: number;
  position: number;
  /** Seconds waited so far. */
  queuingTime: number;
}

/** The vendor's `SessionInfo`: this user's open call; `callID` '' when there is none. */
export interface CRSessionInfo {
  callID: string;
  peerID: string;
  peerName: string;
  /** 1 once the call was answered, else 0. */
  bCallAccepted: number;
  meetingID: number;
  meetingPswd: string;
  /** Seconds since the call was answered (0 while it rings). */
  duration: number;
}

const seconds = (ms: number): number => Math.max(0, Math.floor(ms / 1000));

export function toCRQueueInfo(q: QueueInfo): CRQueueInfo {
  return { queID: q.queID, name: q.name, desc: q.desc, prio: q.prio };
}

export function toCRQueStatus(s: QueueStatus): CRQueStatus {
  return { queID: s.queID, agent_num: s.agents, wait_num: s.waiting, srv_num: s.inService };
}

/** The status of a queue nothing is known of yet (or whose request failed): all counts 0. */
export function emptyQueStatus(queID: number): CRQueStatus {
  return { queID, agent_num: 0, wait_num: 0, srv_num: 0 };
}

export function toCRQueUser(u: QueueUser): CRQueUser {
  return {
    queID: u.queID,
    usrID: u.userID,
    userID: u.userID,
    name: u.nickName,
    nickname: u.nickName,
    queuingTime: seconds(u.waitedMs),
    usrExtDat: u.usrExtDat,
    param: u.usrExtDat,
  };
}

/** What `ReqAssignUserRslt` passes with an error: a QueUser with no one in it. */
export function emptyQueUser(): CRQueUser {
  return { queID: 0, usrID: '', userID: '', name: '', nickname: '', queuingTime: 0, usrExtDat: '', param: '' };
}

/** A customer's place, as the facade keeps it: the queue, the position, and when (local clock) the wait began. */
export interface Place {
  queID: number;
  position: number;
  sinceMs: number;
}

export function toPlace(i: QueuingInfo, nowMs: number): Place {
  return { queID: i.queID, position: i.position, sinceMs: nowMs - i.waitedMs };
}

/** The vendor's QueuingInfo of a place at `nowMs`; no place: position 0 in queue `leftQueID` (0 when none). */
export function toCRQueuingInfo(p: Place | null, nowMs: number, leftQueID = 0): CRQueuingInfo {
  if (!p) return { queID: leftQueID, position: 0, queuingTime: 0 };
  return { queID: p.queID, position: p.position, queuingTime: seconds(nowMs - p.sinceMs) };
}

/** An open call as the facade keeps it; `answeredMs` on the local clock, null while it rings. */
export interface OpenCall {
  callID: string;
  peerID: string;
  peerName: string;
  meetingID: number;
  meetingPswd: string;
  answeredMs: number | null;
}

/** The server's record of the user's open call, its answer time moved to the local clock (`serverOffsetMs` = server − local). */
export function fromSessionCall(s: SessionCall, serverOffsetMs: number): OpenCall {
  return {
    callID: s.callID,
    peerID: s.peerID,
    peerName: s.peerName,
    meetingID: s.meetingID,
    meetingPswd: s.meetingPswd,
    answeredMs: s.accepted ? (s.answeredAt ?? s.createdAt) - serverOffsetMs : null,
  };
}

export function toCRSessionInfo(c: OpenCall | null, nowMs: number): CRSessionInfo {
  if (!c) return { callID: '', peerID: '', peerName: '', bCallAccepted: 0, meetingID: 0, meetingPswd: '', duration: 0 };
  return {
    callID: c.callID,
    peerID: c.peerID,
    peerName: c.peerName,
    bCallAccepted: c.answeredMs !== null ? 1 : 0,
    meetingID: c.meetingID,
    meetingPswd: c.meetingPswd,
    duration: c.answeredMs !== null ? seconds(nowMs - c.answeredMs) : 0,
  };
}
