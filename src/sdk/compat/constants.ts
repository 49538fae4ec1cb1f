/**
 * The reference SDK's constants, as globals and on the facade: the error numbers
 * (`CRVideo_NOERR` …), the device status objects (`CRVideo_ASTATUS`, `CRVideo_VSTATUS`) and the
 * `CRVideo` object with `sdkver`. The values are the reference SDK's; docs/compat.md lists them.
 */
import { ErrorCodes } from '../../protocol/errors.js';
import { PROTOCOL_VERSION, SDK_NAME } from '../../protocol/version.js';

/** Error constants, `CRVideo_<name>` = value. callroom's own codes (9xx) are under their ErrorCodes names. */
export const ERROR_CONSTANTS = {
  NOERR: 0,
  UNKNOWERR: 1,
  OUTOF_MEM: 2,
  INNER_ERR: 3,
  MISMATCHCLIENTVER: 4,
  MEETPARAM_ERR: 5,
  ERR_DATA: 6,
  ANCTPSWD_ERR: 7,
  SERVER_EXCEPTION: 8,
  CRVideoSDK_USER_BEEN_KICKOUT: 10,
  NETWORK_INITFAILED: 200,
  NO_SERVERINFO: 201,
  NOSERVER_RSP: 202,
  CREATE_CONN_FAILED: 203,
  SOCKETEXCEPTION: 204,
  SOCKETTIMEOUT: 205,
  FORCEDCLOSECONNECTION: 206,
  CONNECTIONLOST: 207,
  QUE_ID_INVALID: 400,
  QUE_NOUSER: 401,
  QUE_USER_CANCELLED: 402,
  QUE_SERVICE_NOT_START: 403,
  ALREADY_OTHERQUE: 404,
  INVALID_CALLID: 600,
  ERR_CALL_EXIST: 601,
  ERR_BUSY: 602,
  ERR_OFFLINE: 603,
  ERR_NOANSWER: 604,
  ERR_USER_NOT_FOUND: 605,
  ERR_REFUSE: 606,
  MEETNOTEXIST: 800,
  AUTHERROR: 801,
  MEMBEROVERFLOWERROR: 802,
  RESOURCEALLOCATEERROR: 803,
  MEETOFFLINE: 804,
  WEB_OCX_NOTINSTALLED: 1001,
  WEB_BROWER_NOTUPPORTED: 1002,
  OCX_VERSION_NOTUPPORTED: 1003,
  NOT_SUPPORTED: ErrorCodes.NOT_SUPPORTED,
  DEVICE_DENIED: ErrorCodes.DEVICE_DENIED,
  NO_DEVICE: ErrorCodes.NO_DEVICE,
} as const;

/**
 * Microphone (ASTATUS) and camera (VSTATUS) states; the numbers are the same for both and on
 * the wire (`meeting.media`). 0 unknown, 1 no device (missing or refused), 2 closed, 3 open, 4 opening.
 */
export const ASTATUS = { AUNKNOWN: 0, ANULL: 1, ACLOSE: 2, AOPEN: 3, AOPENING: 4 } as const;
export const VSTATUS = { VUNKNOWN: 0, VNULL: 1, VCLOSE: 2, VOPEN: 3, VOPENING: 4 } as const;

/** What `GetSDKVersion()` and `CRVideo.sdkver` say: callroom's SDK and its protocol version. */
export const SDK_VERSION = `${SDK_NAME} 0.1.0 (protocol ${PROTOCOL_VERSION})`;

/** The `CRVideo` global: `sdkver`, and whatever fields the app adds. */
export function crVideoObject(): Record<string, unknown> {
  return { sdkver: SDK_VERSION };
}
