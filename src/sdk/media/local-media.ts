/**
 * LocalMedia: this device's microphone and camera. Asks for both, and when that fails asks for
 * each alone, so that a refused camera still leaves the microphone (and the reverse); says for
 * each device why it is not there. Mute and camera-off switch `track.enabled`, which takes
 * effect at once on every peer that sends the track; opening a device that was missing or
 * refused asks again and, on success, announces the new track so rooms can start sending it.
 */
import { TypedEmitter } from '../../shared/typed-emitter.js';

/**
 * - `on`: capturing and sent; `off`: capturing but switched off by the user (muted);
 * - `denied`: the user or the browser refused permission; `missing`: no such device;
 * - `unavailable`: the device exists but could not be started (in use, hardware error);
 * - `insecure`: the page is not https or localhost, so the browser offers no devices;
 * - `none`: not asked for.
 */
export type DeviceState = 'on' | 'off' | 'denied' | 'missing' | 'unavailable' | 'insecure' | 'none';
export type MediaKind = 'audio' | 'video';

export interface LocalMediaState {
  audio: DeviceState;
  video: DeviceState;
}

export type LocalMediaEvents = {
  /** The state of the microphone or camera changed. */
  change: [LocalMediaState];
  /** A track appeared (a device opened after the start); rooms start sending it. */
  track: [MediaStreamTrack];
  /** A device was switched (useDevice): rooms send the new track in place of the old one. */
  replaced: [MediaKind, MediaStreamTrack];
  listenerError: [unknown];
};

export type GetUserMedia = (c: MediaStreamConstraints) => Promise<MediaStream>;

export interface LocalMediaOptions {
  /** Camera constraints (default 640×360 at up to 24 fps, enough for a call and light on CPU). */
  video?: MediaTrackConstraints;
  audio?: MediaTrackConstraints;
  /** Defaults to navigator.mediaDevices.getUserMedia. */
  getUserMedia?: GetUserMedia;
  /** The devices to open (ids from enumerateDevices); a missing one falls back to the default. */
  deviceIds?: Partial<Record<MediaKind, string>>;
}

const DEFAULT_VIDEO: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24, max: 30 } };
const DEFAULT_AUDIO: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

/** What a getUserMedia failure means for the device. */
export function classifyMediaError(err: unknown): DeviceState {
  const name = (err as { name?: unknown })?.name;
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'missing';
    default:
      return 'unavailable';
  }
}

function defaultGetUserMedia(): GetUserMedia | null {
  const md = (globalThis as { navigator?: { mediaDevices?: { getUserMedia?: GetUserMedia } } }).navigator?.mediaDevices;
  return md?.getUserMedia ? (c) => md.getUserMedia!(c) : null;
}

export class LocalMedia extends TypedEmitter<LocalMediaEvents> {
  /** The local preview: holds the current microphone and camera tracks. */
  readonly stream: MediaStream;
  private state: LocalMediaState = { audio: 'none', video: 'none' };
  private readonly gum: GetUserMedia | null;
  private stopped = false;
  /** The devices asked for, by kind (see LocalMediaOptions.deviceIds and useDevice). */
  private chosen: Partial<Record<MediaKind, string>>;
  private readonly shape: Partial<Record<MediaKind, MediaTrackConstraints>> = {};

  constructor(private readonly opts: LocalMediaOptions = {}) {
    super((err) => {
      if (err !== undefined) queueMicrotask(() => this.emit('listenerError', err));
    });
    this.stream = new MediaStream();
    this.gum = opts.getUserMedia ?? defaultGetUserMedia();
    this.chosen = { ...opts.deviceIds };
  }

  get audio(): DeviceState {
    return this.state.audio;
  }
  get video(): DeviceState {
    return this.state.video;
  }
  get snapshot(): LocalMediaState {
    return { ...this.state };
  }

  track(kind: MediaKind): MediaStreamTrack | null {
    return (kind === 'audio' ? this.stream.getAudioTracks() : this.stream.getVideoTracks())[0] ?? null;
  }

  /** The constraints of the devices opened from now on (the open ones keep theirs). */
  setConstraints(kind: MediaKind, c: MediaTrackConstraints): void {
    this.shape[kind] = c;
  }

  private constraints(kind: MediaKind, exact?: string): MediaTrackConstraints {
    const base = this.shape[kind] ?? (kind === 'audio' ? (this.opts.audio ?? DEFAULT_AUDIO) : (this.opts.video ?? DEFAULT_VIDEO));
    const id = exact ?? this.chosen[kind];
    return id === undefined ? base : { ...base, deviceId: { exact: id } };
  }

  /** The device the track of `kind` comes from, if any. */
  deviceId(kind: MediaKind): string | null {
    return this.track(kind)?.getSettings().deviceId ?? null;
  }

