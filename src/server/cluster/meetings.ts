/**
 * Meetings across a cluster. The meeting, its invitees and its members live in Redis
 * (`cr:meeting:<id>`, `cr:minv:<id>`, `cr:mmem:<id>` → {sid, nick}); who may use a meeting and
 * what its info says are the rulebook's (rules/meetings.ts), decided here on facts the `meeting`
 * script reads. Member events, signals and room messages are appended to each member's session
 * log by the script that checked membership, so a signal is never relayed to someone who has
 * already left, and a member sees joins and leaves in the order Redis applied them.
 *
 * Races: enter against destroy — either the enter finds the meeting gone (800) or the destroy
 * sees the new member and sends it `meeting.stopped`. Two nodes expiring one idle meeting: the
 * `destroy` script re-checks that it is still empty and idle, so it is dropped once.
 */
import { randomInt } from 'node:crypto';
import { CallroomError, type ErrorName } from '../../protocol/errors.js';
import type { DataKind, EventPayload, MeetInfo, Member, MemberMedia, SignalKind, SignalPayload } from '../../protocol/messages.js';
import type { Clock } from '../clock.js';
import { mayDestroy, meetingAccess, meetInfo, type MeetingFacts } from '../rules/meetings.js';
import type { MeetingService } from '../services.js';
import type { Session } from '../sessions.js';
import type { Store } from '../store/types.js';
import type { ClusterNode } from './node.js';

export interface ClusterMeetingsDeps {
  node: ClusterNode;
  store: Store;
  clock: Clock;
  /** Idle meetings (no members) are destroyed after this long. 0 disables expiry. */
  ttlMs: number;
  publicUrl(): string;
  onError?(err: unknown): void;
}

function fail(code: string): never {
  throw new CallroomError(code as ErrorName);
}

export class ClusterMeetings implements MeetingService {
  private lastSweep = 0;

  constructor(private readonly deps: ClusterMeetingsDeps) {
    deps.node.every(() => this.sweepIfDue());
  }

  private async facts(id: number, userID: string): Promise<MeetingFacts | undefined> {
    const r = (await this.deps.node.run('meeting', id, userID)) as string | null;
    return r ? (JSON.parse(r) as MeetingFacts) : undefined;
  }

  async create(creator: string, subject: string | undefined, pswd: string | undefined): Promise<MeetInfo> {
    const rec = await this.deps.store.createMeeting({
      creator,
      subject: subject ?? '',
      pswd: pswd ?? String(randomInt(0, 100_000_000)).padStart(8, '0'),
      createdAt: this.deps.clock.now(),
    });
    return (await this.info(rec.id))!;
  }

  async countBy(creator: string): Promise<number> {
    return this.deps.node.redis.scard(`cr:mby:${creator}`);
  }

  /** The rulebook's access check on fresh facts; the facts, when allowed. */
  private async allowed(id: number, userID: string, pswd: string | undefined): Promise<MeetingFacts> {
    const m = await this.facts(id, userID);
    const denied = meetingAccess(m, userID, pswd);
    if (denied) fail(denied);
    return m!;
  }

  async authorize(id: number, userID: string, pswd: string | undefined): Promise<MeetInfo> {
    return meetInfo(await this.allowed(id, userID, pswd), this.deps.publicUrl());
  }

  async info(id: number): Promise<MeetInfo | undefined> {
    const m = await this.facts(id, '');
    return m && meetInfo(m, this.deps.publicUrl());
  }

  async enter(s: Session, id: number, pswd: string | undefined): Promise<{ meeting: MeetInfo; members: Member[] }> {
    const m = await this.allowed(id, s.userID, pswd);
    const r = (await this.deps.node.run('enter', id, s.userID, s.id, s.nickName)) as [string, string?, number?];
    if (r[0] !== 'OK') fail(r[0]);
    s.meetingID = id;
    return { meeting: meetInfo({ ...m, memberCount: Number(r[2]) }, this.deps.publicUrl()), members: JSON.parse(r[1]!) as Member[] };
  }

