/**
 * This page's microphone and camera in the numbers `meeting.media` carries (the reference SDK's
 * ASTATUS / VSTATUS: 0 unknown, 1 no device, 2 closed, 3 open, 4 opening), and the way back to
 * what a remote tile shows.
 */
import type { MemberMedia } from '../src/protocol/messages.js';
import { ASTATUS } from '../src/sdk/compat/constants.js';
import type { DeviceState, LocalMediaState } from '../src/sdk/media/local-media.js';

export function deviceStatus(s: DeviceState): number {
  switch (s) {
    case 'on':
      return ASTATUS.AOPEN;
    case 'off':
      return ASTATUS.ACLOSE;
    case 'none':
      return ASTATUS.AUNKNOWN;
    default:
      // denied, missing, unavailable, insecure: there is no device to use.
      return ASTATUS.ANULL;
  }
}

/** What this page tells the others of its devices. */
export function mediaOf(local: LocalMediaState): MemberMedia {
  return { audio: deviceStatus(local.audio), video: deviceStatus(local.video) };
}

/** A remote microphone as a tile shows it. */
export type MicShown = 'unknown' | 'on' | 'muted' | 'none';

export function micShown(status: number): MicShown {
  if (status === ASTATUS.ACLOSE) return 'muted';
  if (status === ASTATUS.ANULL) return 'none';
  if (status === ASTATUS.AOPEN || status === ASTATUS.AOPENING) return 'on';
  return 'unknown';
}

/** Whether a remote member said its camera is closed or missing (unknown counts as not off). */
export function cameraSaidOff(status: number): boolean {
  return status === ASTATUS.ACLOSE || status === ASTATUS.ANULL;
}
