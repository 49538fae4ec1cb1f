/**
 * EnterGate: keeps a meeting's events in step with this client's own `meeting.enter`.
 *
 * The server answers `meeting.enter` with the members already there and tells every member of
 * each later arrival (`meeting.memberJoined`). Those two can reach the client in either order,
 * and in one socket read: a member who entered a moment after us may be announced before our own
 * enter result has been delivered to the code that awaits it. An app (or the facade) that takes
 * the member list from the result and then applies the events would miss that member.
 *
 * The rule the gate gives (docs/protocol.md §8, "Members seen once"):
 * - while an enter of meeting M is unanswered, and in the read that brings its result, events
 *   about M are held;
 * - once something is held, every later event is held behind it, so the order stays the seq order;
 * - the held events are emitted after the enter result has been delivered (after the microtasks
 *   that follow it: the awaiting code has run), before any frame of a later read is handled;
 * - a held `meeting.memberJoined` of a user who is in the result's member list (and did not
 *   leave in between) is dropped: the list already reports them.
 * So each other member is seen once: in the result's list, or by one memberJoined after it.
 */
import type { EventName, Member } from '../protocol/messages.js';

interface Held {
  ev: EventName;
  payload: Record<string, unknown>;
}

/** Runs `fn` after the current task and its microtasks, before the next socket read if it can. */
export function afterThisTask(fn: () => void): void {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  if (typeof g.setImmediate === 'function') g.setImmediate(fn);
  else setTimeout(fn, 0);
}

export class EnterGate {
  /** meetingID → enters of it awaiting their result. */
  private readonly entering = new Map<number, number>();
  private queue: Held[] = [];
  /** Per meeting whose enter succeeded while events were held: the user IDs its result listed. */
  private readonly listed = new Map<number, Set<string>>();
  /** Meetings whose enter was answered and whose events are not yet released. */
  private readonly settling = new Set<number>();
  private releaseDue = false;
  /** True from a result until the microtasks of that turn have run (same-read frames). */
  private sameTurn = false;

  constructor(
    private readonly emit: (ev: EventName, payload: Record<string, unknown>) => void,
    private readonly later: (fn: () => void) => void = afterThisTask,
  ) {}

  /** An enter of `meetingID` was sent. */
  begin(meetingID: number): void {
    this.entering.set(meetingID, (this.entering.get(meetingID) ?? 0) + 1);
  }

  /** The enter of `meetingID` was answered (`members` on success) or failed (undefined). */
  end(meetingID: number, members: Member[] | undefined): void {
    const n = (this.entering.get(meetingID) ?? 1) - 1;
    if (n > 0) this.entering.set(meetingID, n);
    else this.entering.delete(meetingID);
    if (members) this.listed.set(meetingID, new Set(members.map((m) => m.userID)));
    // Frames of this same read, after the result, are still ahead of the code awaiting it.
    this.settling.add(meetingID);
    this.releaseDue = true;
    this.sameTurn = true;
    queueMicrotask(() => {
      this.sameTurn = false;
    });
    this.later(() => this.release());
  }

  /** Call first for every frame: a frame of a later task releases what is due before it is handled. */
  beforeFrame(): void {
    if (this.releaseDue && !this.sameTurn) this.release();
  }

  /** Holds `ev` if it must wait; returns whether it was held. */
  offer(ev: EventName, payload: Record<string, unknown>): boolean {
    const id = payload.meetingID;
    const ours = ev.startsWith('meeting.') && typeof id === 'number' && (this.entering.has(id) || this.settling.has(id));
    if (this.queue.length === 0 && !ours) return false;
    this.queue.push({ ev, payload });
    return true;
  }

  /** Emits what is held, unless an enter is still unanswered. */
  private release(): void {
    if (!this.releaseDue || this.entering.size > 0) return;
    this.releaseDue = false;
    const q = this.queue;
    const listed = new Map(this.listed);
    this.queue = [];
    this.listed.clear();
    this.settling.clear();
    for (const h of q) {
      const id = h.payload.meetingID as number;
      const seen = listed.get(id);
      if (seen && h.ev === 'meeting.memberLeft') seen.delete(String(h.payload.userID));
      if (seen && h.ev === 'meeting.memberJoined' && seen.has((h.payload.member as Member).userID)) continue;
      this.emit(h.ev, h.payload);
    }
  }
}
