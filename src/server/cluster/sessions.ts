/**
 * The session registry of a cluster node: sessions stay in this node's memory (a session
 * outlives its socket for the resume grace, see gateway/session.ts), and each current session is
 * also entered in the Redis directory `cr:user:<userID>` → {node, sid}, which is how other nodes
 * find the user.
 *
 * Races, and how they come out:
 * - Two logins of one user on two nodes at once: the `claim` scripts run one after the other; the
 *   second kicks the first (the directory keeps the last), as on one node.
 * - A session ends here while the user logs in on another node: `release` deletes the directory
 *   entry only if it still names this session, so the newer login is never erased.
 * - An event sent to a user whose session just moved: the node that receives it delivers it only
 *   to the session it names (meeting events) or to the user's current session here (calls).
 */
import type { Session } from '../sessions.js';
import { SessionRegistry } from '../sessions.js';
import type { ClusterNode } from './node.js';

export class ClusterSessions extends SessionRegistry {
  /** Mailbox entries handed over at login (events sent while the user's node was dead). */
  private readonly mail = new Map<string, { ev: string; p: unknown }[]>();

  constructor(
    private readonly node: ClusterNode,
    private readonly onCallEnded: (recordJson: string) => void,
  ) {
    super();
  }

  override announce(s: Session, resumeSessionID?: string): Promise<void> {
    return this.node.run('claim', s.userID, this.node.id, s.id, s.nickName, resumeSessionID ?? '').then((r) => {
      const [ended, ...box] = r as string[];
      if (ended) this.onCallEnded(ended);
      if (box.length > 0) this.mail.set(s.id, box.map((b) => JSON.parse(b) as { ev: string; p: unknown }));
    });
  }

  /** What was kept for this session's user while their node was down (taken once). */
  takeMail(s: Session): { ev: string; p: unknown }[] {
    const box = this.mail.get(s.id) ?? [];
    this.mail.delete(s.id);
    return box;
  }

  override remove(s: Session): boolean {
    const was = super.remove(s);
    this.mail.delete(s.id);
    // Issued now, so it reaches Redis before the `gone` script endSession runs next.
    if (was) void this.node.run('release', s.userID, this.node.id, s.id).catch(() => {});
    return was;
  }
}
