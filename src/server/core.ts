/** The services one server holds, wired together (see app.ts), as handlers see them. */
import type { Clock } from './clock.js';
import type { Auth } from './gateway/auth.js';
import type { Guards } from './gateway/guards.js';
import type { Visibility } from './gateway/visibility.js';
import type { IceConfig } from './ice.js';
import type { Metrics } from './http/metrics.js';
import type { Logger } from './log.js';
import type { SessionRegistry } from './sessions.js';
import type { CallService, MeetingService, PresenceService, QueueService } from './services.js';
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
  /** Failed logins (bad token, wrong app secret) per address per minute before a lockout (0 = off). */
  loginFailuresPerMinute: number;
  /** Logins and resumes per user per minute, over every socket (0 = off). */
  loginsPerUserPerMinute: number;
  /** Wrong meeting passwords per user per minute before a lockout (0 = off). */
  passwordFailuresPerMinute: number;
  /** Wrong passwords for one meeting per minute, from anyone, before a lockout (0 = off). */
  passwordFailuresPerMeetingPerMinute: number;
  /** Meetings one user may have at once (0 = unlimited). */
  maxMeetingsPerUser: number;
  /** Members one meeting may hold (0 = unlimited). */
  maxMembersPerMeeting: number;
  /** Bytes of events one session may hold unread or unacknowledged before it is closed (SLOW_CONSUMER). */
  maxQueuedBytes: number;
  /** Longest token lifetime accepted, in seconds: `exp` at most this far ahead (0 = no maximum). */
  maxTokenLifetimeS: number;
  /** Whose status a user sees: everyone online, their contacts, or nobody but themselves. */
  presence: PresenceMode;
}

export type PresenceMode = 'all' | 'contacts' | 'none';

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
  queues: QueueService;
  limits: Limits;
  ringTimeoutMs: number;
  ice: IceConfig;
  guards: Guards;
  visibility: Visibility;
}
