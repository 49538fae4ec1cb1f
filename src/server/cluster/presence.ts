/**
 * User status across a cluster. Status is derived in Redis from the directory (online), the
 * user's open call (`cr:usercall:<u>`) and meeting, plus the DND set; every script that changes
 * one of them recomputes the status and, when it differs from the last one announced
 * (`cr:laststatus`, shared by all nodes), broadcasts it once on `cr:ch:all`. Each node hands
 * the broadcast to its own subscribed sessions. DND is also cached on every node from those
 * broadcasts, for the login result; the busy check of an invite reads Redis itself.
 */
import type { UserStatus } from '../../protocol/messages.js';
import type { PresenceService } from '../services.js';
import type { Session } from '../sessions.js';
import type { ClusterNode } from './node.js';

export class ClusterPresence implements PresenceService {
  private readonly dnd = new Set<string>();
  private readonly subscribers = new Set<Session>();

  constructor(
    private readonly node: ClusterNode,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    node.onMessage((m) => {
      if (m.t !== 'status') return;
      if (m.st.dnd) this.dnd.add(m.st.userID);
      else this.dnd.delete(m.st.userID);
      for (const s of this.subscribers) s.send('user.status', m.st);
    });
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

  async statusOf(userID: string): Promise<UserStatus> {
    const [st] = JSON.parse((await this.node.run('statuses', userID)) as string) as UserStatus[];
    return st!;
  }

  async onlineStatuses(): Promise<UserStatus[]> {
    return JSON.parse((await this.node.run('statuses')) as string) as UserStatus[];
  }

  subscribe(s: Session): void {
    s.statusSubscribed = true;
    this.subscribers.add(s);
  }

  unsubscribe(s: Session): void {
    s.statusSubscribed = false;
    this.subscribers.delete(s);
  }

  refresh(userID: string): void {
    void this.node.run('refresh', userID).catch(this.onError);
  }
}
