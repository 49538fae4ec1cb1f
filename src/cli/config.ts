/**
 * `callroom serve` configuration: each option has a flag, an environment variable, a default
 * and a check. Flags win over the environment. A bad value stops the start with a message that
 * names the option and says what it takes.
 */
import { parseArgs } from 'node:util';
import type { IceServer } from '../protocol/messages.js';
import { IceConfigError, parseIceServers } from '../server/ice.js';
import { LOG_LEVELS, type LogFormat, type LogLevel } from '../server/log.js';

interface OptionSpec {
  flag: string;
  env: string;
  kind: 'string' | 'int' | 'bool' | 'list';
  default?: string;
  help: string;
  min?: number;
  max?: number;
  choices?: readonly string[];
}

export const SERVE_OPTIONS = {
  port: { flag: 'port', env: 'PORT', kind: 'int', default: '8080', min: 0, max: 65535, help: 'TCP port for HTTP and WebSocket (0 = any free port)' },
  host: { flag: 'host', env: 'HOST', kind: 'string', default: '127.0.0.1', help: 'address to listen on (0.0.0.0 for all interfaces)' },
  data: { flag: 'data', env: 'CALLROOM_DATA', kind: 'string', default: './data', help: 'folder for the SQLite file (callroom.db)' },
  ringTimeout: { flag: 'ring-timeout', env: 'CALLROOM_RING_TIMEOUT_MS', kind: 'int', default: '30000', min: 100, max: 600000, help: 'ms a call rings before it ends unanswered (604)' },
  offlineRing: { flag: 'offline-ring', env: 'CALLROOM_OFFLINE_RING_MS', kind: 'int', default: '0', min: 0, max: 600000, help: 'ms a call to a user who is not connected waits for them to log in (call.ringing goes to the webhooks, so a backend can wake their app); they are rung with the time left, else the call ends unanswered (604). 0 = the callee offline gets 603 at once' },
  assignTimeout: { flag: 'assign-timeout', env: 'CALLROOM_ASSIGN_TIMEOUT_MS', kind: 'int', default: '30000', min: 1000, max: 600000, help: 'ms an agent has to accept or reject a queue customer offered to them (and to begin the call after accepting) before the offer goes to another agent' },
  apiKey: { flag: 'api-key', env: 'CALLROOM_API_KEY', kind: 'string', help: 'API key: the "iss" of the tokens this server accepts' },
  apiSecret: { flag: 'api-secret', env: 'CALLROOM_API_SECRET', kind: 'string', help: 'API secret that signs tokens (HS256), at least 32 characters' },
  appId: { flag: 'app-id', env: 'CALLROOM_APP_ID', kind: 'string', help: 'app ID accepted by the compatible Login(appID, md5(appSecret), ...)' },
  appSecret: { flag: 'app-secret', env: 'CALLROOM_APP_SECRET', kind: 'string', help: 'app secret for the compatible Login (clients send its MD5)' },
  dev: { flag: 'dev', env: 'CALLROOM_DEV', kind: 'bool', help: 'development mode: dev keys, and the web page may get a token for any name (loopback only)' },
  publicUrl: { flag: 'public-url', env: 'CALLROOM_PUBLIC_URL', kind: 'string', help: 'base URL used in meeting links (default: http://host:port)' },
  resumeGrace: { flag: 'resume-grace', env: 'CALLROOM_RESUME_GRACE_MS', kind: 'int', default: '20000', min: 0, max: 3_600_000, help: 'ms a dropped session waits for its client to resume before its calls end (0 = at once)' },
  heartbeat: { flag: 'heartbeat', env: 'CALLROOM_HEARTBEAT_MS', kind: 'int', default: '4000', min: 100, max: 60_000, help: 'ms between the WebSocket pings the server sends; a socket that has not answered one by the next is cut (so a dead connection is noticed within twice this)' },
  meetingTtl: { flag: 'meeting-ttl', env: 'CALLROOM_MEETING_TTL_MS', kind: 'int', default: String(24 * 3600_000), min: 0, max: 365 * 24 * 3600_000, help: 'ms an empty meeting lives before it is destroyed (0 = forever)' },
  durability: { flag: 'durability', env: 'CALLROOM_DURABILITY', kind: 'string', default: 'normal', choices: ['normal', 'full'], help: 'normal: writes survive a crash of the process; full: also a power loss (slower)' },
  logLevel: { flag: 'log-level', env: 'LOG_LEVEL', kind: 'string', default: 'info', choices: LOG_LEVELS, help: 'log level' },
  logFormat: { flag: 'log-format', env: 'CALLROOM_LOG_FORMAT', kind: 'string', choices: ['json', 'pretty'], help: 'json (one object per line) or pretty; default: pretty on a terminal, else json' },
  rateLimit: { flag: 'rate-limit', env: 'CALLROOM_RATE_LIMIT', kind: 'int', default: '50', min: 0, max: 1_000_000, help: 'frames per second per connection, sustained, with bursts up to 4x (0 = unlimited)' },
  maxConnsPerIp: { flag: 'max-conns-per-ip', env: 'CALLROOM_MAX_CONNS_PER_IP', kind: 'int', default: '1000', min: 0, max: 10_000_000, help: 'open connections allowed from one address (0 = unlimited)' },
  redis: { flag: 'redis', env: 'CALLROOM_REDIS_URL', kind: 'string', help: 'cluster mode: join the nodes sharing this Redis (redis://host:6379); the store is then Redis, not SQLite' },
  nodeId: { flag: 'node-id', env: 'CALLROOM_NODE_ID', kind: 'string', help: 'cluster mode: this node\'s unique name (default: random)' },
  nodeTimeout: { flag: 'node-timeout', env: 'CALLROOM_NODE_TIMEOUT_MS', kind: 'int', default: '5000', min: 500, max: 600_000, help: 'cluster mode: ms without a heartbeat after which a node is dead (its users are gone after the resume grace more)' },
  allowedOrigins: { flag: 'allowed-origins', env: 'CALLROOM_ALLOWED_ORIGINS', kind: 'list', help: 'comma-separated browser Origins allowed to connect (default: any)' },
  iceServers: { flag: 'ice-servers', env: 'CALLROOM_ICE_SERVERS', kind: 'string', help: 'STUN/TURN servers for media: comma-separated stun:/turn: URLs, or a JSON array of URLs and {urls, username, credential} (default: none, host candidates only)' },
  iceRelayOnly: { flag: 'ice-relay-only', env: 'CALLROOM_ICE_RELAY_ONLY', kind: 'bool', help: "clients use TURN relays only (iceTransportPolicy 'relay'): no host or STUN candidates; needs a turn: URL in --ice-servers" },
  turnSecret: { flag: 'turn-secret', env: 'CALLROOM_TURN_SECRET', kind: 'string', help: "coturn's static-auth-secret (use-auth-secret): TURN URLs without a username get short-lived credentials" },
  presence: { flag: 'presence', env: 'CALLROOM_PRESENCE', kind: 'string', default: 'all', choices: ['all', 'contacts', 'none'], help: 'whose status a user sees: all online users, contacts (users they called or were called by, or the token\'s "contacts"), or none but their own' },
  maxMeetingsPerUser: { flag: 'max-meetings-per-user', env: 'CALLROOM_MAX_MEETINGS_PER_USER', kind: 'int', default: '100', min: 0, max: 1_000_000, help: 'meetings one user may have at once; more gets 907 LIMIT_REACHED (0 = unlimited)' },
  maxMembersPerMeeting: { flag: 'max-members-per-meeting', env: 'CALLROOM_MAX_MEMBERS_PER_MEETING', kind: 'int', default: '100', min: 0, max: 1_000_000, help: 'members one meeting may hold; more gets 907 LIMIT_REACHED (0 = unlimited)' },
  maxQueuedBytes: { flag: 'max-queued-bytes', env: 'CALLROOM_MAX_QUEUED_BYTES', kind: 'int', default: String(2 * 1024 * 1024), min: 65_536, max: 1024 * 1024 * 1024, help: 'events kept unacknowledged per session (older ones are dropped; a resume from before them starts a new session); a socket with twice this unsent is closed with 4906' },
  maxTokenLifetime: { flag: 'max-token-lifetime', env: 'CALLROOM_MAX_TOKEN_LIFETIME_S', kind: 'int', default: String(31 * 86_400), min: 0, max: 10 * 365 * 86_400, help: 'seconds: tokens whose exp is further ahead than this are refused (21) (0 = no maximum)' },
  loginFailuresPerMin: { flag: 'login-failures-per-min', env: 'CALLROOM_LOGIN_FAILURES_PER_MIN', kind: 'int', default: '20', min: 0, max: 1_000_000, help: 'failed logins (bad token, wrong app secret) per address per minute before a lockout of 1 min, doubling to 1 h (0 = off)' },
  loginsPerUserPerMin: { flag: 'logins-per-user-per-min', env: 'CALLROOM_LOGINS_PER_USER_PER_MIN', kind: 'int', default: '60', min: 0, max: 1_000_000, help: 'logins and resumes of one user per minute, over all sockets (0 = off)' },
  passwordFailuresPerMin: { flag: 'password-failures-per-min', env: 'CALLROOM_PASSWORD_FAILURES_PER_MIN', kind: 'int', default: '10', min: 0, max: 1_000_000, help: 'wrong meeting passwords per user per minute before a lockout of 1 min, doubling to 1 h (0 = off)' },
  passwordFailuresPerMeetingPerMin: { flag: 'password-failures-per-meeting-per-min', env: 'CALLROOM_PASSWORD_FAILURES_PER_MEETING_PER_MIN', kind: 'int', default: '30', min: 0, max: 1_000_000, help: 'wrong passwords for one meeting per minute, from anyone, before a lockout (0 = off)' },
  callRetentionDays: { flag: 'call-retention-days', env: 'CALLROOM_CALL_RETENTION_DAYS', kind: 'int', default: '365', min: 0, max: 36_500, help: 'days ended call records are kept before they are deleted (0 = forever)' },
  metricsToken: { flag: 'metrics-token', env: 'CALLROOM_METRICS_TOKEN', kind: 'string', help: 'GET /metrics then needs Authorization: Bearer <this> (default: no auth)' },
  webhookUrl: { flag: 'webhook-url', env: 'CALLROOM_WEBHOOK_URL', kind: 'list', help: "your backend's URL for signed webhook events (call.ringing, call.missed, call.ended, user.online/offline, queue.*); comma-separated or repeated for several (see docs/webhooks.md)" },
  webhookSecret: { flag: 'webhook-secret', env: 'CALLROOM_WEBHOOK_SECRET', kind: 'string', help: 'secret that signs each webhook (HMAC-SHA256 over timestamp.body), at least 16 characters; needed with --webhook-url' },
  webhookRetryFor: { flag: 'webhook-retry-for', env: 'CALLROOM_WEBHOOK_RETRY_FOR_MS', kind: 'int', default: String(24 * 3600_000), min: 1000, max: 30 * 24 * 3600_000, help: 'ms a webhook event is retried (exponential backoff with jitter) before it is given up' },
  turnTtl: { flag: 'turn-ttl', env: 'CALLROOM_TURN_TTL_S', kind: 'int', default: '86400', min: 60, max: 30 * 86400, help: 'seconds the TURN credentials given to a client stay valid' },
} as const satisfies Record<string, OptionSpec>;

