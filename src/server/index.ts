/** `callroom/server`: embed the call service in your own Node process. */
export { createServer, DEFAULT_LIMITS, type CallroomServer, type ServerOptions } from './app.js';
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite.js';
export type { Store, MeetingRecord, NewMeeting, CallQuery } from './store/types.js';
export { Auth, type AuthConfig, type Identity } from './gateway/auth.js';
export { systemClock, type Clock, type TimerHandle } from './clock.js';
export { createLogger, type LogFormat, type LogLevel } from './log.js';
export { verifyWebhook, signWebhook, WEBHOOK_HEADERS, type VerifyOptions, type VerifyResult, type HeaderBag } from './webhooks/sign.js';
export type { WebhookEvent, WebhookEventType, WebhookData, MissedReason } from './webhooks/types.js';
export type { WebhookOptions } from './webhooks/worker.js';
