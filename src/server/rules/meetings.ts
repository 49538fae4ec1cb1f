/**
 * The meeting rulebook, run by both modes: who may use a meeting, and what its info says.
 * Storage reads a meeting's facts; these functions decide.
 */
import type { ErrorName } from '../../protocol/errors.js';
import type { MeetInfo } from '../../protocol/messages.js';

/** What storage knows of a meeting, for an access check by one user. */
export interface MeetingFacts {
  id: number;
  creator: string;
  pswd: string;
  subject: string;
  createdAt: number;
  /** Whether the user asking was called into the meeting. */
  invited: boolean;
  memberCount: number;
}

/**
 * Whether `userID` may use the meeting (enter it, or call others into it): its creator, a user
 * who was called into it, or anyone presenting its password. Null when allowed; otherwise
 * MEETING_NOT_FOUND (no such meeting, or no password given) or WRONG_PASSWORD. Meeting IDs are
 * sequential, as in the vendor SDK, so telling a missing meeting from a wrong password gives
 * nothing away: the password is the secret, and guesses at it are limited (gateway/guards.ts).
 */
export function meetingAccess(m: MeetingFacts | undefined, userID: string, pswd: string | undefined): ErrorName | null {
  if (!m) return 'MEETING_NOT_FOUND';
  if (m.creator === userID || m.invited) return null;
  if (pswd === undefined || pswd === '') return 'MEETING_NOT_FOUND';
  if (pswd !== m.pswd) return 'WRONG_PASSWORD';
  return null;
}

/** The meeting as clients see it (the seed SDK's MeetInfoObj). */
export function meetInfo(m: MeetingFacts, publicUrl: string): MeetInfo {
  return {
    ID: m.id,
    pswd: m.pswd,
    subject: m.subject,
    pubMeetUrl: `${publicUrl}/?meeting=${m.id}`,
    creator: m.creator,
    memberCount: m.memberCount,
    startTime: Math.floor(m.createdAt / 1000),
  };
}

/** Only its creator destroys a meeting; to anyone else it does not exist (MEETING_NOT_FOUND). */
export function mayDestroy(m: Pick<MeetingFacts, 'creator'> | undefined, userID: string): boolean {
  return m !== undefined && m.creator === userID;
}
