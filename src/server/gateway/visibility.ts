/**
 * Whose status a user may see (`--presence`): `all` online users (the reference SDK's behaviour),
 * only their `contacts` (users they have called or been called by, plus the `contacts` claim of
 * their token), or `none` (only themselves). A user they may not see reads exactly as an
 * offline one, so nothing tells a hidden user from an absent one.
 */
import type { UserStatus } from '../../protocol/messages.js';
import type { PresenceMode } from '../core.js';
import type { Store } from '../store/types.js';

/** Contacts remembered per user (the newest win). */
export const MAX_CONTACTS = 1000;
/** Call records read to learn a user's contacts when the user logs in. */
const HISTORY_READ = 200;

export class Visibility {
  private readonly contacts = new Map<string, Set<string>>();

  constructor(
    readonly mode: PresenceMode,
    private readonly store: Pick<Store, 'listCalls'>,
  ) {}

  canSee(viewer: string, subject: string): boolean {
    if (viewer === subject || this.mode === 'all') return true;
    if (this.mode === 'none') return false;
    return this.contacts.get(viewer)?.has(subject) ?? false;
  }

  /** The status as `viewer` may see it: a hidden user reads as offline. */
  view(viewer: string, st: UserStatus): UserStatus {
    return this.canSee(viewer, st.userID) ? st : { userID: st.userID, status: 0, dnd: false };
  }

  /** Only the users `viewer` may see, of a list of online users. */
  filter(viewer: string, list: UserStatus[]): UserStatus[] {
    return this.mode === 'all' ? list : list.filter((s) => this.canSee(viewer, s.userID));
  }

  /** `a` and `b` are in a call together: each becomes the other's contact. Returns whether that is new. */
  connect(a: string, b: string): boolean {
    if (this.mode !== 'contacts') return false;
    const known = this.canSee(a, b) && this.canSee(b, a);
    this.add(a, b);
    this.add(b, a);
    return !known;
  }

  /** At login: the token's contacts and the users of the recent call history. */
  async learn(userID: string, fromToken: string[]): Promise<void> {
    if (this.mode !== 'contacts') return;
    for (const c of fromToken) this.add(userID, c);
    for (const r of await this.store.listCalls({ userID, limit: HISTORY_READ })) {
      this.connect(r.caller, r.callee);
    }
  }

  private add(owner: string, other: string): void {
    if (this.mode !== 'contacts') return;
    if (owner === other) return;
    let set = this.contacts.get(owner);
    if (!set) this.contacts.set(owner, (set = new Set()));
    set.delete(other);
    set.add(other);
    if (set.size > MAX_CONTACTS) set.delete(set.values().next().value as string);
  }
}
