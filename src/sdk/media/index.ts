/** WebRTC media for rooms: this device's camera and microphone, and the peer links of a meeting. */
export { LocalMedia, classifyMediaError } from './local-media.js';
export type { DeviceState, GetUserMedia, LocalMediaEvents, LocalMediaOptions, LocalMediaState, MediaKind } from './local-media.js';
export { MediaRoom, isPolite } from './room.js';
export type { MediaRoomEvents, MediaRoomOptions, RoomSignalling } from './room.js';
export { PeerLink } from './peer.js';
export { MediaHealth, DEFAULT_MEDIA_TIMEOUT_MS } from './health.js';
export type { MediaHealthReason, MediaHealthState, HealthLink, MediaHealthOptions } from './health.js';