export type ServeConfig = {
  port: number;
  host: string;
  data: string;
  ringTimeout: number;
  offlineRing: number;
  assignTimeout: number;
  apiKey: string;
  apiSecret: string;
  appId: string | undefined;
  appSecret: string | undefined;
  dev: boolean;
  publicUrl: string | undefined;
  resumeGrace: number;
  heartbeat: number;
  meetingTtl: number;
  durability: 'normal' | 'full';
  logLevel: LogLevel;
  logFormat: LogFormat;
  rateLimit: number;
  maxConnsPerIp: number;
  allowedOrigins: string[];
  /** Parsed from --ice-servers. */
  iceServers: IceServer[];
  iceRelayOnly: boolean;
  turnSecret: string | undefined;
  turnTtl: number;
  presence: 'all' | 'contacts' | 'none';
  maxMeetingsPerUser: number;
  maxMembersPerMeeting: number;
  maxQueuedBytes: number;
  maxTokenLifetime: number;
  loginFailuresPerMin: number;
  loginsPerUserPerMin: number;
  passwordFailuresPerMin: number;
  passwordFailuresPerMeetingPerMin: number;
  callRetentionDays: number;
  metricsToken: string | undefined;
  redis: string | undefined;
  nodeId: string | undefined;
  nodeTimeout: number;
  webhookUrl: string[];
  webhookSecret: string | undefined;
  webhookRetryFor: number;
};

