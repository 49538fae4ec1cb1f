/**
 * What a page needs to carry on after a reload: its session (ID and the last event seq it saw),
 * the call it was in (or the room), kept for the tab in sessionStorage beside the token. On load
 * the page logs in resuming that session, within the server's resume grace, instead of afresh.
 * What is read back is checked field by field: storage is an edge like any other.
 */
import type { CallType, MeetInfo } from '../src/protocol/messages.js';

const KEY = 'callroom.resume';

export interface SavedCall {
  callID: string;
  peer: { userID: string; nickName: string };
  meeting: MeetInfo;
  /** When the call was answered, by the server's clock (the call record's answeredAt). */
  answeredAt: number;
  /** Whether this side made the call (and its meeting, which it destroys at the end). */
  creator: boolean;
  /** An audio call reopens the microphone only after a reload. Absent (saved by an older page): video. */
  callType?: CallType;
  /**
   * Whether the microphone and the camera were on (not muted, not turned off) when saved: a reload
   * brings them back as they were. Absent (saved by an older page): as the call type opens them.
   */
  devices?: SavedDevices;
}

export interface SavedDevices {
  mic: boolean;
  camera: boolean;
}

export interface ResumeState {
  userID: string;
  sessionID: string;
  lastSeq: number;
  /** When this was saved (this browser's clock) and how long the server holds a dropped session. */
  savedAt: number;
  resumeGraceMs: number;
  call: SavedCall | null;
  room: MeetInfo | null;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isStr = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function isMeeting(v: unknown): v is MeetInfo {
  return (
    isObj(v) && isInt(v.ID) && v.ID > 0 && isStr(v.pswd) && isStr(v.subject) && isStr(v.pubMeetUrl) && isStr(v.creator) && isInt(v.memberCount) && isInt(v.startTime)
  );
}

function isCall(v: unknown): v is SavedCall {
  return (
    isObj(v) &&
    isStr(v.callID) &&
    isObj(v.peer) &&
    isStr(v.peer.userID) &&
    isStr(v.peer.nickName) &&
    isMeeting(v.meeting) &&
    isInt(v.answeredAt) &&
    typeof v.creator === 'boolean' &&
    (v.callType === undefined || v.callType === 'audio' || v.callType === 'video') &&
    (v.devices === undefined || (isObj(v.devices) && typeof v.devices.mic === 'boolean' && typeof v.devices.camera === 'boolean'))
  );
}

/** The state read back, or null if there is none, it is malformed, or it is older than the grace. */
export function parseResumeState(text: string | null, now: number): ResumeState | null {
  if (!text) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObj(v) || !isStr(v.userID) || !isStr(v.sessionID) || !isInt(v.lastSeq) || v.lastSeq < 0 || !isInt(v.savedAt) || !isInt(v.resumeGraceMs)) return null;
  if (v.call !== null && !isCall(v.call)) return null;
  if (v.room !== null && !isMeeting(v.room)) return null;
  if (now - v.savedAt > v.resumeGraceMs) return null; // the server has let that session go
  return v as unknown as ResumeState;
}

export const resumeState = {
  load(now = Date.now()): ResumeState | null {
    try {
      return parseResumeState(globalThis.sessionStorage?.getItem(KEY) ?? null, now);
    } catch {
      return null;
    }
  },
  save(s: ResumeState): void {
    try {
      globalThis.sessionStorage?.setItem(KEY, JSON.stringify(s));
    } catch {
      /* storage may be off: a reload then logs in afresh */
    }
  },
  clear(): void {
    try {
      globalThis.sessionStorage?.removeItem(KEY);
    } catch {
      /* storage may be off */
    }
  },
};
