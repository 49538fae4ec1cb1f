/** The wire protocol version this code speaks; the socket path carries it (`/v1/ws`). */
export const PROTOCOL_VERSION = 1;
export const WS_PATH = '/v1/ws';
export const SDK_NAME = 'callroom-js';
