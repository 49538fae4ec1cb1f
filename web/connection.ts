/**
 * The connection banner: while the SDK reconnects to the server after a drop, a polite notice
 * on every screen, the call screen included (a call goes on meanwhile: its media is peer to
 * peer). It goes once the client is back; a new session (not resumed) is reported to the page.
 */
import type { CallClient } from '../src/sdk/client.js';
import { byId, say } from './dom.js';
import { t } from './i18n.js';

export class ConnectionNotice {
  private lost = false;
  private readonly offs: (() => void)[];

  constructor(
    client: CallClient,
    private readonly inCall: () => boolean,
    onNewSession: () => void,
  ) {
    this.offs = [
      client.on('reconnecting', () => {
        this.lost = true;
        this.render();
      }),
      client.on('reconnected', ({ resumed }) => {
        this.lost = false;
        this.render();
        if (!resumed) onNewSession();
      }),
    ];
  }

  /** Shows, updates or hides the notice (it is only rewritten when its words change, so screen readers say it once). */
  render(): void {
    const text = this.lost ? t(this.inCall() ? 'signalLostInCall' : 'signalLost') : '';
    if (byId('conn-notice').textContent !== text) say('conn-notice', text, 'warn');
  }

  dispose(): void {
    for (const off of this.offs) off();
    this.lost = false;
    this.render();
  }
}
