/** The services one server holds, wired together (see app.ts), as handlers see them. */
import type { Clock } from './clock.js';
import type { Auth } from './gateway/auth.js';
import type { IceConfig } from './ice.js';
import type { Metrics } from './http/metrics.js';
import type { Logger } from './log.js';
import type { SessionRegistry } from './sessions.js';
import type { CallService, MeetingService, PresenceService } from './services.js';
import type { Store } from './store/types.js';

export interface Limits {
  loginTimeoutMs: number;
  heartbeatMs: number;
  /** Requests per second per session, sustained (0 = unlimited), and the burst allowed. */
  ratePerSecond: number;
  rateBurst: number;
  /** Frames above this get FRAME_TOO_LARGE; the socket survives. */
  maxFrameBytes: number;
  /** Connections allowed from one address at once (0 = unlimited). */
  maxConnsPerIP: number;
  /** How long a session whose connection dropped waits for the client to resume (0 = end at once). */
  resumeGraceMs: number;
  /** Allowed browser Origins; empty = any. */
  allowedOrigins: string[];
}

export interface Core {
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  store: Store;
  auth: Auth;
  sessions: SessionRegistry;
  presence: PresenceService;
  meetings: MeetingService;
  calls: CallService;
  limits: Limits;
  ringTimeoutMs: number;
  ice: IceConfig;
}
