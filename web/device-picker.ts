/**
 * The call screen's device choice: a Devices button opens microphone, camera and speaker lists
 * (from enumerateDevices). A microphone or camera chosen is switched at once (LocalMedia.useDevice:
 * the others get the new track); a speaker is set on every remote tile (setSinkId, where the
 * browser has it). Each choice is remembered for the next calls (device-choice.ts).
 */
import type { LocalMedia } from '../src/sdk/media/local-media.js';
import { chooseDevice, chosenDevices, type DeviceKind } from './device-choice.js';
import { byId, el } from './dom.js';
import { t } from './i18n.js';

type SinkElement = HTMLMediaElement & { setSinkId?: (id: string) => Promise<void> };

const SELECTS: Record<DeviceKind, string> = { audioinput: 'dev-mic', videoinput: 'dev-camera', audiooutput: 'dev-speaker' };

export class DevicePicker {
  private local: LocalMedia | null = null;
  private readonly panel = byId('devices');
  private readonly toggle = byId<HTMLButtonElement>('btn-devices');
  private readonly listening = new AbortController();

  constructor(private readonly remoteMedia: () => SinkElement[]) {
    const signal = this.listening.signal;
    this.toggle.addEventListener('click', () => void this.setOpen(this.panel.hidden), { signal });
    for (const kind of Object.keys(SELECTS) as DeviceKind[]) {
      byId<HTMLSelectElement>(SELECTS[kind]).addEventListener('change', (e) => void this.pick(kind, (e.target as HTMLSelectElement).value), { signal });
    }
    // A speaker can only be chosen where the browser can route sound.
    const canSink = typeof (HTMLMediaElement.prototype as SinkElement).setSinkId === 'function';
    byId(`${SELECTS.audiooutput}-row`).hidden = !canSink;
  }

  attach(local: LocalMedia): void {
    this.local = local;
  }

  detach(): void {
    this.local = null;
    void this.setOpen(false);
  }

  dispose(): void {
    this.detach();
    this.listening.abort();
  }

  /** Sends a tile's sound to the chosen speaker (a tile made after the choice). */
  applySink(m: SinkElement): void {
    const id = chosenDevices().audiooutput;
    if (id && m.setSinkId) void m.setSinkId(id).catch(() => undefined);
  }

  private async setOpen(open: boolean): Promise<void> {
    this.panel.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
    if (open) await this.fill();
  }

  private async fill(): Promise<void> {
    const all = (await navigator.mediaDevices?.enumerateDevices?.().catch(() => [])) ?? [];
    const chosen = chosenDevices();
    const current: Partial<Record<DeviceKind, string | null>> = {
      audioinput: this.local?.deviceId('audio') ?? null,
      videoinput: this.local?.deviceId('video') ?? null,
      audiooutput: chosen.audiooutput ?? 'default',
    };
    for (const kind of Object.keys(SELECTS) as DeviceKind[]) {
      const sel = byId<HTMLSelectElement>(SELECTS[kind]);
      const list = all.filter((d) => d.kind === kind);
      sel.replaceChildren(...list.map((d, i) => el('option', { value: d.deviceId }, d.label || t('deviceN', { n: i + 1 }))));
      sel.disabled = list.length === 0;
      const want = current[kind];
      if (want && list.some((d) => d.deviceId === want)) sel.value = want;
    }
  }

  private async pick(kind: DeviceKind, id: string): Promise<void> {
    chooseDevice(kind, id);
    if (kind === 'audiooutput') {
      for (const m of this.remoteMedia()) this.applySink(m);
      return;
    }
    await this.local?.useDevice(kind === 'audioinput' ? 'audio' : 'video', id);
  }
}
