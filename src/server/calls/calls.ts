/**
 * Calls: invite, accept, reject, hang up, ring timeout and lost parties, by the call contract
 * (docs/protocol.md, "Call contract"). State changes go through the machine in machine.ts;
 * every change is written to the store before anyone is told about it, and every call ends
 * exactly once with each online party told exactly once.
 */
import { CallroomError } from '../../protocol/errors.js';
import type { CallMedia, CallRecord, CallType, MeetInfo, SessionCall } from '../../protocol/messages.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { Meetings } from '../meetings/meetings.js';
import type { Presence } from '../presence/presence.js';
import type { Session, SessionRegistry } from '../sessions.js';
import { DuplicateCallError, type Store } from '../store/types.js';
import { checkInvite, eventForRequest, incomingNotice, keepsInvitation, noticesFor, oldestCall, ringFor, sessionCall, type CallRequest, type Notice } from '../rules/calls.js';
import { applyCallEvent, canApply, newCall, type CallEvent } from '../rules/machine.js';
import { calleeOfflineEvents, callEvents } from '../webhooks/events.js';
import type { WebhookSink } from '../webhooks/types.js';
import { applyMediaReport } from '../rules/call-media.js';

export interface CallsDeps {
  store: Store;
  clock: Clock;
  sessions: SessionRegistry;
  meetings: Meetings;
  presence: () => Presence;
  ringTimeoutMs: number;
  /** How long a call to a user who is not connected waits for them (0: it fails at once, 603). */
  offlineRingMs?: number;
  /** Observability hooks: setup latency (invite received → callee told) and outcomes. */
  onDelivered?(setupMs: number): void;
  onEnded?(call: CallRecord): void;
  onError?(err: unknown, call: CallRecord): void;
  /** Webhooks: the events of each change are written in the same commit as the change. */
  webhooks?: WebhookSink;
}

interface LiveCall {
  record: CallRecord;
  meeting: MeetInfo;
  timer: TimerHandle | null;
  /** Whether the callee has been told of the call (an invite cancelled mid-write is not). */
  announced: boolean;
  /** Waiting for the callee to connect (--offline-ring): they are told when they log in. */
  waiting?: { caller: { userID: string; nickName: string }; usrExtDat: string; deadline: number };
}

export interface InviteArgs {
  callID: string;
  callee: string;
  meetingID: number;
  pswd?: string | undefined;
  usrExtDat?: string | undefined;
  /** Default 'video'. */
  callType?: CallType | undefined;
}

export class Calls {
  /** Calls that have not ended, by callID. */
  private readonly open = new Map<string, LiveCall>();
  /**
   * The open calls of each user: one, or several when people were added to a call (all active,
   * all in one meeting; see `mayAddToCall` in rules/calls.ts).
   */
  private readonly byUser = new Map<string, Set<LiveCall>>();
  /** The open calls in each meeting, for the size of a call. */
  private readonly byMeeting = new Map<number, Set<LiveCall>>();
  /**
   * The createdAt of the newest call. Call times are unique and increasing (a call created in
   * the same millisecond as the one before gets the next millisecond), so that "newest first"
   * is well defined and paging with `before` skips no call.
   */
  private lastCreatedAt = 0;

  constructor(private readonly deps: CallsDeps) {}

  /**
   * Restores the calls an earlier run left open (ringing or active): ring timers are re-armed
   * for the time left, and a party who has not logged in again within `graceMs` is gone.
   */
  async restore(graceMs: number): Promise<number> {
    const { clock, meetings, sessions } = this.deps;
    const open = await this.deps.store.listOpenCalls();
    const now = clock.now();
    for (const record of open) {
      this.lastCreatedAt = Math.max(this.lastCreatedAt, record.createdAt);
      const meeting = meetings.info(record.meetingID);
      if (!meeting) {
        const lost = applyCallEvent(record, 'lost', Math.max(now, record.createdAt), null);
        await this.deps.store.updateCall(lost, this.outbox(record, lost));
        continue;
      }
      const live: LiveCall = { record, meeting, timer: null, announced: true };
      sessions.hold(record.caller);
      sessions.hold(record.callee);
      this.index(live);
      if (record.state === 'ringing') {
        const left = record.createdAt + this.deps.ringTimeoutMs - now;
        live.timer = clock.setTimeout(() => void this.timeout(live), Math.max(0, left));
      }
    }
    if (this.open.size > 0) {
      clock.setTimeout(() => {
        for (const record of open) {
          for (const u of [record.caller, record.callee]) {
            // Past the grace: whoever is not back is gone, and nothing more is held for them.
            if (sessions.isOnline(u)) continue;
            sessions.release(u);
            if (this.byUser.has(u)) void this.userGone(u);
          }
        }
      }, graceMs);
    }
    return this.open.size;
  }