  /**
   * Switches the microphone or camera to another device: the new track replaces the old one
   * (muted or off stays so) and rooms send it instead (`replaced`). If the device cannot be
   * opened, the old one stays and its state is returned.
   */
  async useDevice(kind: MediaKind, deviceId: string): Promise<DeviceState> {
    if (!this.gum || this.stopped) return this.state[kind];
    if (this.deviceId(kind) === deviceId) return this.state[kind];
    let s: MediaStream;
    try {
      s = await this.gum({ [kind]: this.constraints(kind, deviceId) });
    } catch (err) {
      if (!this.track(kind)) this.set({ [kind]: classifyMediaError(err) });
      return this.state[kind];
    }
    const old = this.track(kind);
    const enabled = old ? old.enabled : true;
    if (old) {
      this.stream.removeTrack(old);
      old.stop();
    }
    const got = this.adopt(s);
    const t = this.track(kind);
    if (!got.includes(kind) || !t) {
      this.set({ [kind]: 'missing' });
      return this.state[kind];
    }
    t.enabled = enabled;
    this.set({ [kind]: enabled ? 'on' : 'off' });
    this.chosen = { ...this.chosen, [kind]: deviceId };
    this.emit('replaced', kind, t);
    return this.state[kind];
  }

  private set(next: Partial<LocalMediaState>): void {
    const before = this.state;
    this.state = { ...this.state, ...next };
    if (before.audio !== this.state.audio || before.video !== this.state.video) this.emit('change', this.snapshot);
  }

  private adopt(s: MediaStream): MediaKind[] {
    const got: MediaKind[] = [];
    for (const t of s.getTracks()) {
      const kind = t.kind as MediaKind;
      if (this.stopped || this.track(kind)) {
        t.stop();
        continue;
      }
      this.stream.addTrack(t);
      got.push(kind);
      t.addEventListener('ended', () => {
        if (this.track(kind) !== t) return;
        this.stream.removeTrack(t);
        this.set({ [kind]: 'unavailable' });
      });
    }
    return got;
  }

  /**
   * Asks for the devices wanted; resolves with what there is (never rejects). A device that
   * fails is reported in the state, and the call goes on with the others (or receive-only).
   */
  async start(want: { audio?: boolean; video?: boolean } = { audio: true, video: true }): Promise<LocalMediaState> {
    const kinds = (['audio', 'video'] as MediaKind[]).filter((k) => want[k] !== false && !this.track(k));
    if (kinds.length === 0) return this.snapshot;
    if (!this.gum) {
      this.set(Object.fromEntries(kinds.map((k) => [k, 'insecure'])));
      return this.snapshot;
    }
    try {
      const s = await this.gum(Object.fromEntries(kinds.map((k) => [k, this.constraints(k)])));
      const got = this.adopt(s);
      this.set(Object.fromEntries(got.map((k) => [k, 'on'])));
      for (const k of kinds) if (!got.includes(k)) this.set({ [k]: 'missing' });
      for (const k of got) this.emit('track', this.track(k)!);
    } catch (err) {
      // A chosen device that is gone: forget the choice and take the defaults.
      if (this.forgetGone(err, kinds)) return this.start(want);
      if (kinds.length === 1) {
        this.set({ [kinds[0]!]: classifyMediaError(err) });
      } else {
        // One device may be the cause: try each alone.
        for (const k of kinds) await this.openKind(k);
      }
    }
    return this.snapshot;
  }

  private async openKind(kind: MediaKind): Promise<DeviceState> {
    if (this.track(kind)) return this.state[kind];
    if (!this.gum) {
      this.set({ [kind]: 'insecure' });
      return 'insecure';
    }
    try {
      const s = await this.gum({ [kind]: this.constraints(kind) });
      const got = this.adopt(s);
      if (!got.includes(kind)) {
        this.set({ [kind]: 'missing' });
        return 'missing';
      }
      this.set({ [kind]: 'on' });
      this.emit('track', this.track(kind)!);
      return 'on';
    } catch (err) {
      if (this.forgetGone(err, [kind])) return this.openKind(kind);
      const st = classifyMediaError(err);
      this.set({ [kind]: st });
      return st;
    }
  }

  /** After a failed open: whether a chosen device of these kinds was the cause (then it is forgotten). */
  private forgetGone(err: unknown, kinds: MediaKind[]): boolean {
    if ((err as { name?: string } | null)?.name !== 'OverconstrainedError' || !kinds.some((k) => this.chosen[k] !== undefined)) return false;
    const chosen = { ...this.chosen };
    for (const k of kinds) delete chosen[k];
    this.chosen = chosen;
    return true;
  }

  /** Microphone on or off (mute). Turning it on when there is none asks for one. */
  async setMicEnabled(on: boolean): Promise<DeviceState> {
    return this.setEnabled('audio', on);
  }

  /** Camera on or off. Turning it on when there is none asks for one. */
  async setCameraEnabled(on: boolean): Promise<DeviceState> {
    return this.setEnabled('video', on);
  }

  private async setEnabled(kind: MediaKind, on: boolean): Promise<DeviceState> {
    const t = this.track(kind);
    if (!t) return on ? this.openKind(kind) : this.state[kind];
    t.enabled = on;
    this.set({ [kind]: on ? 'on' : 'off' });
    return this.state[kind];
  }

  /** Stops every device. */
  stop(): void {
    this.stopped = true;
    for (const t of this.stream.getTracks()) {
      t.stop();
      this.stream.removeTrack(t);
    }
  }
}
