/**
 * The customer's view of a queue: pick one and join, then the place in line and the estimated
 * wait (from the join's answer and `queue.position`), Leave, and why the queuing ended when the
 * server ends it (`queue.left`: an agent took them, or the queue was deleted). The agent's call
 * then rings through the phone as any call.
 */
import type { CallClient } from '../src/sdk/client.js';
import type { QueueInfo, QueueMine, QueuingInfo } from '../src/protocol/queues.js';
import { byId, el, say } from './dom.js';
import { t } from './i18n.js';
import { msg, render, type Msg } from './outcome.js';
import { formatEta, queueFailure } from './queue-format.js';

export class CustomerQueue {
  private queues: QueueInfo[] = [];
  private place: QueuingInfo | null = null;
  private note: Msg | null = null;
  private readonly offs: (() => void)[] = [];
  private readonly pick = byId<HTMLSelectElement>('queue-pick');

  constructor(private readonly client: CallClient) {
    this.offs.push(
      client.on('queue.position', (p) => {
        this.place = p;
        this.render();
      }),
      client.on('queue.left', (e) => {
        this.place = null;
        const queue = this.nameOf(e.queID);
        this.notice(e.reason === 'served' ? msg('qLeftServed', { agent: e.agent ?? '' }) : msg('qLeftRemoved', { queue }));
        this.render();
      }),
    );
    const form = byId('queue-join-form');
    const onJoin = (e: Event) => {
      e.preventDefault();
      void this.join();
    };
    form.addEventListener('submit', onJoin);
    const leave = byId('btn-queue-leave');
    const onLeave = () => void this.leave();
    leave.addEventListener('click', onLeave);
    this.offs.push(
      () => form.removeEventListener('submit', onJoin),
      () => leave.removeEventListener('click', onLeave),
    );
  }

  /** What the server said at (re-)login: the queues and this user's place in one, if any. */
  load(queues: QueueInfo[], mine: QueueMine): void {
    this.queues = queues;
    const chosen = this.pick.value;
    this.pick.replaceChildren(...queues.map((q) => el('option', { value: q.queID }, q.name)));
    if (queues.some((q) => String(q.queID) === chosen)) this.pick.value = chosen;
    this.place = mine.queuing;
    this.render();
  }

  private nameOf(queID: number): string {
    return this.queues.find((q) => q.queID === queID)?.name ?? String(queID);
  }

  private async join(): Promise<void> {
    const queID = Number(this.pick.value);
    if (!Number.isSafeInteger(queID) || queID <= 0) return;
    try {
      this.place = await this.client.joinQueue(queID);
      this.notice(null);
    } catch (err) {
      this.notice(queueFailure(err));
    }
    this.render();
    if (this.place) byId('btn-queue-leave').focus();
  }

  private async leave(): Promise<void> {
    try {
      await this.client.leaveQueue();
      this.place = null;
      this.notice(msg('qLeftByMe'));
    } catch (err) {
      this.notice(queueFailure(err));
    }
    this.render();
  }

  private notice(m: Msg | null): void {
    this.note = m;
    say('queue-notice', render(m));
  }

  /** Re-renders every text (also after a language switch). */
  render(): void {
    const p = this.place;
    byId('queue-join-form').hidden = p !== null || this.queues.length === 0;
    byId('queue-none').hidden = this.queues.length > 0;
    byId('queue-place').hidden = p === null;
    if (p) {
      const queue = this.nameOf(p.queID);
      const text = p.etaMs === null ? t('qPositionNoEta', { n: p.position, queue }) : t('qPositionEta', { n: p.position, queue, eta: formatEta(p.etaMs) });
      const pos = byId('queue-position');
      // Rewritten only when the words change, so that screen readers say a change once.
      if (pos.textContent !== text) pos.textContent = text;
      pos.dataset.position = String(p.position);
    }
    say('queue-notice', render(this.note));
    // A server without queues (a plain calling app) shows no queue card at all.
    byId('queue-card').hidden = this.queues.length === 0 && p === null && this.note === null;
  }

  dispose(): void {
    for (const off of this.offs) off();
    this.place = null;
    this.note = null;
    this.queues = [];
    this.pick.replaceChildren();
    say('queue-notice', '');
    byId('queue-place').hidden = true;
  }
}