  async exit(s: Session, id?: number): Promise<number> {
    const current = s.meetingID;
    if (current === null || (id !== undefined && id !== current)) throw new CallroomError('NOT_IN_MEETING');
    s.meetingID = null;
    await this.deps.node.run('leave', current, s.userID, s.id, this.deps.node.id);
    return current;
  }

  leave(s: Session, _why: 'left' | 'gone'): void {
    const id = s.meetingID;
    if (id === null) return;
    s.meetingID = null;
    // Issued at once: it reaches Redis before anything this node sends for the session later.
    void this.deps.node.run('leave', id, s.userID, s.id, this.deps.node.id).catch((err: unknown) => this.deps.onError?.(err));
  }

  async destroy(s: Session, id: number): Promise<void> {
    if (!mayDestroy(await this.facts(id, s.userID), s.userID)) fail('MEETING_NOT_FOUND');
    const r = (await this.deps.node.run('destroy', id, '')) as string;
    if (r !== 'OK') fail(r);
  }

  signal(s: Session, id: number, to: string, kind: SignalKind, payload: SignalPayload): Promise<void> {
    return this.relay(s, id, to, 'meeting.signal', { meetingID: id, from: s.userID, kind, payload });
  }

  async data(s: Session, id: number, to: string | undefined, kind: DataKind, data: string): Promise<number> {
    const ts = this.deps.clock.now();
    const ev = { meetingID: id, from: s.userID, kind, data, ts };
    await (to === undefined ? this.broadcast(s, id, 'meeting.data', ev) : this.relay(s, id, to, 'meeting.data', ev));
    return ts;
  }

  async message(s: Session, id: number, text: string): Promise<number> {
    const ts = this.deps.clock.now();
    await this.broadcast(s, id, 'meeting.message', { meetingID: id, from: s.userID, nickName: s.nickName, text, ts });
    return ts;
  }

  media(s: Session, id: number, media: MemberMedia): Promise<void> {
    return this.broadcast(s, id, 'meeting.media', { meetingID: id, userID: s.userID, ...media });
  }

  /** An event from member `s` to one other member `to` of meeting `id` (the `signal` script). */
  private async relay<E extends 'meeting.signal' | 'meeting.data'>(s: Session, id: number, to: string, ev: E, payload: EventPayload<E>): Promise<void> {
    if (s.meetingID !== id) throw new CallroomError('NOT_IN_MEETING');
    const r = (await this.deps.node.run('signal', id, s.userID, s.id, to, ev, JSON.stringify(payload))) as string;
    if (r === 'NO_TARGET') throw new CallroomError('NOT_IN_MEETING', `${to} is not in meeting ${id}`);
    if (r !== 'OK') fail(r);
  }

  /** An event from member `s` to every other member of meeting `id` (the `broadcast` script). */
  private async broadcast<E extends 'meeting.message' | 'meeting.media' | 'meeting.data'>(s: Session, id: number, ev: E, payload: EventPayload<E>): Promise<void> {
    if (s.meetingID !== id) throw new CallroomError('NOT_IN_MEETING');
    const r = (await this.deps.node.run('broadcast', id, s.userID, s.id, ev, JSON.stringify(payload))) as string;
    if (r !== 'OK') fail(r);
  }

  /** Destroys meetings idle past the TTL; at most once a second per node. */
  private async sweepIfDue(): Promise<void> {
    const { ttlMs, clock, node } = this.deps;
    const now = clock.now();
    if (ttlMs <= 0 || now - this.lastSweep < Math.min(1000, ttlMs)) return;
    this.lastSweep = now;
    const ids = await node.redis.zrangebyscore('cr:midle', '-inf', now - ttlMs, 'LIMIT', 0, 100);
    for (const id of ids) await node.run('destroy', id, ttlMs);
  }
}
