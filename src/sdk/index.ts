/**
 * `callroom/sdk` for Node: the same API as the browser bundle, with the `ws` package as the
 * WebSocket where Node has none built in.
 */
import WebSocket from 'ws';
import { CallClient, type CallClientOptions, type WebSocketLike } from './client.js';
import { createRTCSDK as createFacade, type RTCSDK, type RTCSDKOptions } from './compat/rtcsdk.js';

const nodeWebSocket = (url: string): WebSocketLike => new WebSocket(url) as unknown as WebSocketLike;

function withSocket<T extends { webSocket?: CallClientOptions['webSocket'] }>(o: T): T {
  const G = (globalThis as { WebSocket?: unknown }).WebSocket;
  return o.webSocket || G ? o : { ...o, webSocket: nodeWebSocket };
}

class NodeCallClient extends CallClient {
  constructor(opts: CallClientOptions) {
    super(withSocket(opts));
  }
}

export function createRTCSDK(opts: RTCSDKOptions = {}): RTCSDK {
  return createFacade(withSocket(opts));
}

export { NodeCallClient as CallClient };
export { toSocketUrl, newCallID } from './client.js';
export type { CallClientOptions, ClientEvents, ConnectionState, LoginResult, WebSocketLike } from './client.js';
export type { RTCSDK, RTCSDKOptions, CRQueStatus, CRQueUser, CRQueueInfo, CRQueuingInfo, CRSessionInfo } from './compat/rtcsdk.js';
export { CallroomError, ErrorCodes, errorName } from '../protocol/errors.js';
/** Media needs WebRTC: these work in browsers (bundled code), not in Node itself. */
export { LocalMedia, MediaRoom } from './media/index.js';
export type { DeviceState, LocalMediaState, MediaHealthReason, MediaHealthState, MediaRoomEvents, MediaRoomOptions } from './media/index.js';
export type * from '../protocol/messages.js';
export type * from '../protocol/queues.js';
