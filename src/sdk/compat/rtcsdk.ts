/**
 * The RTCSDK facade: the reference SDK's API (`RTCSDK.Name(...)`, callbacks set as
 * `RTCSDK.Name.callback = fn`, and the `CRVideo_<Name>` globals), on top of CallClient. It is the
 * union of its areas, one file each: session, meetings, calls, devices (microphone, camera,
 * screen), the video display object, data, call-centre queues, and the cloud features callroom
 * does not have.
 * docs/compat.md maps every name to what it does on callroom.
 */
import type { LocalMedia } from '../media/local-media.js';
import type { MediaRoom } from '../media/room.js';
import type { CallClient } from '../client.js';
import { callsArea, type CallsArea } from './calls.js';
import { ASTATUS, ERROR_CONSTANTS, VSTATUS, crVideoObject } from './constants.js';
import { FacadeCore, type RTCSDKOptions } from './context.js';
import { dataArea, type DataArea } from './data.js';
import { devicesArea, type DevicesArea } from './devices.js';
import { meetingsArea, type MeetingsArea } from './meetings.js';
import { CALLBACK_NAMES, FUNCTION_NAMES } from './names.js';
import { queuesArea, type QueuesArea } from './queues.js';
import { sessionArea, type SessionArea } from './session.js';
import { unsupportedArea, type UnsupportedArea } from './unsupported.js';
import { VideoDisplays, type UiParams, type VideoObj } from './video-obj.js';

export type { CallbackSlot } from './slots.js';
export type { CRUserStatus } from './calls.js';
export type { CRMember } from './meetings.js';
export type { CRQueStatus, CRQueUser, CRQueueInfo, CRQueuingInfo, CRSessionInfo } from './queue-objects.js';
export type { RTCSDKOptions } from './context.js';
export { CALLBACK_NAMES, FUNCTION_NAMES } from './names.js';

type ErrorConstants = typeof ERROR_CONSTANTS;
/** The facade: its areas' functions and callback slots, and the error constants (`RTCSDK.NOERR` …). */
export interface RTCSDK extends SessionArea, MeetingsArea, CallsArea, DevicesArea, DataArea, QueuesArea, UnsupportedArea, ErrorConstants {}

export class RTCSDK {
  /** The microphone and camera states by name (`RTCSDK.VSTATUS.VOPEN`). */
  readonly ASTATUS = ASTATUS;
  readonly VSTATUS = VSTATUS;
  private readonly core: FacadeCore;
  private readonly displays: VideoDisplays;

  constructor(opts: RTCSDKOptions = {}) {
    const core = new FacadeCore(opts);
    this.core = core;
    // Devices before meetings: their listeners see a member who leaves before the room forgets them.
    Object.assign(this, sessionArea(core), devicesArea(core), meetingsArea(core), callsArea(core), dataArea(core), queuesArea(core), unsupportedArea(core));
    Object.assign(this, ERROR_CONSTANTS);
    this.displays = new VideoDisplays(core);
  }

  /** A video display object (`handler()` is the element to append; `setVideo(userID)` chooses whom it shows). */
  CreatVideoObj(uiParams?: UiParams): VideoObj {
    return this.displays.create(uiParams);
  }

  /** The modern client behind the facade, once logged in (for media and anything newer). */
  get client(): CallClient | null {
    return this.core.client;
  }

  /** The media of the meeting we are in (browser only): `media.on('stream', ...)` gives each member's stream. */
  get media(): MediaRoom | null {
    return this.core.av.room;
  }

  /** This device's microphone and camera once OpenMic or OpenVideo was called (browser only). */
  get localMedia(): LocalMedia | null {
    return this.core.av.local;
  }
}

/** A new, independent facade instance (many users can live in one Node process). */
export function createRTCSDK(opts: RTCSDKOptions = {}): RTCSDK {
  return new RTCSDK(opts);
}

/**
 * Sets, on `target` (a window): `RTCSDK`; `CRVideo_<Name>` for every function (bound to the
 * instance) and callback slot (the same object as `RTCSDK.<Name>`); the error constants
 * (`CRVideo_NOERR` …), `CRVideo_ASTATUS` / `CRVideo_VSTATUS`; and the `CRVideo` object with
 * `sdkver`, which apps may add their own fields to (an existing one is kept and given `sdkver`).
 */
export function installGlobals(sdk: RTCSDK, target: Record<string, unknown>): void {
  target.RTCSDK = sdk;
  const rec = sdk as unknown as Record<string, unknown>;
  for (const name of FUNCTION_NAMES) {
    const fn = rec[name] as (...a: unknown[]) => unknown;
    target[`CRVideo_${name}`] = fn.bind(sdk);
  }
  for (const name of CALLBACK_NAMES) target[`CRVideo_${name}`] = rec[name];
  for (const [name, value] of Object.entries(ERROR_CONSTANTS)) target[`CRVideo_${name}`] = value;
  target.CRVideo_ASTATUS = ASTATUS;
  target.CRVideo_VSTATUS = VSTATUS;
  const existing = target.CRVideo;
  if (existing && typeof existing === 'object') Object.assign(existing, { sdkver: crVideoObject().sdkver });
  else target.CRVideo = crVideoObject();
}
