/**
 * User status: 0 offline, 1 online and idle, 2 in a call, 3 in a meeting, plus the DND flag.
 * Status is derived from sessions, calls and meetings by the rule in rules/status.ts; `refresh(userID)` recomputes it after
 * any change and tells the subscribers when it differs from what they last saw.
 */
import type { UserStatus } from '../../protocol/messages.js';
import { statusKey, userStatus } from '../rules/status.js';
import type { Session, SessionRegistry } from '../sessions.js';
import type { Store } from '../store/types.js';

export interface PresenceDeps {
  sessions: SessionRegistry;
  store: Store;
  isInCall(userID: string): boolean;
  isInMeeting(userID: string): boolean;
  /** A user came online or went offline (their status left or reached 0). */
  onOnline?(userID: string, online: boolean): void;
}

export class Presence {
  private readonly dnd = new Set<string>();
  private readonly lastSent = new Map<string, string>();
  private readonly subscribers = new Set<Session>();

  constructor(private readonly deps: PresenceDeps) {}

  async load(): Promise<void> {
    for (const u of await this.deps.store.loadDnd()) this.dnd.add(u);
  }

  hasDnd(userID: string): boolean {
    return this.dnd.has(userID);
  }

  async setDnd(userID: string, on: boolean): Promise<void> {
    if (on) this.dnd.add(userID);
    else this.dnd.delete(userID);
    await this.deps.store.setDnd(userID, on);
    this.refresh(userID);
  }

  statusOf(userID: string): UserStatus {
    const { sessions, isInCall, isInMeeting } = this.deps;
    const online = sessions.isOnline(userID);
    return userStatus({ userID, online, inCall: online && isInCall(userID), inMeeting: online && isInMeeting(userID), dnd: this.dnd.has(userID) });
  }

  /** Status of every online user. */
  onlineStatuses(): UserStatus[] {
    const out: UserStatus[] = [];
    for (const s of this.deps.sessions.values()) out.push(this.statusOf(s.userID));
    return out;
  }

  subscribe(s: Session): void {
    s.statusSubscribed = true;
    this.subscribers.add(s);
  }

  unsubscribe(s: Session): void {
    s.statusSubscribed = false;
    this.subscribers.delete(s);
  }

  /** Recomputes a user's status and notifies subscribers if it changed. */
  refresh(userID: string): void {
    const st = this.statusOf(userID);
    const key = statusKey(st);
    const prev = this.lastSent.get(userID) ?? '0:0';
    if (prev === key) return;
    const wasOnline = !prev.startsWith('0:');
    const isOnline = st.status !== 0;
    if (wasOnline !== isOnline) this.deps.onOnline?.(userID, isOnline);
    if (key === '0:0') this.lastSent.delete(userID);
    else this.lastSent.set(userID, key);
    for (const sub of this.subscribers) sub.send('user.status', st);
  }
}
