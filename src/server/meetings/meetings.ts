/**
 * Meetings (rooms): creation, who may enter, membership, signalling relay, room messages and
 * data (to one member or all), destruction by the creator and expiry when idle past the TTL.
 */
import { randomInt } from 'node:crypto';
import { CallroomError, type ErrorName } from '../../protocol/errors.js';
import { mayDestroy, meetingAccess, meetInfo, type MeetingFacts } from '../rules/meetings.js';
import type { DataKind, MeetInfo, Member, MemberMedia, SignalKind, SignalPayload } from '../../protocol/messages.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { Session } from '../sessions.js';
import type { MeetingRecord, Store } from '../store/types.js';

export interface MeetingDeps {
  store: Store;
  clock: Clock;
  /** Base of `pubMeetUrl`, e.g. `http://127.0.0.1:8080`. */
  publicUrl: string;
  /** Idle meetings (no members) are destroyed after this long. 0 disables expiry. */
  ttlMs: number;
  onMembershipChange(userID: string): void;
  onDestroyed?(meetingID: number): void;
}

interface Live {
  record: MeetingRecord;
  invitees: Set<string>;
  members: Map<string, { session: Session; nickName: string }>;
}

export class Meetings {
  private readonly live = new Map<number, Live>();
  /** Meetings per creator (for the cap on meetings per user). */
  private readonly byCreator = new Map<string, number>();
  private sweepTimer: TimerHandle | null = null;

  constructor(private readonly deps: MeetingDeps) {}

  async load(): Promise<void> {
    for (const r of await this.deps.store.loadMeetings()) {
      this.live.set(r.id, { record: r, invitees: new Set(r.invitees), members: new Map() });
      this.counted(r.creator, +1);
    }
    this.scheduleSweep();
  }

  get count(): number {
    return this.live.size;
  }

  info(id: number): MeetInfo | undefined {
    const m = this.live.get(id);
    return m && this.toInfo(m);
  }

  private facts(m: Live, userID?: string): MeetingFacts {
    const r = m.record;
    return {
      id: r.id,
      creator: r.creator,
      pswd: r.pswd,
      subject: r.subject,
      createdAt: r.createdAt,
      invited: userID !== undefined && m.invitees.has(userID),
      memberCount: m.members.size,
    };
  }

  private toInfo(m: Live): MeetInfo {
    return meetInfo(this.facts(m), this.deps.publicUrl);
  }

  async create(creator: string, subject: string | undefined, pswd: string | undefined): Promise<MeetInfo> {
    const rec = await this.deps.store.createMeeting({
      creator,
      subject: subject ?? '',
      pswd: pswd ?? String(randomInt(0, 100_000_000)).padStart(8, '0'),
      createdAt: this.deps.clock.now(),
    });
    const m: Live = { record: rec, invitees: new Set(), members: new Map() };
    this.live.set(rec.id, m);
    this.counted(creator, +1);
    return this.toInfo(m);
  }

  /** The rulebook's access check for `userID` on meeting `id` (null: allowed). */
  access(id: number, userID: string, pswd: string | undefined): ErrorName | null {
    const m = this.live.get(id);
    return meetingAccess(m && this.facts(m, userID), userID, pswd);
  }

  /** Throws MEETING_NOT_FOUND / WRONG_PASSWORD unless `userID` may use meeting `id`. */
  authorize(id: number, userID: string, pswd: string | undefined): Live {
    const denied = this.access(id, userID, pswd);
    if (denied) throw new CallroomError(denied);
    return this.live.get(id)!;
  }

  async invite(id: number, userID: string): Promise<void> {
    const m = this.live.get(id);
    if (!m || m.invitees.has(userID)) return;
    m.invitees.add(userID);
    await this.deps.store.addInvitee(id, userID);
  }

  /** `userID` is no longer invited: the call that invited them ended unanswered (app.ts). */
  async uninvite(id: number, userID: string): Promise<void> {
    const m = this.live.get(id);
    if (!m || !m.invitees.delete(userID)) return;
    await this.deps.store.removeInvitee?.(id, userID);
  }

  async enter(s: Session, id: number, pswd: string | undefined): Promise<{ meeting: MeetInfo; members: Member[] }> {
    const m = this.authorize(id, s.userID, pswd);
    if (s.meetingID === id && m.members.get(s.userID)?.session === s) throw new CallroomError('ALREADY_IN_MEETING');
    if (s.meetingID !== null) this.leave(s, 'left');
    const previous = m.members.get(s.userID);
    if (previous) this.removeMember(m, s.userID, previous.session);
    const members: Member[] = [...m.members.entries()].map(([userID, v]) => ({ userID, nickName: v.nickName }));
    m.members.set(s.userID, { session: s, nickName: s.nickName });
    s.meetingID = id;
    const member = { userID: s.userID, nickName: s.nickName };
    for (const [uid, v] of m.members) if (uid !== s.userID) v.session.send('meeting.memberJoined', { meetingID: id, member });
    m.record.lastActiveAt = this.deps.clock.now();
    this.deps.onMembershipChange(s.userID);
    return { meeting: this.toInfo(m), members };
  }

