/**
 * The call screen's Share screen button: picks a screen or window (getDisplayMedia) and has the
 * room send it in place of the camera (MediaRoom.shareScreen) until pressed again or until the
 * browser's own "Stop sharing"; the preview shows what is shared. `onChange` lets the page tell
 * the others (`meeting.media`, `screen`).
 */
import type { MediaRoom } from '../src/sdk/media/room.js';
import { byId } from './dom.js';
import { t } from './i18n.js';

export class ScreenShare {
  private room: MediaRoom | null = null;
  private track: MediaStreamTrack | null = null;
  private readonly btn = byId<HTMLButtonElement>('btn-screen');
  private readonly listening = new AbortController();

  constructor(private readonly onChange: (sharing: MediaStreamTrack | null) => void) {
    this.btn.addEventListener('click', () => void (this.track ? this.stop() : this.start()), { signal: this.listening.signal });
    this.btn.hidden = !navigator.mediaDevices?.getDisplayMedia;
    this.render();
  }

  get sharing(): boolean {
    return this.track !== null;
  }

  attach(room: MediaRoom): void {
    this.room = room;
  }

  /** The call or room ended: sharing ends with it. */
  detach(): void {
    this.stop();
    this.room = null;
  }

  dispose(): void {
    this.detach();
    this.listening.abort();
  }

  private async start(): Promise<void> {
    if (!this.room) return;
    let s: MediaStream;
    try {
      s = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch {
      return; // the person chose nothing: nothing changes
    }
    const tr = s.getVideoTracks()[0];
    if (!tr || !this.room) return s.getTracks().forEach((x) => x.stop());
    this.track = tr;
    tr.addEventListener('ended', () => {
      if (this.track === tr) this.stop();
    });
    await this.room.shareScreen(tr);
    this.render();
    this.onChange(tr);
  }

  private stop(): void {
    const tr = this.track;
    if (!tr) return;
    this.track = null;
    tr.stop();
    void this.room?.stopScreen();
    this.render();
    this.onChange(null);
  }

  render(): void {
    this.btn.textContent = this.track ? t('stopSharing') : t('shareScreen');
    this.btn.setAttribute('aria-pressed', String(this.track !== null));
  }
}
