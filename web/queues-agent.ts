/**
 * The agent console: the queues with their counts (live from `queue.status` for the queues this
 * agent serves), a switch and a priority to serve each, the customer offered (`queue.assigned`,
 * or `queue.next` with do not disturb on) with Accept, Reject and the time left to answer, and the
 * customer in service. Accept calls the customer with the phone's ordinary call. The server
 * decides who is offered to whom and when; this only shows and asks.
 */
import type { CallClient } from '../src/sdk/client.js';
import type { QueueInfo, QueueMine, QueueStatus, QueueUser, UnassignReason } from '../src/protocol/queues.js';
import { byId, el, say } from './dom.js';
import { formatDuration } from './format.js';
import { t } from './i18n.js';
import { msg, render, type Msg } from './outcome.js';
import type { Phone } from './phone.js';
import { queueFailure, secondsLeft } from './queue-format.js';
import type { StringKey } from './strings.js';

const UNASSIGNED: Record<UnassignReason, StringKey> = {
  timeout: 'qUnassignedTimeout',
  cancelled: 'qUnassignedCancelled',
  gone: 'qUnassignedGone',
  removed: 'qUnassignedRemoved',
};

interface Row {
  queue: QueueInfo;
  li: HTMLLIElement;
  counts: HTMLElement;
  priority: HTMLInputElement;
  toggle: HTMLButtonElement;
}

/** An offer shown: the customer and, when the server said it (`queue.assigned`), the deadline on its clock. */
interface Offer {
  user: QueueUser;
  deadline: number | null;
}

export class AgentConsole {
  private readonly rows = new Map<number, Row>();
  private readonly statuses = new Map<number, QueueStatus>();
  private serving = new Set<number>();
  private offer: Offer | null = null;
  private inService: QueueUser | null = null;
  private dnd = false;
  private note: Msg | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;
  private readonly offs: (() => void)[] = [];
  private readonly list = byId('agent-queues');

  constructor(
    private readonly client: CallClient,
    private readonly phone: Phone,
  ) {
    this.offs.push(
      client.on('queue.status', (s) => {
        this.statuses.set(s.queID, s);
        this.renderRow(s.queID);
      }),
      client.on('queue.assigned', (e) => {
        this.notice(null);
        this.showOffer({ user: e.user, deadline: e.deadline });
      }),
      client.on('queue.unassigned', (e) => {
        const o = this.offer;
        if (!o || o.user.queID !== e.queID || o.user.userID !== e.userID) return;
        this.showOffer(null);
        this.notice(msg(UNASSIGNED[e.reason], { name: nameOf(o.user) }));
      }),
      client.on('queue.unserved', (e) => {
        this.serving.delete(e.queID);
        const row = this.rows.get(e.queID);
        this.notice(msg('qUnserved', { name: row?.queue.name ?? String(e.queID) }));
        row?.li.remove();
        this.rows.delete(e.queID);
        this.renderAll();
      }),
      // The service ends with the call to the customer (the server's rule); the page stops showing it then.
      phone.on('ended', () => {
        if (this.inService === null) return;
        this.inService = null;
        this.renderAll();
      }),
    );
    this.buttons();
  }

  private buttons(): void {
    const on = (id: string, fn: () => void) => {
      const b = byId(id);
      b.addEventListener('click', fn);
      this.offs.push(() => b.removeEventListener('click', fn));
    };
    on('btn-q-accept', () => void this.accept());
    on('btn-q-reject', () => void this.reject());
    on('btn-next-customer', () => void this.next());
  }

  /** What the server said at (re-)login: the queues, their counts, and what this user serves, is offered and serves now. */
  load(queues: QueueInfo[], statuses: QueueStatus[], mine: QueueMine): void {
    this.list.replaceChildren();
    this.rows.clear();
    for (const s of statuses) this.statuses.set(s.queID, s);
    this.serving = new Set(mine.serving.map((s) => s.queID));
    for (const q of queues) this.makeRow(q, mine.serving.find((s) => s.queID === q.queID)?.priority);
    this.inService = mine.inService;
    // An offer known from queue.mine comes with its deadline (assignedDeadline): the countdown goes on.
    const o = this.offer;
    const same = o && mine.assigned && o.user.userID === mine.assigned.userID && o.user.queID === mine.assigned.queID;
    this.showOffer(mine.assigned ? (same ? o : { user: mine.assigned, deadline: mine.assignedDeadline }) : null);
  }

  setDnd(on: boolean): void {
    this.dnd = on;
    this.renderAll();
  }

  private makeRow(queue: QueueInfo, priority: number | undefined): void {
    const priorityInput = el('input', {
      type: 'number',
      class: 'q-priority',
      step: 1,
      value: priority ?? 0,
      'aria-label': t('qPriorityFor', { name: queue.name }),
    });
    const toggle = el('button', { type: 'button', class: 'q-toggle' });
    toggle.addEventListener('click', () => void this.toggle(queue.queID));
    // Serving already: a new priority is sent at once (serving again changes it).
    priorityInput.addEventListener('change', () => {
      if (this.serving.has(queue.queID)) void this.serve(queue.queID, true);
    });
    const counts = el('span', { class: 'q-counts' });
    const li = el(
      'li',
      { 'data-queue': queue.queID },
      el('span', { class: 'q-name' }, queue.name),
      counts,
      el('label', { class: 'q-priority-box' }, el('span', { class: 'q-priority-word', 'aria-hidden': 'true' }, ''), priorityInput),
      toggle,
    );
    this.list.append(li);
    const row = { queue, li, counts, priority: priorityInput, toggle };
    this.rows.set(queue.queID, row);
    this.renderRow(queue.queID);
  }

