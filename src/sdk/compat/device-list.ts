/**
 * The devices of this browser, kept current for the facade's synchronous lists
 * (GetAudioMicNames, GetAudioSpkNames, GetAllVideoInfo): read at start, after a device opens, and
 * on every `devicechange`. Before the user has granted a device the browser gives no labels;
 * the lists then say "Microphone 1", "Camera 1" and so on. Empty in Node.
 */
interface Devices {
  enumerateDevices(): Promise<MediaDeviceInfo[]>;
  addEventListener?(type: 'devicechange', fn: () => void): void;
}

function mediaDevices(): Devices | null {
  const md = (globalThis as { navigator?: { mediaDevices?: Devices } }).navigator?.mediaDevices;
  return md && typeof md.enumerateDevices === 'function' ? md : null;
}

export interface DeviceEntry {
  deviceId: string;
  name: string;
}

export class DeviceList {
  mics: DeviceEntry[] = [];
  speakers: DeviceEntry[] = [];
  cameras: DeviceEntry[] = [];
  private readonly md = mediaDevices();

  /** `onCamerasChanged` runs when the set of cameras changes (VideoDevChanged). */
  constructor(private readonly onCamerasChanged: () => void) {
    if (!this.md) return;
    this.md.addEventListener?.('devicechange', () => void this.refresh());
    void this.refresh();
  }

  async refresh(): Promise<void> {
    if (!this.md) return;
    let all: MediaDeviceInfo[];
    try {
      all = await this.md.enumerateDevices();
    } catch {
      return;
    }
    const list = (kind: MediaDeviceKind, word: string): DeviceEntry[] =>
      all.filter((d) => d.kind === kind).map((d, i) => ({ deviceId: d.deviceId, name: d.label || `${word} ${i + 1}` }));
    const before = this.cameras.map((c) => c.deviceId).join('\n');
    this.mics = list('audioinput', 'Microphone');
    this.speakers = list('audiooutput', 'Speaker');
    this.cameras = list('videoinput', 'Camera');
    if (before !== this.cameras.map((c) => c.deviceId).join('\n')) this.onCamerasChanged();
  }
}