  loggedIn(s: Session, resuming: boolean): void {
    const held = this.deps.sessions.release(s.userID);
    const calls = this.callsOf(s.userID);
    const mine = calls.find((c) => c.record.callee === s.userID && c.record.state === 'ringing' && !c.announced);
    if (mine) {
      // A call waiting for this callee rings on the new session; one whose invite is still being
      // written is announced by the invite itself.
      if (mine.waiting) this.announceWaiting(mine);
      for (const h of held) s.send(h.ev, h.payload as never);
      return;
    }
    if (!resuming && calls.length > 0) {
      void this.userGone(s.userID);
      return;
    }
    for (const h of held) s.send(h.ev, h.payload as never);
  }

  async sessionInfo(userID: string): Promise<SessionCall | null> {
    const live = oldestCall(this.callsOf(userID));
    if (!live) return null;
    const peer = live.record.caller === userID ? live.record.callee : live.record.caller;
    return sessionCall(live.record, live.meeting, userID, this.deps.sessions.get(peer)?.nickName);
  }

  isInCall(userID: string): boolean {
    return this.byUser.has(userID);
  }

  get openCount(): number {
    return this.open.size;
  }

  async invite(caller: Session, a: InviteArgs): Promise<{ callID: string; meeting: MeetInfo }> {
    const { sessions, meetings, clock } = this.deps;
    const receivedAt = clock.now();
    const failed = checkInvite({
      callerID: caller.userID,
      calleeID: a.callee,
      callIDTaken: this.open.has(a.callID),
      meetingAccess: meetings.access(a.meetingID, caller.userID, a.pswd),
      meetingID: a.meetingID,
      callerCalls: this.callsOf(caller.userID).map((c) => ({ state: c.record.state, meetingID: c.record.meetingID })),
      meetingParties: [...(this.byMeeting.get(a.meetingID) ?? [])].flatMap((c) => [c.record.caller, c.record.callee]),
      calleeOnline: sessions.isOnline(a.callee),
      offlineRing: (this.deps.offlineRingMs ?? 0) > 0,
      calleeDnd: this.deps.presence().hasDnd(a.callee),
      calleeInCall: this.byUser.has(a.callee),
    });
    if (failed) {
      // The backend hears of a call to a user who is not connected (it may wake their app).
      if (failed.name === 'PEER_OFFLINE' && this.deps.webhooks) await this.deps.webhooks.append(calleeOfflineEvents(a.callID, caller.userID, a.callee, receivedAt));
      throw new CallroomError(failed.name, failed.message);
    }

    this.lastCreatedAt = Math.max(receivedAt, this.lastCreatedAt + 1);
    const live: LiveCall = {
      record: newCall(a.callID, caller.userID, a.callee, a.meetingID, this.lastCreatedAt, a.callType),
      meeting: meetings.info(a.meetingID)!,
      timer: null,
      announced: false,
    };
    // Reserve both parties before the first await, so that racing invites see them busy.
    this.index(live);
    try {
      await Promise.all([this.deps.store.insertCall(live.record, this.outbox(null, live.record)), meetings.invite(a.meetingID, a.callee)]);
    } catch (err) {
      this.release(live);
      if (err instanceof DuplicateCallError) throw new CallroomError('BAD_ARGUMENT', `callID ${a.callID} is already in use`);
      throw err;
    }
    if (live.record.state !== 'ringing') return { callID: a.callID, meeting: live.meeting };
    const calleeOnline = sessions.isOnline(a.callee);
    const ringMs = ringFor(calleeOnline, { ringTimeoutMs: this.deps.ringTimeoutMs, offlineRingMs: this.deps.offlineRingMs ?? 0 });
    live.timer = clock.setTimeout(() => void this.timeout(live), ringMs);
    this.refreshPresence(live);
    if (!calleeOnline) {
      // The call waits for the callee to connect; the caller's success means "delivered or waiting".
      live.waiting = { caller: { userID: caller.userID, nickName: caller.nickName }, usrExtDat: a.usrExtDat ?? '', deadline: clock.now() + ringMs };
      return { callID: a.callID, meeting: live.meeting };
    }
    live.announced = true;
    const delivered = this.tell(incomingNotice(live.record, { userID: caller.userID, nickName: caller.nickName }, live.meeting, a.usrExtDat ?? ''));
    if (delivered) this.deps.onDelivered?.(clock.now() - receivedAt);
    return { callID: a.callID, meeting: live.meeting };
  }

  /** The callee of a waiting call logged in: the call rings on their session for the time left. */
  private announceWaiting(live: LiveCall): void {
    const w = live.waiting!;
    live.waiting = undefined;
    live.announced = true;
    this.refreshPresence(live);
    const left = Math.max(0, w.deadline - this.deps.clock.now());
    this.tell(incomingNotice(live.record, w.caller, this.deps.meetings.info(live.record.meetingID) ?? live.meeting, w.usrExtDat, left));
  }

  async accept(s: Session, callID: string, usrExtDat = ''): Promise<{ callID: string; meeting: MeetInfo }> {
    const live = await this.act(s, callID, 'accept', usrExtDat);
    return { callID, meeting: live.meeting };
  }

  async reject(s: Session, callID: string, usrExtDat = ''): Promise<{ callID: string }> {
    await this.act(s, callID, 'reject', usrExtDat);
    return { callID };
  }

