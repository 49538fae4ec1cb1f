/**
 * Call tones made with WebAudio (no sound files): the ringback the caller hears while the other
 * phone rings (440 + 480 Hz, 2 s on, 4 s off) and the ringtone of an incoming call (two short
 * rising chimes, then a pause). `stop()` silences at once. The tone playing is mirrored in
 * `document.body.dataset.tone` so that tests and styles can see it.
 */
export type Tone = 'ringback' | 'ringtone';

interface Pattern {
  period: number;
  /** [start offset s, duration s, frequencies Hz] within one period. */
  notes: [number, number, number[]][];
  gain: number;
}

const PATTERNS: Record<Tone, Pattern> = {
  ringback: { period: 6, notes: [[0, 2, [440, 480]]], gain: 0.08 },
  ringtone: {
    period: 3,
    notes: [
      [0, 0.18, [660]],
      [0.2, 0.18, [880]],
      [0.5, 0.18, [660]],
      [0.7, 0.18, [880]],
    ],
    gain: 0.12,
  },
};

export class Tones {
  private ctx: AudioContext | null = null;
  private out: GainNode | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private playing: Tone | null = null;

  get current(): Tone | null {
    return this.playing;
  }

  /** Creates the audio context; call from a click so browsers allow sound later. */
  unlock(): void {
    try {
      this.ctx ??= new AudioContext();
      if (this.ctx.state === 'suspended') void this.ctx.resume().catch(() => undefined);
    } catch {
      /* no WebAudio: tones stay silent, the page still shows the ringing */
    }
  }

  play(tone: Tone): void {
    if (this.playing === tone) return;
    this.stop();
    this.playing = tone;
    document.body.dataset.tone = tone;
    this.unlock();
    const ctx = this.ctx;
    if (!ctx) return;
    const out = ctx.createGain();
    out.gain.value = 1;
    out.connect(ctx.destination);
    this.out = out;
    const p = PATTERNS[tone];
    let next = ctx.currentTime + 0.05;
    const schedule = () => {
      // Keep about two periods scheduled ahead.
      while (next < ctx.currentTime + p.period * 2) {
        for (const [at, dur, freqs] of p.notes) this.note(ctx, out, next + at, dur, freqs, p.gain);
        next += p.period;
      }
    };
    schedule();
    this.timer = setInterval(schedule, 1000);
  }

  private note(ctx: AudioContext, out: GainNode, at: number, dur: number, freqs: number[], gain: number): void {
    const g = ctx.createGain();
    g.gain.setValueAtTime(0, at);
    g.gain.linearRampToValueAtTime(gain, at + 0.02);
    g.gain.setValueAtTime(gain, at + dur - 0.03);
    g.gain.linearRampToValueAtTime(0, at + dur);
    g.connect(out);
    for (const f of freqs) {
      const o = ctx.createOscillator();
      o.frequency.value = f;
      o.connect(g);
      o.start(at);
      o.stop(at + dur);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.out) {
      // Disconnecting the output silences every scheduled note at once.
      this.out.disconnect();
      this.out = null;
    }
    this.playing = null;
    delete document.body.dataset.tone;
  }
}
