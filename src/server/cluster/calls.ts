/**
 * Calls across a cluster: the rulebook (rules/calls.ts) and the machine (calls/machine.ts) run
 * here, on facts read from Redis; the scripts (lua.ts) only check that those facts still hold and
 * write the result with the events it produces, atomically (compare-and-set):
 *
 * - invite: `invitefacts` reads what the checks need; `reserve` creates the call and reserves both
 *   parties only if nothing they were checked on changed (else CONFLICT, and the checks run again).
 *   Two invites for one callee from two nodes: one reserves, the other sees the callee busy.
 * - accept / reject / hang up / timeout / lost: `load` reads the record; the machine gives the new
 *   one and the rulebook its notices; `commit` writes them only if the call is still in the state
 *   they were decided on. Accept against cancel from two nodes: the second commit conflicts, reads
 *   the ended call and gets CALL_NOT_FOUND (600). One outcome; each party told once.
 * - ring timeout: a member of the sorted set `cr:ring` that every node polls; `due` claims each due
 *   timer for a lease, so that a node that dies holding one leaves it to the next poll anywhere.
 * - a callee who is not connected (--offline-ring): `reserve` keeps the ring's payload on the call
 *   (`wait`) instead of telling anyone; the callee's next login, on any node, reads it (`waiting`),
 *   the rulebook makes the ring with the time left (`incomingNotice`), and `ringwaiting` delivers it
 *   if the call still waits. The ring deadline is the offline-ring wait, in `cr:ring` as any other.
 * - webhooks: the events of each change (webhooks/events.ts) go to the script that commits it, which
 *   appends them to the outbox in Redis (outbox.ts).
 *
 * The record is durable as soon as Redis has it (docs/operations.md, "Durability in cluster mode");
 * a node acknowledges a request only after its script returned.
 */
import { CallroomError } from '../../protocol/errors.js';
import type { CallMedia, CallRecord, EventPayload, MeetInfo, SessionCall } from '../../protocol/messages.js';
import type { InviteArgs } from '../calls/calls.js';
import { applyCallEvent, canApply, newCall, type CallEvent } from '../rules/machine.js';
import { applyMediaReport } from '../rules/call-media.js';
import type { Clock } from '../clock.js';
import { checkInvite, eventForRequest, incomingNotice, keepsInvitation, noticesFor, oldestCall, ringFor, sessionCall, type CallRequest, type Notice, type OpenCallFact } from '../rules/calls.js';
import { calleeOfflineEvents, callEvents } from '../webhooks/events.js';
import type { WebhookReport } from './outbox.js';
import { meetingAccess, meetInfo, type MeetingFacts } from '../rules/meetings.js';
import type { CallService } from '../services.js';
import type { Session } from '../sessions.js';
import { storedCall, type Store } from '../store/types.js';
import type { ClusterNode } from './node.js';
import type { ClusterSessions } from './sessions.js';

export interface ClusterCallsDeps {
  node: ClusterNode;
  store: Store;
  clock: Clock;
  sessions: ClusterSessions;
  ringTimeoutMs: number;
  /** How long a call to a user who is not connected waits for them (0: it fails at once, 603). */
  offlineRingMs?: number;
  /** Webhooks: the outbox argument of a change's events, appended by the script that commits it. */
  report?: WebhookReport;
  publicUrl(): string;
  onDelivered?(setupMs: number): void;
  onEnded?(call: CallRecord): void;
  onError?(err: unknown, what: string): void;
}

/** Most ring timers claimed by one poll. */
const DUE_BATCH = 200;
/** How long a claimed ring timer is left to its node before another may fire it. */
const DUE_LEASE_MS = 500;
/** Decisions retried on fresh facts before the request fails as overloaded. */
const CONFLICT_RETRIES = 8;

