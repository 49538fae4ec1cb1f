/** `callroom serve`: starts the service with a readable banner and stops cleanly on a signal. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from '../server/app.js';
import { createLogger } from '../server/log.js';
import { RedisStore } from '../server/store/redis.js';
import { SqliteStore } from '../server/store/sqlite.js';
import type { Store } from '../server/store/types.js';
import { ConfigError, DEV_DEFAULTS, parseServeConfig, serveHelp, wantsHelp } from './config.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The built web page: dist/web next to dist/src. */
export const WEB_ROOT = resolve(here, '../../web');

export async function serve(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    console.log(serveHelp());
    return 0;
  }
  let cfg;
  try {
    cfg = parseServeConfig(argv, process.env, process.stdout.isTTY === true);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`callroom: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const log = createLogger({ level: cfg.logLevel, format: cfg.logFormat });
  const dbFile = join(cfg.data, 'callroom.db');
  let store: Store;
  if (cfg.redis) {
    const redisStore = new RedisStore(cfg.redis);
    try {
      await redisStore.open();
    } catch (err) {
      console.error(`callroom: ${(err as Error).message}`);
      return 1;
    }
    store = redisStore;
  } else {
    try {
      store = new SqliteStore(dbFile, { durability: cfg.durability });
    } catch (err) {
      console.error(`callroom: cannot open the database ${dbFile}: ${(err as Error).message}. Check --data points to a writable folder.`);
      return 1;
    }
  }
  const server = createServer({
    host: cfg.host,
    port: cfg.port,
    store,
    dev: cfg.dev,
    auth: { apiKey: cfg.apiKey, apiSecret: cfg.apiSecret, appID: cfg.appId, appSecret: cfg.appSecret },
    ringTimeoutMs: cfg.ringTimeout,
    offlineRingMs: cfg.offlineRing,
    assignTimeoutMs: cfg.assignTimeout,
    meetingTtlMs: cfg.meetingTtl,
    ...(cfg.publicUrl ? { publicUrl: cfg.publicUrl.replace(/\/+$/, '') } : {}),
    webRoot: existsSync(join(WEB_ROOT, 'index.html')) ? WEB_ROOT : null,
    ice: { servers: cfg.iceServers, turnSecret: cfg.turnSecret, turnTtlSeconds: cfg.turnTtl, relayOnly: cfg.iceRelayOnly },
    limits: {
      resumeGraceMs: cfg.resumeGrace,
      heartbeatMs: cfg.heartbeat,
      ratePerSecond: cfg.rateLimit,
      rateBurst: cfg.rateLimit * 4,
      maxConnsPerIP: cfg.maxConnsPerIp,
      allowedOrigins: cfg.allowedOrigins,
      presence: cfg.presence,
      maxMeetingsPerUser: cfg.maxMeetingsPerUser,
      maxMembersPerMeeting: cfg.maxMembersPerMeeting,
      maxQueuedBytes: cfg.maxQueuedBytes,
      maxTokenLifetimeS: cfg.maxTokenLifetime,
      loginFailuresPerMinute: cfg.loginFailuresPerMin,
      loginsPerUserPerMinute: cfg.loginsPerUserPerMin,
      passwordFailuresPerMinute: cfg.passwordFailuresPerMin,
      passwordFailuresPerMeetingPerMinute: cfg.passwordFailuresPerMeetingPerMin,
    },
    callRetentionMs: cfg.callRetentionDays * 86_400_000,
    ...(cfg.metricsToken ? { metricsToken: cfg.metricsToken } : {}),
    ...(cfg.webhookUrl.length > 0 ? { webhooks: { urls: cfg.webhookUrl, secret: cfg.webhookSecret!, retryForMs: cfg.webhookRetryFor } } : {}),
    log,
    processMetrics: true,
    ...(cfg.redis
      ? { cluster: { redisUrl: cfg.redis, nodeTimeoutMs: cfg.nodeTimeout, heartbeatMs: Math.max(100, Math.floor(cfg.nodeTimeout / 5)), ...(cfg.nodeId ? { nodeID: cfg.nodeId } : {}) } }
      : {}),
  });
  let url: string;
  try {
    ({ url } = await server.start());
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    await store.close();
    if (e.code === 'EADDRINUSE') console.error(`callroom: port ${cfg.port} on ${cfg.host} is in use. Stop the other program or pick another with --port.`);
    else if (e.code === 'EACCES') console.error(`callroom: not allowed to listen on ${cfg.host}:${cfg.port}. Use a port above 1024.`);
    else console.error(`callroom: could not start: ${e.message}`);
    return 1;
  }
  const banner = [
    '',
    `  callroom is listening on ${url}`,
    `    web page    ${url}/`,
    `    WebSocket   ${url.replace(/^http/, 'ws')}/v1/ws`,
    `    health      ${url}/healthz    metrics ${url}/metrics${cfg.metricsToken ? ' (needs --metrics-token)' : ''}`,
    cfg.redis
      ? `    cluster     Redis ${cfg.redis.replace(/\/\/[^@/]*@/, '//***@')} (node ${cfg.nodeId ?? 'random id'}, node timeout ${cfg.nodeTimeout} ms)`
      : `    database    ${resolve(dbFile)} (SQLite, durability ${cfg.durability})`,
    ...(cfg.webhookUrl.length > 0 ? [`    webhooks    ${cfg.webhookUrl.join(', ')} (retried for ${cfg.webhookRetryFor} ms)`] : []),
    `    ring timeout ${cfg.ringTimeout} ms${cfg.offlineRing > 0 ? ` (a callee not connected is waited for ${cfg.offlineRing} ms)` : ''}    queue assignment timeout ${cfg.assignTimeout} ms`,
    `    ICE servers ${cfg.iceServers.length === 0 ? 'none (peers on one network only; see docs/operations.md)' : cfg.iceServers.map((s) => s.urls.join(' ')).join(', ')}${cfg.turnSecret ? ' (TURN credentials from --turn-secret)' : ''}${cfg.iceRelayOnly ? ', relay only' : ''}`,
  ];
  if (cfg.dev) {
    const loopback = cfg.host === '127.0.0.1' || cfg.host === '::1' || cfg.host === 'localhost';
    if (!loopback) {
      banner.push('', `  !! --dev on ${cfg.host}: the dev keys are public. Anyone who can reach this port can mint tokens for any user. !!`);
    }
    banner.push(
      '',
      '  !! DEVELOPMENT MODE: anyone on this machine can log in as any user. Do not expose it. !!',
      `     Log in on the web page with any name, or get a token: callroom token --dev --user alice`,
      `     Compatible Login: appID "${cfg.appId}", appSecret "${cfg.appId === DEV_DEFAULTS.appId ? DEV_DEFAULTS.appSecret : '(yours)'}" (send its MD5)`,
    );
  } else {
    banner.push('', '  Mode: production. Clients log in with tokens signed by your API secret: callroom token --user alice');
  }
  banner.push('', '  Press Ctrl-C to stop.', '');
  process.stderr.write(banner.join('\n') + '\n');
  log.info({ url, dev: cfg.dev, ...(cfg.redis ? { cluster: true } : { db: dbFile }) }, 'started');

  await new Promise<void>((resolveStop) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write('callroom: forced exit\n');
        process.exit(130);
      }
      stopping = true;
      process.stderr.write(`\ncallroom: ${sig}: stopping (telling clients, closing the database)...\n`);
      server.stop().then(resolveStop, (err: unknown) => {
        log.error({ err }, 'error while stopping');
        resolveStop();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  process.stderr.write('callroom: stopped\n');
  return 0;
}
