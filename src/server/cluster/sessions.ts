/**
 * The session registry of a cluster node. A session's state lives in Redis (`cr:sess:<sid>`: its
 * user, node, meeting and the numbered log of its events), so that a client may resume it on any
 * node; the node holding it keeps the socket and a `LiveSession` for it. The directory
 * `cr:user:<userID>` names the user's current session.
 *
 * Races, and how they come out:
 * - Two logins of one user on two nodes at once: the `login` scripts run one after the other; the
 *   second kicks the first (the directory keeps the last), as on one node.
 * - A resume on node B of a session held by node A: the script moves the session to B and tells A
 *   (`moved`), which lets go of it without ending it. Events appended before the move are in the
 *   frames the script returns; events after it are published to B.
 * - A session ends here while the user logs in on another node: `release` drops only this
 *   session, and tells whether the user is now offline (their call is then lost).
 */
import { randomUUID } from 'node:crypto';
import type { EventName, EventPayload } from '../../protocol/messages.js';
import { LiveSession } from '../gateway/session.js';
import type { Core } from '../core.js';
import type { Session, SharedEventLog } from '../sessions.js';
import { SessionRegistry } from '../sessions.js';
import type { ClusterFrame, ClusterNode } from './node.js';

const STOPPED = '{"ev":"meeting.stopped"';

export interface ClusterLogin {
  session: LiveSession;
  /** Resumed: what the client missed, to send once the login result is out. */
  resumed: { frames: string[]; seq: number; subscribed: boolean } | null;
  /** A new session whose user had an open call that this login ends (a kick, or a fresh client). */
  endsCall: boolean;
}

export class ClusterSessions extends SessionRegistry implements SharedEventLog {
  override readonly sharedLog: SharedEventLog = this;
  private readonly bySid = new Map<string, LiveSession>();
  /** Whether each session that ended here left its user offline (see `release`), for userGone. */
  private readonly gone = new Map<string, Promise<string>>();
  private batch: (string | number)[] = [];

  /**
   * @param presenceReport webhooks: the outbox argument of a user's user.online / user.offline event
   * (webhooks/events.ts presenceEvents), appended by the script that makes them online or offline.
   */
  constructor(
    private readonly node: ClusterNode,
    private readonly presenceReport: (userID: string, online: boolean) => string = () => '',
  ) {
    super();
    node.onFrame = (f: ClusterFrame) => {
      const s = this.bySid.get(f.sid);
      if (!s) return;
      // The session's meeting is gone: as on one node, the session is in none from now on.
      if (f.frame.startsWith(STOPPED) && s.meetingID === (JSON.parse(f.frame) as { meetingID: number }).meetingID) s.meetingID = null;
      s.deliverShared(f.seq, f.frame);
    };
    node.onResubscribed = () => {
      for (const s of this.bySid.values()) void s.repair();
    };
  }

  /** The session `sid` if it is held by this node. */
  session(sid: string): LiveSession | undefined {
    return this.bySid.get(sid);
  }

  /**
   * Logs a user in on this node: resumes `resume` (held by any node) if its log still has every
   * event after `lastSeq`, else starts a new session.
   */
  async login(core: Core, userID: string, nickName: string, resume?: { sessionID: string; lastSeq: number }): Promise<ClusterLogin> {
    const sid = randomUUID();
    const r = (await this.node.run('login', userID, this.node.id, sid, nickName, resume?.sessionID ?? '', resume?.lastSeq ?? 0, this.presenceReport(userID, true))) as string[];
    if (r[0] === 'RESUMED') {
      const rsid = resume!.sessionID;
      let s = this.bySid.get(rsid);
      if (!s || s.ended) {
        s = new LiveSession(core, null, userID, nickName, rsid, Number(r[1]));
        this.bySid.set(rsid, s);
      }
      s.meetingID = r[2] ? Number(r[2]) : null;
      this.byUserSet(s);
      return { session: s, resumed: { frames: r.slice(4), seq: Number(r[1]), subscribed: r[3] === '1' }, endsCall: false };
    }
    const [, oldSid, call, tried] = r;
    const s = new LiveSession(core, null, userID, nickName, sid, 0);
    this.bySid.set(sid, s);
    const older = this.byUserSet(s);
    if (older) older.close('KICKED');
    else if (oldSid) this.bySid.get(oldSid)?.close('KICKED');
    const endsCall = call !== '' && tried !== '1';
    // The older session's call ends with it (what a kick does on one node); see ClusterCalls.userGone.
    if (endsCall) this.gone.set(userID, Promise.resolve(call!));
    return { session: s, resumed: null, endsCall };
  }

  private byUserSet(s: LiveSession): Session | undefined {
    return super.add(s);
  }

  /** Another node took the session over (a resume there), or kicked it (a login there). */
  movedAway(sid: string): void {
    const s = this.bySid.get(sid);
    if (!s) return;
    this.bySid.delete(sid);
    super.remove(s);
    s.handOver();
  }

  kick(sid: string): void {
    this.bySid.get(sid)?.close('KICKED');
  }

  append<E extends EventName>(s: Session, ev: E, payload: EventPayload<E>): void {
    // Events raised together (a status change for every subscriber) go to Redis in one script.
    if (this.batch.length === 0) queueMicrotask(() => this.flush());
    this.batch.push(s.id, ev, JSON.stringify(payload));
  }

  private flush(): void {
    const args = this.batch;
    this.batch = [];
    if (args.length > 0) void this.node.run('emit', ...args).catch(() => {});
  }

  async missed(s: Session, seq: number): Promise<string[] | null> {
    const r = (await this.node.run('replay', s.id, seq)) as string[] | null;
    return r ?? null;
  }

  acknowledged(s: Session, seq: number): void {
    void this.node.run('ack', s.id, seq).catch(() => {});
  }

  override remove(s: Session): boolean {
    const was = super.remove(s);
    if (this.bySid.get(s.id) === s) this.bySid.delete(s.id);
    // Issued now, so it reaches Redis before the scripts the end of the session runs next.
    this.gone.set(s.userID, (this.node.run('release', s.id, s.userID, this.node.id, this.presenceReport(s.userID, false)) as Promise<string>).catch(() => ''));
    return was;
  }

  /** The open call a session that just ended here leaves behind, if its user is now offline. */
  async leftCall(userID: string): Promise<string> {
    const p = this.gone.get(userID);
    this.gone.delete(userID);
    return p ? p : '';
  }
}