interface InviteFactsRead {
  taken: boolean;
  meeting: MeetingFacts | null;
  /** Lua's cjson writes an empty list as {}. */
  callerCalls: OpenCallFact[] | Record<string, never>;
  callerKey: string;
  meetingParties: string[] | Record<string, never>;
  meetingKey: string;
  calleeSid: string;
  calleeDnd: boolean;
  calleeInCall: boolean;
}

function list<T>(x: T[] | Record<string, never>): T[] {
  return Array.isArray(x) ? x : [];
}

interface Loaded {
  record: CallRecord;
  /** The record as stored (JSON): what a compare-and-set compares. */
  raw: string;
  /** The meeting as the call was placed. */
  atInvite: MeetInfo;
  /** The meeting now, if it still exists. */
  now: MeetInfo | undefined;
}

/** What a party asks of a loaded call: the transition, or null when it is not theirs. */
type Decide = (rec: CallRecord) => { event: CallEvent; by: string | null } | null;

export class ClusterCalls implements CallService {
  private open = 0;

  constructor(private readonly deps: ClusterCallsDeps) {
    deps.node.every(() => this.fireDue());
  }

  get openCount(): number {
    return this.open;
  }

  async invite(caller: Session, a: InviteArgs): Promise<{ callID: string; meeting: MeetInfo }> {
    const { clock, node, ringTimeoutMs } = this.deps;
    const receivedAt = clock.now();
    for (let i = 0; i < CONFLICT_RETRIES; i++) {
      const f = JSON.parse((await node.run('invitefacts', a.callID, caller.userID, a.callee, a.meetingID)) as string) as InviteFactsRead;
      const failed = checkInvite({
        callerID: caller.userID,
        calleeID: a.callee,
        callIDTaken: f.taken,
        meetingAccess: meetingAccess(f.meeting ?? undefined, caller.userID, a.pswd),
        meetingID: a.meetingID,
        callerCalls: list(f.callerCalls),
        meetingParties: list(f.meetingParties),
        calleeOnline: f.calleeSid !== '',
        offlineRing: (this.deps.offlineRingMs ?? 0) > 0,
        calleeDnd: f.calleeDnd,
        calleeInCall: f.calleeInCall,
      });
      if (failed) {
        // The backend hears of a call to a user who is not connected (it may wake their app).
        if (failed.name === 'PEER_OFFLINE' && this.deps.report) await node.run('whappend', this.deps.report(calleeOfflineEvents(a.callID, caller.userID, a.callee, receivedAt)));
        throw new CallroomError(failed.name, failed.message);
      }
      // A callee who is not connected: the call waits for them (--offline-ring), they ring when they log in.
      const ringMs = ringFor(f.calleeSid !== '', { ringTimeoutMs, offlineRingMs: this.deps.offlineRingMs ?? 0 });
      const record = newCall(a.callID, caller.userID, a.callee, a.meetingID, receivedAt, a.callType);
      const meeting = meetInfo(f.meeting!, this.deps.publicUrl());
      const incoming = incomingNotice(record, { userID: caller.userID, nickName: caller.nickName }, meeting, a.usrExtDat ?? '');
      const r = await node.run(
        'reserve',
        a.callID,
        caller.userID,
        a.callee,
        a.meetingID,
        f.calleeSid,
        receivedAt + ringMs,
        JSON.stringify(record),
        JSON.stringify(meeting),
        JSON.stringify(incoming.payload),
        f.callerKey,
        f.meetingKey,
        this.report(callEvents(null, record)),
      );
      if (r === 'OK') {
        // The caller's success means "delivered or waiting".
        if (f.calleeSid !== '') this.deps.onDelivered?.(clock.now() - receivedAt);
        return { callID: a.callID, meeting };
      }
    }
    throw new CallroomError('SERVER_ERROR', 'the call could not be placed: too many concurrent changes; try again');
  }

