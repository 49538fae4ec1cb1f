/** The devices this browser chose for calls (microphone, camera, speaker), remembered in localStorage. */
export type DeviceKind = 'audioinput' | 'videoinput' | 'audiooutput';

const KEY = 'callroom.devices';

export function chosenDevices(): Partial<Record<DeviceKind, string>> {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '{}') as unknown;
    if (!v || typeof v !== 'object') return {};
    const out: Partial<Record<DeviceKind, string>> = {};
    for (const k of ['audioinput', 'videoinput', 'audiooutput'] as const) {
      const id = (v as Record<string, unknown>)[k];
      if (typeof id === 'string' && id.length > 0 && id.length < 512) out[k] = id;
    }
    return out;
  } catch {
    return {};
  }
}

export function chooseDevice(kind: DeviceKind, id: string): void {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...chosenDevices(), [kind]: id }));
  } catch {
    /* storage may be off: the choice lasts for this call */
  }
}
