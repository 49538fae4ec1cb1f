/**
 * "Add person" on the call screen: a user ID typed in calls that person into the current call's
 * meeting (Phone.addPerson: a call of its own); the list under the controls says how each
 * invitation stands (ringing, with Cancel; joined; declined, busy, offline…, with a dismiss).
 * Shown in a call, not in a room joined by link.
 */
import { byId, el } from './dom.js';
import { t } from './i18n.js';
import { render } from './outcome.js';
import type { Added, Phone, PhoneState } from './phone.js';

export class AddPersonPanel {
  private readonly toggle = byId<HTMLButtonElement>('btn-add-person');
  private readonly panel = byId('add-person');
  private readonly form = byId<HTMLFormElement>('add-person-form');
  private readonly input = byId<HTMLInputElement>('add-person-id');
  private readonly list = byId('added');
  private added: Added[] = [];
  private readonly listening = new AbortController();
  private readonly off: () => void;

  constructor(private readonly phone: Phone) {
    const signal = this.listening.signal;
    this.toggle.addEventListener('click', () => this.open(this.panel.hidden), { signal });
    this.form.addEventListener(
      'submit',
      (e) => {
        e.preventDefault();
        const id = this.input.value.trim();
        if (!id) return;
        this.input.value = '';
        this.open(false);
        void this.phone.addPerson(id);
      },
      { signal },
    );
    this.off = phone.on('added', (list) => {
      this.added = list;
      this.render();
    });
  }

  /** Follows the phone's state: the control exists only in a call. */
  show(s: PhoneState): void {
    const inCall = s.kind === 'call';
    this.toggle.hidden = !inCall;
    if (!inCall) this.open(false);
  }

  private open(open: boolean): void {
    this.panel.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
    if (open) this.input.focus();
  }

  render(): void {
    this.list.replaceChildren(
      ...this.added.map((a) => {
        const name = a.peer.nickName;
        const text = a.state === 'ringing' ? t('addRinging', { name }) : a.state === 'joined' ? t('addJoined', { name }) : render(a.why ?? null);
        const li = el('li', { 'data-user': a.peer.userID, 'data-state': a.state }, el('span', {}, text));
        if (a.state !== 'joined') {
          const b = el('button', { type: 'button', class: 'small' }, t('addCancel'));
          b.addEventListener('click', () => void this.phone.cancelAdd(a.callID));
          li.append(b);
        }
        return li;
      }),
    );
    this.list.hidden = this.added.length === 0;
  }

  dispose(): void {
    this.listening.abort();
    this.off();
    this.added = [];
    this.render();
    this.open(false);
  }
}