  async accept(s: Session, callID: string, usrExtDat = ''): Promise<{ callID: string; meeting: MeetInfo }> {
    const { loaded } = await this.act(s, callID, 'accept', usrExtDat);
    return { callID, meeting: loaded.atInvite };
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
    for (let i = 0; i < CONFLICT_RETRIES; i++) {
      const loaded = await this.load('load', callID);
      const next = loaded && applyMediaReport(loaded.record, s.userID, report);
      if (!loaded || !next) throw new CallroomError('CALL_NOT_FOUND');
      if (next === loaded.record) return { callID, media: next.media ?? report };
      if ((await this.deps.node.run('amend', callID, loaded.raw, JSON.stringify(next))) === 'OK') return { callID, media: next.media ?? report };
    }
    throw new CallroomError('SERVER_ERROR', 'the call could not be changed: too many concurrent changes; try again');
  }

  private async act(s: Session, callID: string, op: CallRequest, usrExtDat: string) {
    const done = await this.transition(
      () => this.load('load', callID),
      (rec) => {
        const event = eventForRequest(rec, s.userID, op);
        return event ? { event, by: s.userID } : null;
      },
      usrExtDat,
    );
    if (!done) throw new CallroomError('CALL_NOT_FOUND');
    return done;
  }

  /**
   * Loads a call, decides its transition, and commits it with its notices if the call is still as
   * loaded; on a conflict, loads and decides again. Null when there is no call or the decision is
   * that nothing applies.
   */
  private async transition(load: () => Promise<Loaded | null>, decide: Decide, usrExtDat: string): Promise<{ loaded: Loaded; next: CallRecord } | null> {
    for (let i = 0; i < CONFLICT_RETRIES; i++) {
      const loaded = await load();
      if (!loaded) return null;
      const prev = loaded.record;
      const d = decide(prev);
      if (!d || !canApply(prev.state, d.event)) return null;
      const next = applyCallEvent(prev, d.event, Math.max(this.deps.clock.now(), prev.createdAt), d.by);
      const notices = noticesFor(prev, d.event, next, { usrExtDat, meeting: loaded.now ?? loaded.atInvite });
      const uninvite = next.state === 'ended' && !keepsInvitation(next) ? '1' : '';
      const r = await this.deps.node.run('commit', prev.callID, prev.state, JSON.stringify(next), next.state, uninvite, loaded.raw, this.report(callEvents(prev, next)), ...flatten(notices));
      if (r === 'OK') {
        if (next.state === 'ended') this.deps.onEnded?.(next);
        return { loaded, next };
      }
    }
    throw new CallroomError('SERVER_ERROR', 'the call could not be changed: too many concurrent changes; try again');
  }

  private async load(script: 'load', key: string): Promise<Loaded | null> {
    const r = (await this.deps.node.run(script, key)) as string[] | null;
    if (!r) return null;
    return {
      record: storedCall(r[0]!),
      raw: r[0]!,
      atInvite: JSON.parse(r[1]!) as MeetInfo,
      now: r[2] ? meetInfo(JSON.parse(r[2]) as MeetingFacts, this.deps.publicUrl()) : undefined,
    };
  }

  /** The user's open callIDs (several when people were added to their call). */
  private callIDsOf(userID: string): Promise<string[]> {
    return this.deps.node.redis.smembers(`cr:usercall:${userID}`);
  }

  /** The user is gone for good: each of their open calls ends as lost, by the contract. */
  async lose(userID: string): Promise<void> {
    await Promise.all(
      (await this.callIDsOf(userID)).map(async (id) => {
        try {
          await this.transition(() => this.load('load', id), () => ({ event: 'lost', by: userID }), '');
        } catch (err) {
          this.deps.onError?.(err, `user:${userID}`);
        }
      }),
    );
  }

  /**
   * Ends, as lost, open calls a party of which has had no session anywhere for the grace (see the
   * `orphans` script): what a single node's restore does for calls a crash left open.
   */
  async endOrphans(graceMs: number): Promise<void> {
    const r = (await this.deps.node.run('orphans', graceMs)) as string[];
    for (let i = 0; i < r.length; i += 2) {
      const user = r[i + 1]!;
      try {
        await this.transition(() => this.load('load', r[i]!), () => ({ event: 'lost', by: user }), '');
      } catch (err) {
        this.deps.onError?.(err, r[i]!);
      }
    }
  }

