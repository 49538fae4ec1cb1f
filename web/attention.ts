/**
 * Getting a person's attention for a call: while the tab is hidden, an incoming call changes the
 * title and shows a desktop notification (permission is asked only when the person presses
 * "Alert me to calls", never on load); a call that rang and was not answered counts as missed,
 * in the title and a badge on the home screen, until the person looks (clicks the badge).
 */
import { byId } from './dom.js';
import { t } from './i18n.js';
import type { PhoneState } from './phone.js';

const BASE_TITLE = 'callroom';

export class Attention {
  private ringing: { callID: string; name: string } | null = null;
  private notification: Notification | null = null;
  private missed = 0;
  private readonly badge = byId<HTMLButtonElement>('missed-calls');
  private readonly allow = byId<HTMLButtonElement>('btn-alerts');

  constructor() {
    this.badge.onclick = () => {
      this.missed = 0;
      this.render();
    };
    this.allow.onclick = () => void this.askPermission();
    document.addEventListener('visibilitychange', this.onVisibility);
    this.render();
  }

  /** Follows the phone: ringing starts the alert; ringing that ends without an answer is a missed call. */
  phoneState(s: PhoneState): void {
    if (s.kind === 'incoming') {
      if (this.ringing?.callID === s.callID) return;
      this.ringing = { callID: s.callID, name: s.peer.nickName };
      this.notify();
    } else if (this.ringing) {
      const answered = s.kind === 'call' && s.callID === this.ringing.callID;
      if (!answered) this.missed += 1;
      this.ringing = null;
      this.notification?.close();
      this.notification = null;
    }
    this.render();
  }

  dispose(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.notification?.close();
    this.badge.onclick = null;
    this.allow.onclick = null;
    this.missed = 0;
    this.ringing = null;
    this.badge.hidden = true;
    this.allow.hidden = true;
    document.title = BASE_TITLE;
  }

  private readonly onVisibility = (): void => {
    // Back on the tab: the ringing screen speaks for itself.
    if (!document.hidden) {
      this.notification?.close();
      this.notification = null;
    } else if (this.ringing) this.notify();
    this.render();
  };

  private notify(): void {
    if (!this.ringing || !document.hidden || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    this.notification?.close();
    const n = new Notification(t('incomingCall', { name: this.ringing.name }), { body: t('notificationBody'), tag: 'callroom-call', requireInteraction: true });
    n.onclick = () => {
      window.focus();
      n.close();
    };
    this.notification = n;
  }

  private async askPermission(): Promise<void> {
    if (typeof Notification === 'undefined') return;
    await Notification.requestPermission();
    this.render();
  }

  /** Re-renders the title, the badge and the button (also after a language switch). */
  render(): void {
    const ringingHidden = this.ringing && document.hidden;
    const prefix = this.missed > 0 ? `(${this.missed}) ` : '';
    document.title = ringingHidden ? `${t('titleRinging', { name: this.ringing!.name })} — ${BASE_TITLE}` : `${prefix}${BASE_TITLE}`;
    this.badge.hidden = this.missed === 0;
    this.badge.textContent = this.missed === 1 ? t('missedOne') : t('missedMany', { n: String(this.missed) });
    this.badge.title = t('missedClear');
    this.allow.hidden = typeof Notification === 'undefined' || Notification.permission !== 'default';
    this.allow.textContent = t('alertsAllow');
  }
}
