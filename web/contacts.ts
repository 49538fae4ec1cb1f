/**
 * The contact list: everyone online (from status.subscribe) plus the people in the call history,
 * each with live presence (user.status) and a Call button.
 */
import type { CallClient } from '../src/sdk/client.js';
import type { UserStatus } from '../src/protocol/messages.js';
import { el } from './dom.js';
import { t } from './i18n.js';
import type { StringKey } from './strings.js';

export function statusKey(s: UserStatus | undefined): StringKey {
  if (!s || s.status === 0) return 'stOffline';
  if (s.status === 2) return 'stInCall';
  if (s.status === 3) return 'stInMeeting';
  return 'stOnline';
}

export class Contacts {
  private readonly users = new Map<string, UserStatus>();
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly client: CallClient,
    private readonly me: string,
    private readonly list: HTMLElement,
    private readonly onCall: (userID: string) => void,
  ) {
    this.offs.push(
      client.on('user.status', (s) => {
        if (s.userID === me) return;
        this.users.set(s.userID, s);
        this.render();
      }),
    );
  }

  async start(): Promise<void> {
    const users = await this.client.subscribeStatus();
    for (const u of users) if (u.userID !== this.me) this.users.set(u.userID, u);
    this.render();
  }

  /** Adds people (from the history) whose presence we do not know yet. */
  async add(userIDs: string[]): Promise<void> {
    const unknown = [...new Set(userIDs)].filter((u) => u !== this.me && !this.users.has(u));
    if (unknown.length === 0) return;
    const st = await this.client.getStatus(unknown.slice(0, 100)).catch(() => [] as UserStatus[]);
    for (const s of st) if (!this.users.has(s.userID)) this.users.set(s.userID, s);
    this.render();
  }

  statusOf(userID: string): UserStatus | undefined {
    return this.users.get(userID);
  }

  render(): void {
    const rows = [...this.users.values()].sort((a, b) => (b.status > 0 ? 1 : 0) - (a.status > 0 ? 1 : 0) || a.userID.localeCompare(b.userID));
    this.list.replaceChildren();
    if (rows.length === 0) {
      this.list.append(el('li', { class: 'empty' }, t('noContacts')));
      return;
    }
    for (const u of rows) {
      const online = u.status > 0;
      const words = [t(statusKey(u))];
      if (online && u.dnd) words.push(t('stDnd'));
      const name = el('span', { class: 'contact-name' }, u.userID);
      const state = el('span', { class: `presence st-${u.status}${u.dnd ? ' dnd' : ''}`, 'data-status': u.status, 'data-dnd': u.dnd ? '1' : '0' }, words.join(' · '));
      const call = el('button', { type: 'button', class: 'call-btn', 'aria-label': t('callUser', { name: u.userID }) }, t('callButton'));
      call.addEventListener('click', () => this.onCall(u.userID));
      this.list.append(el('li', { 'data-user': u.userID }, el('span', { class: 'dot', 'aria-hidden': 'true' }), name, state, call));
    }
  }

  dispose(): void {
    for (const off of this.offs) off();
    this.users.clear();
    this.list.replaceChildren();
  }
}