  /** Leaves the session's meeting; throws NOT_IN_MEETING if it is in none (or not in `id`). */
  exit(s: Session, id?: number): number {
    const current = s.meetingID;
    if (current === null || (id !== undefined && id !== current)) throw new CallroomError('NOT_IN_MEETING');
    this.leave(s, 'left');
    return current;
  }

  /** Removes the session from its meeting, if any; used on exit, logout and disconnect. */
  leave(s: Session, _why: 'left' | 'gone'): void {
    const id = s.meetingID;
    if (id === null) return;
    s.meetingID = null;
    const m = this.live.get(id);
    if (m) this.removeMember(m, s.userID, s);
    this.deps.onMembershipChange(s.userID);
  }

  private removeMember(m: Live, userID: string, s: Session): void {
    const cur = m.members.get(userID);
    if (!cur || cur.session !== s) return;
    m.members.delete(userID);
    if (s.meetingID === m.record.id) s.meetingID = null;
    for (const v of m.members.values()) v.session.send('meeting.memberLeft', { meetingID: m.record.id, userID });
    const now = this.deps.clock.now();
    m.record.lastActiveAt = now;
    if (m.members.size === 0) void this.deps.store.touchMeeting(m.record.id, now).catch(() => {});
  }

  async destroy(s: Session, id: number): Promise<void> {
    const m = this.live.get(id);
    if (!m || !mayDestroy(m.record, s.userID)) throw new CallroomError('MEETING_NOT_FOUND');
    await this.drop(m);
  }

  countBy(creator: string): number {
    return this.byCreator.get(creator) ?? 0;
  }

  private counted(creator: string, d: 1 | -1): void {
    const n = (this.byCreator.get(creator) ?? 0) + d;
    if (n > 0) this.byCreator.set(creator, n);
    else this.byCreator.delete(creator);
  }

  private async drop(m: Live): Promise<void> {
    const id = m.record.id;
    if (this.live.delete(id)) this.counted(m.record.creator, -1);
    await this.deps.store.deleteMeeting(id);
    for (const [uid, v] of m.members) {
      v.session.meetingID = null;
      v.session.send('meeting.stopped', { meetingID: id });
      this.deps.onMembershipChange(uid);
    }
    m.members.clear();
    this.deps.onDestroyed?.(id);
  }

  private member(s: Session, id: number): Live {
    const m = this.live.get(id);
    if (!m || s.meetingID !== id || m.members.get(s.userID)?.session !== s) throw new CallroomError('NOT_IN_MEETING');
    return m;
  }

  /** Another member `to` of meeting `m`, as seen by member `s`; NOT_IN_MEETING otherwise. */
  private other(m: Live, s: Session, to: string): Session {
    const target = m.members.get(to);
    if (!target || to === s.userID) throw new CallroomError('NOT_IN_MEETING', `${to} is not in meeting ${m.record.id}`);
    return target.session;
  }

  signal(s: Session, id: number, to: string, kind: SignalKind, payload: SignalPayload): void {
    const m = this.member(s, id);
    this.other(m, s, to).send('meeting.signal', { meetingID: id, from: s.userID, kind, payload });
  }

  data(s: Session, id: number, to: string | undefined, kind: DataKind, data: string): number {
    const m = this.member(s, id);
    const target = to === undefined ? undefined : this.other(m, s, to);
    const ts = this.deps.clock.now();
    const ev = { meetingID: id, from: s.userID, kind, data, ts };
    if (target) target.send('meeting.data', ev);
    else for (const [uid, v] of m.members) if (uid !== s.userID) v.session.send('meeting.data', ev);
    return ts;
  }

  message(s: Session, id: number, text: string): number {
    const m = this.member(s, id);
    const ts = this.deps.clock.now();
    const ev = { meetingID: id, from: s.userID, nickName: s.nickName, text, ts };
    for (const [uid, v] of m.members) if (uid !== s.userID) v.session.send('meeting.message', ev);
    return ts;
  }

  media(s: Session, id: number, media: MemberMedia): void {
    const m = this.member(s, id);
    const ev = { meetingID: id, userID: s.userID, ...media };
    for (const [uid, v] of m.members) if (uid !== s.userID) v.session.send('meeting.media', ev);
  }

  private scheduleSweep(): void {
    if (this.deps.ttlMs <= 0) return;
    const every = Math.min(60_000, Math.max(1_000, Math.floor(this.deps.ttlMs / 4)));
    this.sweepTimer = this.deps.clock.setTimeout(() => {
      void this.sweep().finally(() => this.scheduleSweep());
    }, every);
  }

  /** Destroys meetings that have had no members for longer than the TTL. */
  async sweep(): Promise<number> {
    const now = this.deps.clock.now();
    const idle = [...this.live.values()].filter(
      (m) => m.members.size === 0 && now - m.record.lastActiveAt >= this.deps.ttlMs,
    );
    for (const m of idle) await this.drop(m);
    return idle.length;
  }

  stop(): void {
    this.sweepTimer?.cancel();
    this.sweepTimer = null;
  }
}
