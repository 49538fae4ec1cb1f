/**
 * The browser bundle (dist/web/callroom-sdk.js): exposes `Callroom` with the modern API (and
 * the media classes LocalMedia and MediaRoom), and
 * sets `window.RTCSDK` and a global `CRVideo_<Name>` for every facade function and callback.
 */
import { CallClient, toSocketUrl, newCallID } from './client.js';
import { createRTCSDK, installGlobals } from './compat/rtcsdk.js';
import { CallroomError, ErrorCodes, errorName } from '../protocol/errors.js';
import { LocalMedia, MediaRoom } from './media/index.js';

const RTCSDK = createRTCSDK();
installGlobals(RTCSDK, globalThis as unknown as Record<string, unknown>);

export { CallClient, createRTCSDK, RTCSDK, toSocketUrl, newCallID, CallroomError, ErrorCodes, errorName, LocalMedia, MediaRoom };
