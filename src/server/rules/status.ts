/**
 * The user-status rule, run by both modes: 0 offline, 1 online and idle, 2 in a call, 3 in a
 * meeting, plus DND. An offline user reads exactly like a user who never existed (status 0, no
 * DND): the stored DND flag of an offline user would tell a stranger that the user ID is real.
 */
import type { UserStatus, UserStatusValue } from '../../protocol/messages.js';

export interface StatusFacts {
  userID: string;
  online: boolean;
  inCall: boolean;
  inMeeting: boolean;
  dnd: boolean;
}

export function userStatus(f: StatusFacts): UserStatus {
  if (!f.online) return { userID: f.userID, status: 0, dnd: false };
  const status: UserStatusValue = f.inCall ? 2 : f.inMeeting ? 3 : 1;
  return { userID: f.userID, status, dnd: f.dnd };
}

/** Two statuses that read the same to a subscriber. */
export function statusKey(s: UserStatus): string {
  return `${s.status}:${s.dnd ? 1 : 0}`;
}