/** The keys and secrets --dev uses when none are given. Never use them in production. */
export const DEV_DEFAULTS = {
  apiKey: 'devkey',
  apiSecret: 'callroom-dev-secret-do-not-use-in-production',
  appId: 'callroom-dev',
  appSecret: 'callroom-dev-app-secret',
} as const;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function describe(key: keyof typeof SERVE_OPTIONS): string {
  const o: OptionSpec = SERVE_OPTIONS[key];
  return `--${o.flag} (${o.env})`;
}

export function serveHelp(): string {
  const lines = ['Usage: callroom serve [options]', '', 'Starts the call service: HTTP, WebSocket (/v1/ws), metrics and the web page on one port.', '', 'Options (flag, environment variable, default):'];
  for (const o of Object.values(SERVE_OPTIONS) as OptionSpec[]) {
    const flag = o.kind === 'bool' ? `--${o.flag}` : `--${o.flag} <${o.kind === 'int' ? 'n' : 'value'}>`;
    lines.push(`  ${flag.padEnd(26)} ${o.env.padEnd(26)} ${o.default !== undefined ? `[${o.default}]` : ''}`);
    lines.push(`  ${''.padEnd(26)} ${o.help}${o.choices ? ` (${o.choices.join(' | ')})` : ''}`);
  }
  lines.push('  -h, --help                 show this help');
  lines.push('', 'Without --dev, --api-secret is required. Example:', '  callroom serve --dev', '  CALLROOM_API_SECRET=$(openssl rand -hex 32) callroom serve --host 0.0.0.0 --port 8080');
  return lines.join('\n');
}