  async hangup(s: Session, callID: string, usrExtDat = ''): Promise<{ callID: string }> {
    await this.act(s, callID, 'hangup', usrExtDat);
    return { callID };
  }

  /** A party says whether the call's media connected (rules/call-media.ts). */
  async media(s: Session, callID: string, report: CallMedia): Promise<{ callID: string; media: CallMedia }> {
    const live = this.open.get(callID);
    const next = live && applyMediaReport(live.record, s.userID, report);
    if (!live || !next) throw new CallroomError('CALL_NOT_FOUND');
    if (next !== live.record) {
      live.record = next;
      await this.deps.store.updateCall(next);
    }
    return { callID, media: next.media ?? report };
  }

  /** A party's request on its call: the transition the rulebook names, and its notices. */
  private async act(s: Session, callID: string, op: CallRequest, usrExtDat: string): Promise<LiveCall> {
    const live = this.open.get(callID);
    const event = live && eventForRequest(live.record, s.userID, op);
    if (!live || !event) throw new CallroomError('CALL_NOT_FOUND');
    await this.transition(live, event, s.userID, usrExtDat);
    return live;
  }

  private async timeout(live: LiveCall): Promise<void> {
    live.timer = null;
    if (!canApply(live.record.state, 'timeout')) return;
    try {
      await this.transition(live, 'timeout', null, '');
    } catch (err) {
      this.deps.onError?.(err, live.record);
    }
  }

  /** A user is gone (logged out, kicked, disconnected): each of their open calls ends as lost. */
  async userGone(userID: string): Promise<void> {
    await Promise.all(
      this.callsOf(userID).map(async (live) => {
        try {
          await this.transition(live, 'lost', userID, '');
        } catch (err) {
          this.deps.onError?.(err, live.record);
        }
      }),
    );
  }

  /** The user's open calls (in the order they were indexed). */
  private callsOf(userID: string): LiveCall[] {
    return [...(this.byUser.get(userID) ?? [])];
  }

  /** Indexes an open call by callID, by each party and by meeting (before the first await). */
  private index(live: LiveCall): void {
    const { callID, caller, callee, meetingID } = live.record;
    this.open.set(callID, live);
    for (const u of [caller, callee]) {
      const set = this.byUser.get(u) ?? new Set<LiveCall>();
      set.add(live);
      this.byUser.set(u, set);
    }
    const m = this.byMeeting.get(meetingID) ?? new Set<LiveCall>();
    m.add(live);
    this.byMeeting.set(meetingID, m);
  }

  /**
   * Applies `event` in memory at once (so racing requests see the new state), then waits for
   * the store. Throws CALL_NOT_FOUND when the event does not apply to the call's state.
   */
  private async transition(live: LiveCall, event: CallEvent, by: string | null, usrExtDat: string): Promise<void> {
    if (!canApply(live.record.state, event)) throw new CallroomError('CALL_NOT_FOUND');
    const prev = live.record;
    // Never before createdAt, which may be a few ms ahead of the clock (see lastCreatedAt).
    const next = applyCallEvent(prev, event, Math.max(this.deps.clock.now(), prev.createdAt), by);
    live.record = next;
    if (next.state === 'ended') this.release(live);
    this.refreshPresence(live);
    await this.deps.store.updateCall(next, this.outbox(prev, next));
    if (next.state === 'ended') {
      if (!keepsInvitation(next)) await this.deps.meetings.uninvite(next.meetingID, next.callee);
      this.deps.onEnded?.(next);
    }
    const meeting = this.deps.meetings.info(prev.meetingID) ?? live.meeting;
    for (const n of noticesFor(prev, event, next, { usrExtDat, meeting })) {
      // A callee not yet told of the call (an invite cancelled mid-write) is told nothing of its end.
      if (n.userID === prev.callee && !live.announced) continue;
      this.tell(n);
    }
  }

  /** The webhook deliveries that go with a change of a call record (none without webhooks). */
  private outbox(prev: CallRecord | null, next: CallRecord) {
    return this.deps.webhooks?.rows(callEvents(prev, next));
  }

  private tell(n: Notice): boolean {
    return this.deps.sessions.deliver(n.userID, n.ev, n.payload as never);
  }

  private release(live: LiveCall): void {
    live.timer?.cancel();
    live.timer = null;
    const { callID, caller, callee, meetingID } = live.record;
    if (this.open.get(callID) === live) this.open.delete(callID);
    for (const u of [caller, callee]) {
      const set = this.byUser.get(u);
      set?.delete(live);
      if (set?.size === 0) this.byUser.delete(u);
    }
    const m = this.byMeeting.get(meetingID);
    m?.delete(live);
    if (m?.size === 0) this.byMeeting.delete(meetingID);
  }

  private refreshPresence(live: LiveCall): void {
    const p = this.deps.presence();
    p.refresh(live.record.caller);
    p.refresh(live.record.callee);
  }

  listFor(userID: string, limit: number, before?: number): Promise<CallRecord[]> {
    return this.deps.store.listCalls({ userID, limit, ...(before !== undefined ? { before } : {}) });
  }

  stop(): void {
    for (const live of this.open.values()) live.timer?.cancel();
  }
}
