/**
 * The user's open call, for `GetSessionInfo()`: asked of the server after each login and each
 * reconnection (`session.info`), and kept current in between from the call events, from this
 * facade's own successful Call / AcceptCall / RejectCall / HangupCall, and from reconnections (a
 * session the server did not resume has no call: its calls ended with the old one). A user in a
 * call with people added has several open calls: `GetSessionInfo()` reports the oldest, as the
 * server's `session.info` does, and the next one once it ends.
 */
import type { MeetInfo } from '../../protocol/messages.js';
import type { CallClient } from '../client.js';
import { fromSessionCall, toCRSessionInfo, type CRSessionInfo, type OpenCall } from './queue-objects.js';

export class SessionTracker {
  /** The open calls, oldest first. */
  private calls: OpenCall[] = [];
  private get call(): OpenCall | null {
    return this.calls[0] ?? null;
  }
  /** Bumped by every change, so that an answer from the server older than a change is dropped. */
  private gen = 0;
  /**
   * The last call answered or ended that was not (yet) the one known: a caller can hear of the
   * answer (or the end) before its own invite's result, from which the call is known.
   */
  private early: { callID: string; ended: boolean; answeredMs: number } | null = null;

  /** The call answered and open now (its media is reported to the server), or null. */
  get answeredCallID(): string | null {
    return this.call && this.call.answeredMs !== null ? this.call.callID : null;
  }

  info(): CRSessionInfo {
    return toCRSessionInfo(this.call, Date.now());
  }

  /** Forgets the call (a new client, or a logout). */
  reset(): void {
    this.set(null);
  }

  /** Asks the server; its answer replaces what is known unless something changed meanwhile. */
  async refresh(c: CallClient): Promise<void> {
    const gen = this.gen;
    const s = await c.sessionInfo();
    if (gen !== this.gen) return;
    this.set(s ? fromSessionCall(s, c.serverNow() - Date.now()) : null);
  }

  /**
   * After placing a call: the callee's nickname, which only the server knows, asked for and set
   * if that call is still the one known (whatever else changed meanwhile).
   */
  async learnPeerName(c: CallClient, callID: string): Promise<void> {
    const s = await c.sessionInfo();
    if (s && s.callID === callID) this.calls = this.calls.map((x) => (x.callID === callID ? { ...x, peerName: s.peerName } : x));
  }

  /** A call placed (by us, `peerName` unknown until the server is asked) or received. */
  ringing(callID: string, peerID: string, peerName: string, meeting: Pick<MeetInfo, 'ID'> & Partial<MeetInfo>): void {
    const early = this.early?.callID === callID ? this.early : null;
    if (early?.ended) return;
    const call = { callID, peerID, peerName, meetingID: meeting.ID, meetingPswd: meeting.pswd ?? '', answeredMs: early ? early.answeredMs : null };
    // A person added to the call: another open call, after the ones already known.
    this.change([...this.calls.filter((x) => x.callID !== callID), call]);
  }

  answered(callID: string): void {
    const known = this.calls.find((x) => x.callID === callID);
    if (!known) this.early = { callID, ended: false, answeredMs: Date.now() };
    else if (known.answeredMs === null) this.change(this.calls.map((x) => (x === known ? { ...x, answeredMs: Date.now() } : x)));
  }

  ended(callID: string): void {
    if (!this.calls.some((x) => x.callID === callID)) this.early = { callID, ended: true, answeredMs: 0 };
    else this.change(this.calls.filter((x) => x.callID !== callID));
  }

  /** Listens to `c`'s call events; a session not resumed had its call ended by the server. */
  watch(c: CallClient): void {
    c.on('reconnected', ({ resumed }) => {
      if (!resumed) this.reset();
    });
    c.on('call.incoming', (e) => this.ringing(e.callID, e.caller.userID, e.caller.nickName, e.meeting));
    c.on('call.accepted', (e) => this.answered(e.callID));
    c.on('call.rejected', (e) => this.ended(e.callID));
    c.on('call.hungup', (e) => this.ended(e.callID));
  }

  /** What the server said (one call, or none): the whole picture. */
  private set(call: OpenCall | null): void {
    this.change(call ? [call] : []);
  }

  private change(calls: OpenCall[]): void {
    this.gen += 1;
    this.calls = calls;
    this.early = null;
  }
}
