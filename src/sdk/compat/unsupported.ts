/**
 * Cloud features callroom does not have: server-side recording and mixing, and media-file
 * playback. The names exist so that code which sets their slots at load time runs; calling a
 * function reports NOT_SUPPORTED (908) through its result callback, after it returns.
 */
import { ErrorCodes } from '../../protocol/errors.js';
import type { FacadeCore } from './context.js';
import { slot } from './slots.js';

/** Mixer state: 0 = no mixer running (the only state callroom has). */
const MIXER_IDLE = 0;

export function unsupportedArea(core: FacadeCore) {
  const { fire } = core;
  const later = (fn: () => void) => queueMicrotask(fn);
  const api = {
    // ---- cloud recording / mixer ----
    SvrMixerStateChanged: slot<[state: number, sdkErr: number, operatorID: string]>(),
    SvrMixerCfgChanged: slot<[]>(),
    SvrMixerOutPutInfo: slot<[info: unknown]>(),
    /** `SvrMixerStateChanged(0, 908, UID)`. */
    StartSvrMixer(..._args: unknown[]): number {
      later(() => fire('SvrMixerStateChanged', api.SvrMixerStateChanged, MIXER_IDLE, ErrorCodes.NOT_SUPPORTED, core.selfID ?? ''));
      return ErrorCodes.NOT_SUPPORTED;
    },
    UpdateSvrMixerContent(..._args: unknown[]): number {
      later(() => fire('SvrMixerStateChanged', api.SvrMixerStateChanged, MIXER_IDLE, ErrorCodes.NOT_SUPPORTED, core.selfID ?? ''));
      return ErrorCodes.NOT_SUPPORTED;
    },
    StopSvrMixer(..._args: unknown[]): number {
      later(() => fire('SvrMixerStateChanged', api.SvrMixerStateChanged, MIXER_IDLE, ErrorCodes.NOT_SUPPORTED, core.selfID ?? ''));
      return ErrorCodes.NOT_SUPPORTED;
    },
    GetSvrMixerState(): number {
      return MIXER_IDLE;
    },

    // ---- media file playback ----
    NotifyMediaStart: slot<[UID: string]>(),
    NotifyMediaStop: slot<[UID: string, reason: number]>(),
    NotifyMediaPause: slot<[UID: string, paused: boolean]>(),
    /** `NotifyMediaStop(UID, 908)`. */
    StartPlayMedia(..._args: unknown[]): void {
      later(() => fire('NotifyMediaStop', api.NotifyMediaStop, core.selfID ?? '', ErrorCodes.NOT_SUPPORTED));
    },
    StopPlayMedia(): void {
      later(() => fire('NotifyMediaStop', api.NotifyMediaStop, core.selfID ?? '', ErrorCodes.NOT_SUPPORTED));
    },
    PausePlayMedia(..._args: unknown[]): void {
      later(() => fire('NotifyMediaStop', api.NotifyMediaStop, core.selfID ?? '', ErrorCodes.NOT_SUPPORTED));
    },
  };
  return api;
}

export type UnsupportedArea = ReturnType<typeof unsupportedArea>;
