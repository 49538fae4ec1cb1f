/**
 * What the call screen says when media does not get through (MediaRoom `health`): that it is
 * trying again, then that it failed and why, in plain words, with a button to hang up. In a call
 * it also tells the server whether media connected (the call record's `media`).
 */
import type { CallClient } from '../src/sdk/client.js';
import type { MediaHealthReason, MediaHealthState } from '../src/sdk/media/health.js';
import type { MediaRoom } from '../src/sdk/media/room.js';
import { el } from './dom.js';
import { currentLanguage, t } from './i18n.js';
import type { StringKey } from './strings.js';

const WHY: Record<MediaHealthReason, StringKey> = {
  'no-candidates': 'mediaWhyNoCandidates',
  'ice-failed': 'mediaWhyIceFailed',
  'no-media': 'mediaWhyNoMedia',
};

type Shown = { state: Exclude<MediaHealthState, 'checking'>; reason: MediaHealthReason | null };

export class MediaHealthNotice {
  /** The notice, placed by the call view above the controls. */
  readonly root: HTMLElement;
  private readonly text: HTMLElement;
  private readonly hangUp: HTMLButtonElement;
  private readonly byUser = new Map<string, Shown>();
  private offs: (() => void)[] = [];

  /** `onHangUp`: what the call screen's own hang-up button does. */
  constructor(private readonly client: CallClient, onHangUp: () => void, private readonly changed: () => void) {
    this.text = el('span', { class: 'media-health-text' });
    this.hangUp = el('button', { type: 'button', id: 'btn-media-hangup', class: 'danger' });
    this.hangUp.addEventListener('click', onHangUp);
    this.root = el('p', { id: 'media-health', class: 'notice warn', role: 'alert', hidden: true }, this.text, ' ', this.hangUp);
  }

  /** Follows a room; `callID()` is the call it carries (null in a room), for the call record. */
  attach(room: MediaRoom, callID: () => string | null): void {
    this.detach();
    this.offs.push(
      room.on('health', ({ userID, state, reason }) => {
        this.byUser.set(userID, { state, reason });
        const id = callID();
        if (id && state !== 'retrying') void this.client.reportCallMedia(id, state).catch(() => undefined);
        this.render();
        this.changed();
      }),
      room.on('left', ({ userID }) => {
        this.byUser.delete(userID);
        this.render();
        this.changed();
      }),
    );
  }

  /** 'failed' or 'retrying' when some link is in that state (what the status line says), else null. */
  get worst(): 'failed' | 'retrying' | null {
    const states = [...this.byUser.values()].map((s) => s.state);
    return states.includes('failed') ? 'failed' : states.includes('retrying') ? 'retrying' : null;
  }

  render(): void {
    const worst = this.worst;
    this.root.hidden = worst === null;
    this.root.dataset.state = worst ?? '';
    this.hangUp.textContent = t('mediaHangUp');
    this.hangUp.hidden = worst !== 'failed';
    if (worst === null) {
      this.text.textContent = '';
    } else if (worst === 'retrying') {
      this.text.textContent = t('mediaRetrying');
    } else {
      const failed = [...this.byUser.values()].find((s) => s.state === 'failed');
      // Sentences in English are spaced; Chinese ones are not.
      const gap = currentLanguage() === 'zh' ? '' : ' ';
      const why = failed?.reason ? gap + t(WHY[failed.reason]) : '';
      this.text.textContent = t('mediaFailed') + why;
    }
  }

  detach(): void {
    for (const off of this.offs) off();
    this.offs = [];
    this.byUser.clear();
    this.root.hidden = true;
  }
}