  private priorityOf(queID: number): number | undefined {
    const text = this.rows.get(queID)?.priority.value.trim() ?? '';
    return text === '' ? undefined : Number(text);
  }

  private async toggle(queID: number): Promise<void> {
    await this.serve(queID, !this.serving.has(queID));
  }

  private async serve(queID: number, on: boolean): Promise<void> {
    try {
      const serving = on ? await this.client.serveQueue(queID, this.priorityOf(queID)) : await this.client.unserveQueue(queID);
      this.serving = new Set(serving);
      this.notice(null);
      const [s] = await this.client.queueStatus(queID);
      if (s) this.statuses.set(s.queID, s);
    } catch (err) {
      this.notice(queueFailure(err));
    }
    this.renderAll();
  }

  private async accept(): Promise<void> {
    const o = this.offer;
    if (!o) return;
    this.showOffer(null);
    try {
      const user = await this.client.acceptCustomer(o.user.queID, o.user.userID);
      this.inService = user;
      this.notice(null);
      this.renderAll();
      // The ordinary call: the page makes a meeting and invites the customer, whose page rings.
      await this.phone.call(user.userID, nameOf(user));
    } catch (err) {
      this.notice(queueFailure(err, nameOf(o.user)));
    }
  }

  private async reject(): Promise<void> {
    const o = this.offer;
    if (!o) return;
    this.showOffer(null);
    try {
      await this.client.rejectCustomer(o.user.queID, o.user.userID);
      this.notice(msg('qRejected', { name: nameOf(o.user) }));
    } catch (err) {
      this.notice(queueFailure(err, nameOf(o.user)));
    }
  }

  private async next(): Promise<void> {
    try {
      const user = await this.client.nextCustomer();
      // Asking for the next customer ends the service of the last one (the server's rule).
      this.inService = null;
      this.notice(null);
      const same = this.offer?.user.userID === user.userID && this.offer.user.queID === user.queID;
      this.showOffer(same ? this.offer : { user, deadline: null });
    } catch (err) {
      this.notice(queueFailure(err));
    }
  }

  private showOffer(o: Offer | null): void {
    const fresh = o !== null && o !== this.offer;
    this.offer = o;
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = o?.deadline != null ? setInterval(() => this.renderCountdown(), 250) : null;
    this.renderAll();
    // A new offer takes the focus to Accept, as a call ringing does.
    if (fresh) byId('btn-q-accept').focus();
  }

  private notice(m: Msg | null): void {
    this.note = m;
    say('agent-notice', render(m));
  }

  private renderRow(queID: number): void {
    const row = this.rows.get(queID);
    if (!row) return;
    const s = this.statuses.get(queID) ?? { queID, agents: 0, waiting: 0, inService: 0 };
    const serving = this.serving.has(queID);
    row.counts.replaceChildren(
      el('span', { 'data-count': 'waiting' }, t('qWaiting', { n: s.waiting })),
      ' · ',
      el('span', { 'data-count': 'inService' }, t('qInServiceCount', { n: s.inService })),
      ' · ',
      el('span', { 'data-count': 'agents' }, s.agents === 1 ? t('qAgentsOne') : t('qAgents', { n: s.agents })),
    );
    row.li.dataset.serving = serving ? '1' : '0';
    row.toggle.textContent = serving ? t('qUnserve') : t('qServe');
    row.toggle.setAttribute('aria-label', t(serving ? 'qUnserveQueue' : 'qServeQueue', { name: row.queue.name }));
    row.toggle.setAttribute('aria-pressed', String(serving));
    row.priority.setAttribute('aria-label', t('qPriorityFor', { name: row.queue.name }));
    const word = row.li.querySelector('.q-priority-word');
    if (word) word.textContent = t('qPriority');
  }

  private renderCountdown(): void {
    const o = this.offer;
    const c = byId('agent-countdown');
    c.hidden = o?.deadline == null;
    if (o?.deadline != null) c.textContent = t('qCountdown', { seconds: secondsLeft(o.deadline, this.client.serverNow()) });
  }

  /** Re-renders every text (also after a language switch). */
  renderAll(): void {
    for (const id of this.rows.keys()) this.renderRow(id);
    byId('agent-empty').hidden = this.rows.size > 0;
    const o = this.offer;
    byId('agent-offer').hidden = o === null;
    if (o) {
      const queue = this.rows.get(o.user.queID)?.queue.name ?? String(o.user.queID);
      byId('agent-offer-text').textContent = t('qOffer', { name: nameOf(o.user), queue, waited: formatDuration(o.user.waitedMs) });
    }
    this.renderCountdown();
    const s = this.inService;
    const line = byId('agent-inservice');
    line.hidden = s === null;
    if (s) line.textContent = t('qInService', { name: nameOf(s), queue: this.rows.get(s.queID)?.queue.name ?? String(s.queID) });
    byId('agent-next').hidden = !this.dnd;
    say('agent-notice', render(this.note));
    // A server without queues (a plain calling app) shows no console at all.
    byId('agent-card').hidden = this.rows.size === 0 && this.offer === null && this.inService === null && this.note === null;
  }

  dispose(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    for (const off of this.offs) off();
    this.list.replaceChildren();
    this.offer = null;
    this.note = null;
    say('agent-notice', '');
    byId('agent-offer').hidden = true;
    byId('agent-inservice').hidden = true;
  }
}

function nameOf(u: QueueUser): string {
  return u.nickName || u.userID;
}
