/**
 * The meeting the facade is in, as the facade's callbacks report it: its ID, and each other
 * member with their microphone, camera and screen-share state (from `meeting.media`).
 */
import type { Member, MemberMedia } from '../../protocol/messages.js';
import { ASTATUS } from './constants.js';

export interface RoomMember {
  userID: string;
  nickName: string;
  audio: number;
  video: number;
  screen: boolean;
}

export class RoomState {
  meetingID: number | null = null;
  /** The other members: the enter result's list, then joins and leaves. */
  readonly members = new Map<string, RoomMember>();

  enter(meetingID: number, members: Member[]): void {
    this.meetingID = meetingID;
    this.members.clear();
    for (const m of members) this.join(m);
  }

  join(m: Member): void {
    this.members.set(m.userID, { userID: m.userID, nickName: m.nickName, audio: ASTATUS.AUNKNOWN, video: ASTATUS.AUNKNOWN, screen: false });
  }

  /** Applies a member's media state; returns the state before, or null if they are not a member. */
  media(userID: string, next: MemberMedia): RoomMember | null {
    const m = this.members.get(userID);
    if (!m) return null;
    const before = { ...m };
    m.audio = next.audio;
    m.video = next.video;
    m.screen = next.screen ?? false;
    return before;
  }

  forget(): void {
    this.meetingID = null;
    this.members.clear();
  }
}