  async userGone(userID: string): Promise<void> {
    // Only when the session that ended here left its user offline; a session replaced by a login
    // elsewhere leaves the call to that login (kicked: lost; resumed: carries on).
    if ((await this.deps.sessions.leftCall(userID)) !== '') await this.lose(userID);
  }

  async sessionInfo(userID: string): Promise<SessionCall | null> {
    const all = await Promise.all((await this.callIDsOf(userID)).map((id) => this.load('load', id)));
    const loaded = oldestCall(all.filter((l): l is Loaded => l !== null && l.record.state !== 'ended'));
    if (!loaded) return null;
    const { record } = loaded;
    const peer = record.caller === userID ? record.callee : record.caller;
    const { redis } = this.deps.node;
    const sid = await redis.hget(`cr:user:${peer}`, 'sid');
    const nick = sid ? await redis.hget(`cr:sess:${sid}`, 'nick') : null;
    return sessionCall(record, loaded.atInvite, userID, nick ?? undefined);
  }

  async isInCall(userID: string): Promise<boolean> {
    return (await this.deps.node.redis.exists(`cr:usercall:${userID}`)) === 1;
  }

  loggedIn(s: Session, _resuming: boolean): void {
    // Nothing else to hand over: what happened meanwhile is in the session's log (see ClusterSessions).
    if ((this.deps.offlineRingMs ?? 0) > 0) void this.ringWaiting(s).catch((err: unknown) => this.deps.onError?.(err, `user:${s.userID}`));
  }

  /** A new session of a callee a call waits for: the call rings on it for the time it has left. */
  private async ringWaiting(s: Session): Promise<void> {
    const { node, clock } = this.deps;
    const r = (await node.run('waiting', s.userID)) as string[] | null;
    if (!r) return;
    const [callID, recj, meetingNow, waitj, until] = r as [string, string, string, string, string];
    const record = JSON.parse(recj) as CallRecord;
    if (record.callee !== s.userID || record.state !== 'ringing') return;
    const atInvite = JSON.parse(waitj) as EventPayload<'call.incoming'>;
    const meeting = meetingNow ? meetInfo(JSON.parse(meetingNow) as MeetingFacts, this.deps.publicUrl()) : atInvite.meeting;
    const left = Math.max(0, Number(until) - clock.now());
    const n = incomingNotice(record, atInvite.caller, meeting, atInvite.usrExtDat, left);
    await node.run('ringwaiting', callID, s.userID, s.id, JSON.stringify(n.payload));
  }

  /** The outbox argument of a change's webhook events ('' without webhooks). */
  private report(events: ReturnType<typeof callEvents>): string {
    return this.deps.report ? this.deps.report(events) : '';
  }

  listFor(userID: string, limit: number, before?: number): Promise<CallRecord[]> {
    return this.deps.store.listCalls({ userID, limit, ...(before !== undefined ? { before } : {}) });
  }

  /** Fires due ring timers (any node may; each fires once) and refreshes the open-call gauge. */
  private async fireDue(): Promise<void> {
    const ids = (await this.deps.node.run('due', DUE_BATCH, DUE_LEASE_MS)) as string[];
    await Promise.all(
      ids.map(async (id) => {
        try {
          const done = await this.transition(() => this.load('load', id), () => ({ event: 'timeout', by: null }), '');
          // Answered or ended meanwhile: the timer has nothing left to do.
          if (!done) await this.deps.node.redis.zrem('cr:ring', id);
        } catch (err) {
          this.deps.onError?.(err, id);
        }
      }),
    );
    this.open = Number(await this.deps.node.redis.scard('cr:open'));
  }
}

/** Notices as the `commit` script takes them: user, event, payload JSON. */
function flatten(notices: Notice[]): string[] {
  return notices.flatMap((n) => [n.userID, n.ev, JSON.stringify(n.payload)]);
}
