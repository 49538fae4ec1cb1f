/**
 * Calls across a cluster, by the same contract and transition table as one node (calls/calls.ts,
 * calls/machine.ts), with the state in Redis. Every change is one Lua script (lua.ts) that checks
 * the state, applies the transition, writes the record and tells the parties, atomically:
 *
 * - accept against cancel, accept against reject, from any two nodes: the scripts are serialised
 *   by Redis; the second finds the call no longer ringing and gets CALL_NOT_FOUND (600). One
 *   outcome; each party told once (the notification is published by the winning script only).
 * - accept against the ring timeout: the timeout is a member of the sorted set `cr:ring` that every
 *   node polls; the `due` script removes and applies it atomically, so it fires once, whichever
 *   node runs it, and not at all if the accept came first. A call whose originating node died
 *   still times out: any live node's poll fires it.
 * - invite against invite (two callers, one callee; or crossing calls): the busy checks and the
 *   reservation of both parties are one script, so only one of them gets the callee.
 * - a party lost (logout, kick, resume grace over, node dead past the grace): the `gone`/`reap`
 *   scripts end the user's open call as lost, telling the other party by the contract.
 *
 * The record is durable as soon as Redis has it (see docs/operations.md, "Durability in cluster
 * mode"); a node acknowledges a request only after its script returned.
 */
import { CallroomError, type ErrorName } from '../../protocol/errors.js';
import type { CallRecord, MeetInfo } from '../../protocol/messages.js';
import type { InviteArgs } from '../calls/calls.js';
import { newCall } from '../calls/machine.js';
import type { Clock } from '../clock.js';
import type { CallService } from '../services.js';
import type { Session } from '../sessions.js';
import type { Store } from '../store/types.js';
import type { ClusterNode } from './node.js';
import type { ClusterSessions } from './sessions.js';

export interface ClusterCallsDeps {
  node: ClusterNode;
  store: Store;
  clock: Clock;
  sessions: ClusterSessions;
  ringTimeoutMs: number;
  onDelivered?(setupMs: number): void;
  onEnded?(call: CallRecord): void;
  onError?(err: unknown, callID: string): void;
}

/** Most ring timers fired by one poll. */
const DUE_BATCH = 200;

export class ClusterCalls implements CallService {
  private open = 0;

  constructor(private readonly deps: ClusterCallsDeps) {
    deps.node.every(() => this.fireDue());
  }

  get openCount(): number {
    return this.open;
  }

  /** Records returned by a script that ended calls (for metrics and the log). */
  ended(json: string): void {
    try {
      this.deps.onEnded?.(JSON.parse(json) as CallRecord);
    } catch {
      /* a hook must not break the caller */
    }
  }

  async invite(caller: Session, a: InviteArgs): Promise<{ callID: string; meeting: MeetInfo }> {
    const { clock, node, ringTimeoutMs } = this.deps;
    const receivedAt = clock.now();
    if (a.callee === caller.userID) throw new CallroomError('BAD_ARGUMENT', 'you cannot call yourself');
    const record = newCall(a.callID, caller.userID, a.callee, a.meetingID, receivedAt);
    const r = (await node.run(
      'invite',
      a.callID,
      caller.userID,
      caller.nickName,
      a.callee,
      a.meetingID,
      a.pswd ?? '',
      receivedAt + ringTimeoutMs,
      a.usrExtDat ?? '',
      JSON.stringify(record),
    )) as string[];
    const [status, meeting] = r;
    if (status === 'DUPLICATE') throw new CallroomError('BAD_ARGUMENT', `callID ${a.callID} is already in use`);
    if (status !== 'OK') throw new CallroomError(status as ErrorName);
    this.deps.onDelivered?.(clock.now() - receivedAt);
    return { callID: a.callID, meeting: JSON.parse(meeting!) as MeetInfo };
  }

  private async act(s: Session, callID: string, op: 'accept' | 'reject' | 'hangup', usrExtDat: string) {
    const r = (await this.deps.node.run('act', callID, s.userID, op, usrExtDat)) as string[];
    if (r[0] !== 'OK') throw new CallroomError('CALL_NOT_FOUND');
    const rec = JSON.parse(r[2]!) as CallRecord;
    if (rec.state === 'ended') this.deps.onEnded?.(rec);
    return { event: r[1]!, record: rec, meeting: JSON.parse(r[3]!) as MeetInfo };
  }

  async accept(s: Session, callID: string, usrExtDat = ''): Promise<{ callID: string; meeting: MeetInfo }> {
    const { meeting } = await this.act(s, callID, 'accept', usrExtDat);
    return { callID, meeting };
  }

  async reject(s: Session, callID: string, usrExtDat = ''): Promise<{ callID: string }> {
    await this.act(s, callID, 'reject', usrExtDat);
    return { callID };
  }

  async hangup(s: Session, callID: string, usrExtDat = ''): Promise<{ callID: string }> {
    await this.act(s, callID, 'hangup', usrExtDat);
    return { callID };
  }

  async userGone(userID: string): Promise<void> {
    try {
      const ended = (await this.deps.node.run('gone', userID, this.deps.node.id)) as string;
      if (ended) this.ended(ended);
    } catch (err) {
      this.deps.onError?.(err, `user:${userID}`);
    }
  }

  async isInCall(userID: string): Promise<boolean> {
    return (await this.deps.node.redis.exists(`cr:usercall:${userID}`)) === 1;
  }

  loggedIn(s: Session, _resuming: boolean): void {
    for (const m of this.deps.sessions.takeMail(s)) s.send(m.ev as 'call.hungup', m.p as never);
  }

  listFor(userID: string, limit: number, before?: number): Promise<CallRecord[]> {
    return this.deps.store.listCalls({ userID, limit, ...(before !== undefined ? { before } : {}) });
  }

  /** Fires due ring timers (any node may; each fires once) and refreshes the open-call gauge. */
  private async fireDue(): Promise<void> {
    const ended = (await this.deps.node.run('due', DUE_BATCH)) as string[];
    for (const e of ended) this.ended(e);
    this.open = Number(await this.deps.node.redis.scard('cr:open'));
  }
}