export function parseServeConfig(argv: string[], env: NodeJS.ProcessEnv, isTTY = false): ServeConfig {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' } };
  for (const o of Object.values(SERVE_OPTIONS) as OptionSpec[]) {
    // A list flag may be repeated (--webhook-url a --webhook-url b), each value comma-separated too.
    options[o.flag] = o.kind === 'list' ? { type: 'string', multiple: true } : { type: o.kind === 'bool' ? 'boolean' : 'string' };
  }
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as typeof values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}. Run "callroom serve --help" for the options.`);
  }
  const raw: Record<string, unknown> = {};
  for (const [key, o] of Object.entries(SERVE_OPTIONS) as [keyof typeof SERVE_OPTIONS, OptionSpec][]) {
    const fromFlag = values[o.flag];
    const fromEnv = env[o.env];
    if (o.kind === 'bool') {
      if (fromFlag !== undefined) raw[key] = fromFlag === true;
      else if (fromEnv !== undefined && fromEnv !== '') {
        if (!/^(1|0|true|false|yes|no)$/i.test(fromEnv)) throw new ConfigError(`${describe(key)} must be true or false, got "${fromEnv}"`);
        raw[key] = /^(1|true|yes)$/i.test(fromEnv);
      } else raw[key] = false;
      continue;
    }
    const text = Array.isArray(fromFlag) ? fromFlag.join(',') : typeof fromFlag === 'string' ? fromFlag : fromEnv !== undefined && fromEnv !== '' ? fromEnv : o.default;
    if (text === undefined) {
      raw[key] = o.kind === 'list' ? [] : undefined;
      continue;
    }
    if (o.kind === 'int') {
      if (!/^-?\d+$/.test(text.trim())) throw new ConfigError(`${describe(key)} must be a whole number, got "${text}"`);
      const n = Number(text);
      if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) {
        throw new ConfigError(`${describe(key)} must be between ${o.min} and ${o.max}, got ${n}`);
      }
      raw[key] = n;
    } else if (o.kind === 'list') {
      raw[key] = text.split(',').map((s) => s.trim()).filter(Boolean);
    } else {
      if (o.choices && !o.choices.includes(text)) throw new ConfigError(`${describe(key)} must be one of ${o.choices.join(', ')}; got "${text}"`);
      raw[key] = text;
    }
  }
  const cfg = raw as Partial<ServeConfig> & Record<string, unknown>;
  if (cfg.dev) {
    cfg.apiKey ??= DEV_DEFAULTS.apiKey;
    cfg.apiSecret ??= DEV_DEFAULTS.apiSecret;
    if (cfg.appId === undefined && cfg.appSecret === undefined) {
      cfg.appId = DEV_DEFAULTS.appId;
      cfg.appSecret = DEV_DEFAULTS.appSecret;
    }
  }
  cfg.apiKey ??= 'callroom';
  if (!cfg.apiSecret) {
    throw new ConfigError(
      `${describe('apiSecret')} is required (or run with --dev to try callroom locally). Make one with: openssl rand -hex 32`,
    );
  }
  if (!cfg.dev && cfg.apiSecret.length < 32) throw new ConfigError(`${describe('apiSecret')} must be at least 32 characters`);
  if ((cfg.appId === undefined) !== (cfg.appSecret === undefined)) {
    throw new ConfigError(`${describe('appId')} and ${describe('appSecret')} go together: give both or neither`);
  }
  if (cfg.publicUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(cfg.publicUrl)) {
    throw new ConfigError(`${describe('publicUrl')} must be an http(s) URL, got "${cfg.publicUrl}"`);
  }
  for (const origin of cfg.allowedOrigins ?? []) {
    if (!/^https?:\/\/[^\s/]+$/.test(origin)) throw new ConfigError(`${describe('allowedOrigins')}: "${origin}" is not an origin like https://app.example.com`);
  }
  try {
    cfg.iceServers = parseIceServers(typeof raw.iceServers === 'string' ? raw.iceServers : '');
  } catch (err) {
    if (err instanceof IceConfigError) throw new ConfigError(`${describe('iceServers')}: ${err.message}`);
    throw err;
  }
  if (cfg.turnSecret !== undefined && !cfg.iceServers.some((s) => s.username === undefined && s.urls.some((u) => /^turns?:/i.test(u)))) {
    throw new ConfigError(`${describe('turnSecret')} needs a turn: URL without a username in ${describe('iceServers')}, e.g. --ice-servers turn:turn.example.com:3478`);
  }
  if (cfg.iceRelayOnly && !cfg.iceServers.some((s) => s.urls.some((u) => /^turns?:/i.test(u)))) {
    throw new ConfigError(`${describe('iceRelayOnly')} needs a turn: URL in ${describe('iceServers')}: without a relay no media can flow`);
  }
  if (cfg.redis !== undefined && !/^rediss?:\/\/[^\s]+$/.test(cfg.redis)) {
    throw new ConfigError(`${describe('redis')} must be a Redis URL like redis://127.0.0.1:6379, got "${cfg.redis}"`);
  }
  if (cfg.nodeId !== undefined && !/^[A-Za-z0-9_.:-]{1,64}$/.test(cfg.nodeId)) {
    throw new ConfigError(`${describe('nodeId')} must be 1..64 letters, digits or _.:-, got "${cfg.nodeId}"`);
  }
  if (cfg.metricsToken !== undefined && cfg.metricsToken.length < 16) {
    throw new ConfigError(`${describe('metricsToken')} must be at least 16 characters, e.g. from: openssl rand -hex 16`);
  }
  for (const u of cfg.webhookUrl ?? []) {
    if (!/^https?:\/\/[^\s/]+/.test(u)) throw new ConfigError(`${describe('webhookUrl')}: "${u}" is not an http(s) URL like https://backend.example.com/callroom`);
  }
  if ((cfg.webhookUrl ?? []).length > 0 && cfg.webhookSecret === undefined) {
    throw new ConfigError(`${describe('webhookUrl')} needs ${describe('webhookSecret')}, which signs the events. Make one with: openssl rand -hex 32`);
  }
  if (cfg.webhookSecret !== undefined && cfg.webhookSecret.length < 16) throw new ConfigError(`${describe('webhookSecret')} must be at least 16 characters`);
  cfg.logFormat ??= isTTY ? 'pretty' : 'json';
  return cfg as ServeConfig;
}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
