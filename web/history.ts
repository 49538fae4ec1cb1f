/** Recent calls, from the server's call records: who, which way, audio or video, the outcome in words, how long, when. */
import type { CallClient } from '../src/sdk/client.js';
import type { CallRecord, CallType } from '../src/protocol/messages.js';
import { el } from './dom.js';
import { formatDuration, formatWhen } from './format.js';
import { t } from './i18n.js';
import { recordOutcome } from './outcome.js';

export class History {
  private calls: CallRecord[] = [];
  private seq = 0;

  constructor(
    private readonly client: CallClient,
    private readonly me: string,
    private readonly list: HTMLElement,
    /** Calls back: with the type of the call in that row (an audio call is called back as one). */
    private readonly onCall: (userID: string, callType: CallType) => void,
  ) {}

  /** Loads the latest records; resolves with the other parties' IDs. */
  async refresh(): Promise<string[]> {
    const mine = ++this.seq;
    const calls = await this.client.listCalls({ limit: 20 }).catch(() => null);
    if (mine !== this.seq || calls === null) return [];
    this.calls = calls;
    this.render();
    return calls.map((c) => (c.caller === this.me ? c.callee : c.caller));
  }

  render(): void {
    this.list.replaceChildren();
    if (this.calls.length === 0) {
      this.list.append(el('li', { class: 'empty' }, t('noCalls')));
      return;
    }
    for (const c of this.calls) {
      const outgoing = c.caller === this.me;
      const other = outgoing ? c.callee : c.caller;
      const { key, word } = recordOutcome(c, this.me);
      const parts = [word];
      if (c.answeredAt !== null && c.endedAt !== null) parts.push(formatDuration(c.endedAt - c.answeredAt));
      const who = el('span', { class: 'h-who' }, el('span', { class: `h-dir ${outgoing ? 'out' : 'in'}`, 'aria-hidden': 'true' }, outgoing ? '↗' : '↙'), t(outgoing ? 'hOutgoing' : 'hIncoming', { name: other }), ' ', el('span', { class: `h-type ${c.callType}` }, t(c.callType === 'audio' ? 'hAudio' : 'hVideo')));
      const outcome = el('span', { class: `h-outcome ${key}` }, parts.join(' · '));
      const when = el('time', { class: 'h-when', datetime: new Date(c.createdAt).toISOString() }, formatWhen(c.createdAt));
      const again = el('button', { type: 'button', class: 'call-btn small', 'aria-label': t(c.callType === 'audio' ? 'audioCallUser' : 'callUser', { name: other }) }, t('callButton'));
      again.addEventListener('click', () => this.onCall(other, c.callType));
      this.list.append(el('li', { 'data-call': c.callID, 'data-outcome': c.outcome ?? 'open', 'data-with': other, 'data-call-type': c.callType }, who, outcome, when, again));
    }
  }

  dispose(): void {
    this.seq++;
    this.calls = [];
    this.list.replaceChildren();
  }
}
