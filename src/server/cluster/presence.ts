/**
 * User status across a cluster. Every script that changes a fact a status derives from (the
 * directory, a user's open call, meeting, DND) publishes the user's facts on `cr:ch:all`, in
 * Redis's order; each node derives the status with the rulebook (rules/status.ts) and tells its
 * own subscribed sessions when it differs from the last one it saw. All nodes see the same facts
 * in the same order, so they agree on what changed. DND is cached on every node from those facts,
 * for the login result; the busy check of an invite reads Redis itself.
 */
import type { UserStatus } from '../../protocol/messages.js';
import { statusKey, userStatus, type StatusFacts } from '../rules/status.js';
import type { PresenceService } from '../services.js';
import type { Session } from '../sessions.js';
import type { ClusterNode } from './node.js';

export class ClusterPresence implements PresenceService {
  private readonly dnd = new Set<string>();
  private readonly lastSeen = new Map<string, string>();
  private readonly subscribers = new Set<Session>();

  constructor(
    private readonly node: ClusterNode,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    node.onMessage((m) => {
      if (m.t === 'facts') this.changed(m.f);
    });
  }

  private changed(f: StatusFacts): void {
    if (f.dnd) this.dnd.add(f.userID);
    else this.dnd.delete(f.userID);
    const st = userStatus(f);
    const key = statusKey(st);
    if ((this.lastSeen.get(f.userID) ?? '0:0') === key) return;
    if (st.status === 0) this.lastSeen.delete(f.userID);
    else this.lastSeen.set(f.userID, key);
    for (const s of this.subscribers) s.send('user.status', st);
  }

  async load(): Promise<void> {
    for (const u of await this.node.redis.smembers('cr:dnd')) this.dnd.add(u);
  }

  hasDnd(userID: string): boolean {
    return this.dnd.has(userID);
  }

  async setDnd(userID: string, on: boolean): Promise<void> {
    if (on) this.dnd.add(userID);
    else this.dnd.delete(userID);
    await this.node.run('dnd', userID, on ? '1' : '0');
  }

  private async statuses(...userIDs: string[]): Promise<UserStatus[]> {
    return (JSON.parse((await this.node.run('facts', ...userIDs)) as string) as StatusFacts[]).map(userStatus);
  }

  async statusOf(userID: string): Promise<UserStatus> {
    return (await this.statuses(userID))[0]!;
  }

  onlineStatuses(): Promise<UserStatus[]> {
    return this.statuses();
  }

  subscribe(s: Session): void {
    s.statusSubscribed = true;
    this.subscribers.add(s);
    void this.node.run('subscribe', s.id, '1').catch(this.onError);
  }

  unsubscribe(s: Session): void {
    s.statusSubscribed = false;
    this.subscribers.delete(s);
    void this.node.run('subscribe', s.id, '').catch(this.onError);
  }

  /** The session moved here or away (a resume): its subscription moves with it. */
  adopt(s: Session, subscribed: boolean): void {
    if (subscribed) {
      s.statusSubscribed = true;
      this.subscribers.add(s);
    }
  }

  forget(s: Session): void {
    this.subscribers.delete(s);
  }

  refresh(_userID: string): void {
    // The scripts that change a status's facts publish them (see `changed`).
  }
}
