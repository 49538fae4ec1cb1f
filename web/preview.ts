/**
 * The camera preview on the incoming-call screen: while a call rings, you see yourself as the
 * caller will. Video only; stopped as soon as the ringing screen goes (the call opens its own
 * devices). A camera that is refused or missing just leaves the preview hidden.
 */
import { byId } from './dom.js';

export class IncomingPreview {
  private readonly video = byId<HTMLVideoElement>('incoming-preview');
  private stream: MediaStream | null = null;
  /** Counts show/hide calls, so that a camera answering after the ringing stopped is closed at once. */
  private turn = 0;

  show(): void {
    if (this.stream || !navigator.mediaDevices?.getUserMedia) return;
    const mine = ++this.turn;
    navigator.mediaDevices.getUserMedia({ video: true, audio: false }).then(
      (s) => {
        if (mine !== this.turn) return stop(s);
        this.stream = s;
        this.video.srcObject = s;
        this.video.hidden = false;
      },
      () => undefined,
    );
  }

  hide(): void {
    this.turn += 1;
    if (this.stream) stop(this.stream);
    this.stream = null;
    this.video.srcObject = null;
    this.video.hidden = true;
  }
}

function stop(s: MediaStream): void {
  for (const track of s.getTracks()) track.stop();
}
