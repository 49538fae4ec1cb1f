import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DEV_DEFAULTS, parseServeConfig } from '../../src/cli/config.js';

const SECRET = 'prod-secret-0123456789abcdef0123456789';
const parse = (argv: string[], env: NodeJS.ProcessEnv = {}, tty = false) => parseServeConfig(argv, env, tty);

/** Asserts a ConfigError whose message names the option (its flag and its variable). */
function refuses(argv: string[], env: NodeJS.ProcessEnv, names: RegExp) {
  assert.throws(
    () => parse(argv, env),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
      assert.match(e.message, names);
      return true;
    },
  );
}

test('config: defaults with only the API secret given', () => {
  const c = parse([], { CALLROOM_API_SECRET: SECRET });
  assert.equal(c.port, 8080);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.data, './data');
  assert.equal(c.ringTimeout, 30_000);
  assert.equal(c.apiKey, 'callroom');
  assert.equal(c.apiSecret, SECRET);
  assert.equal(c.appId, undefined);
  assert.equal(c.appSecret, undefined);
  assert.equal(c.dev, false);
  assert.equal(c.publicUrl, undefined);
  assert.equal(c.meetingTtl, 24 * 3600_000);
  assert.equal(c.durability, 'normal');
  assert.equal(c.logLevel, 'info');
  assert.equal(c.logFormat, 'json');
  assert.equal(c.rateLimit, 50);
  assert.equal(c.maxConnsPerIp, 1000);
  assert.deepEqual(c.allowedOrigins, []);
});

test('config: the log format defaults to pretty on a terminal', () => {
  assert.equal(parse([], { CALLROOM_API_SECRET: SECRET }, true).logFormat, 'pretty');
});

test('config: --dev supplies the dev keys and app credentials', () => {
  const c = parse(['--dev'], {});
  assert.equal(c.dev, true);
  assert.equal(c.apiKey, DEV_DEFAULTS.apiKey);
  assert.equal(c.apiSecret, DEV_DEFAULTS.apiSecret);
  assert.equal(c.appId, DEV_DEFAULTS.appId);
  assert.equal(c.appSecret, DEV_DEFAULTS.appSecret);
  assert.equal(parse([], { CALLROOM_DEV: 'yes' }).dev, true);
  assert.equal(parse([], { CALLROOM_DEV: '0', CALLROOM_API_SECRET: SECRET }).dev, false);
});

test('config: the environment sets options', () => {
  const c = parse([], {
    CALLROOM_API_SECRET: SECRET,
    PORT: '9000',
    HOST: '0.0.0.0',
    CALLROOM_RING_TIMEOUT_MS: '5000',
    CALLROOM_DURABILITY: 'full',
    CALLROOM_ALLOWED_ORIGINS: 'https://a.example, https://b.example,',
    CALLROOM_APP_ID: 'app',
    CALLROOM_APP_SECRET: 'app-secret',
  });
  assert.equal(c.port, 9000);
  assert.equal(c.host, '0.0.0.0');
  assert.equal(c.ringTimeout, 5000);
  assert.equal(c.durability, 'full');
  assert.deepEqual(c.allowedOrigins, ['https://a.example', 'https://b.example']);
  assert.equal(c.appId, 'app');
  assert.equal(c.appSecret, 'app-secret');
});

test('config: a flag wins over its environment variable', () => {
  const env = { CALLROOM_API_SECRET: SECRET, PORT: '9000', CALLROOM_RING_TIMEOUT_MS: '5000', LOG_LEVEL: 'debug' };
  const c = parse(['--port', '9001', '--ring-timeout', '7000', '--log-level', 'warn', '--api-secret', `${SECRET}-flag`], env);
  assert.equal(c.port, 9001);
  assert.equal(c.ringTimeout, 7000);
  assert.equal(c.logLevel, 'warn');
  assert.equal(c.apiSecret, `${SECRET}-flag`);
});

test('config: an empty environment variable counts as unset', () => {
  assert.equal(parse([], { CALLROOM_API_SECRET: SECRET, PORT: '' }).port, 8080);
});

test('config: a number that is not a whole number names the option', () => {
  refuses(['--port', 'abc'], { CALLROOM_API_SECRET: SECRET }, /--port \(PORT\).*whole number.*"abc"/);
  refuses([], { CALLROOM_API_SECRET: SECRET, CALLROOM_RING_TIMEOUT_MS: '1.5' }, /--ring-timeout \(CALLROOM_RING_TIMEOUT_MS\)/);
});

test('config: a number out of range names the option and the range', () => {
  refuses(['--port', '70000'], { CALLROOM_API_SECRET: SECRET }, /--port \(PORT\).*between 0 and 65535/);
  refuses(['--ring-timeout', '5'], { CALLROOM_API_SECRET: SECRET }, /--ring-timeout.*between 100 and 600000/);
  refuses(['--rate-limit=-1'], { CALLROOM_API_SECRET: SECRET }, /--rate-limit \(CALLROOM_RATE_LIMIT\)/);
});

test('config: a value outside the choices names the option and the choices', () => {
  refuses(['--durability', 'eventual'], { CALLROOM_API_SECRET: SECRET }, /--durability \(CALLROOM_DURABILITY\).*normal, full/);
  refuses([], { CALLROOM_API_SECRET: SECRET, LOG_LEVEL: 'loud' }, /--log-level \(LOG_LEVEL\)/);
  refuses(['--log-format', 'xml'], { CALLROOM_API_SECRET: SECRET }, /--log-format/);
});

test('config: a boolean variable that is not true/false names the option', () => {
  refuses([], { CALLROOM_API_SECRET: SECRET, CALLROOM_DEV: 'maybe' }, /--dev \(CALLROOM_DEV\).*true or false/);
});

test('config: without --dev the API secret is required and must be long enough', () => {
  refuses([], {}, /--api-secret \(CALLROOM_API_SECRET\) is required/);
  refuses(['--api-secret', 'short'], {}, /--api-secret \(CALLROOM_API_SECRET\) must be at least 32/);
});

test('config: the app ID and app secret go together', () => {
  refuses(['--app-id', 'x'], { CALLROOM_API_SECRET: SECRET }, /--app-id \(CALLROOM_APP_ID\).*--app-secret/);
  refuses([], { CALLROOM_API_SECRET: SECRET, CALLROOM_APP_SECRET: 'y' }, /--app-id.*--app-secret/);
});

test('config: URLs and origins are checked', () => {
  refuses(['--public-url', 'ftp://x'], { CALLROOM_API_SECRET: SECRET }, /--public-url \(CALLROOM_PUBLIC_URL\)/);
  refuses(['--allowed-origins', 'https://ok.example,https://bad.example/path'], { CALLROOM_API_SECRET: SECRET }, /--allowed-origins.*bad\.example\/path/);
  assert.equal(parse(['--public-url', 'https://calls.example'], { CALLROOM_API_SECRET: SECRET }).publicUrl, 'https://calls.example');
});

test('config: an unknown flag, or a flag without its value, is a ConfigError pointing at --help', () => {
  refuses(['--prot', '1'], { CALLROOM_API_SECRET: SECRET }, /--prot.*callroom serve --help/);
  refuses(['--port'], { CALLROOM_API_SECRET: SECRET }, /--port/);
  refuses(['extra'], { CALLROOM_API_SECRET: SECRET }, /extra/);
});

test('config: the abuse limits have their defaults, take flags and variables, and refuse bad values', () => {
  const c = parse([], { CALLROOM_API_SECRET: SECRET });
  assert.equal(c.presence, 'all');
  assert.equal(c.maxMeetingsPerUser, 100);
  assert.equal(c.maxMembersPerMeeting, 100);
  assert.equal(c.maxQueuedBytes, 2 * 1024 * 1024);
  assert.equal(c.maxTokenLifetime, 31 * 86_400);
  assert.equal(c.loginFailuresPerMin, 20);
  assert.equal(c.loginsPerUserPerMin, 60);
  assert.equal(c.passwordFailuresPerMin, 10);
  assert.equal(c.passwordFailuresPerMeetingPerMin, 30);
  assert.equal(c.callRetentionDays, 365);
  assert.equal(c.metricsToken, undefined);
  const d = parse(['--presence', 'contacts', '--max-meetings-per-user', '5', '--metrics-token', 'scrape-0123456789abcdef'], {
    CALLROOM_API_SECRET: SECRET,
    CALLROOM_PASSWORD_FAILURES_PER_MIN: '3',
  });
  assert.equal(d.presence, 'contacts');
  assert.equal(d.maxMeetingsPerUser, 5);
  assert.equal(d.passwordFailuresPerMin, 3);
  assert.equal(d.metricsToken, 'scrape-0123456789abcdef');
  refuses(['--presence', 'friends'], { CALLROOM_API_SECRET: SECRET }, /--presence \(CALLROOM_PRESENCE\)/);
  refuses(['--metrics-token', 'short'], { CALLROOM_API_SECRET: SECRET }, /--metrics-token \(CALLROOM_METRICS_TOKEN\)/);
  refuses(['--max-queued-bytes', '10'], { CALLROOM_API_SECRET: SECRET }, /--max-queued-bytes/);
});

test('config: --heartbeat (CALLROOM_HEARTBEAT_MS) defaults to 4000 ms, so a dead socket is cut within 8 s, and is bounded', () => {
  assert.equal(parse([], { CALLROOM_API_SECRET: SECRET }).heartbeat, 4000);
  assert.equal(parse(['--heartbeat', '1500'], { CALLROOM_API_SECRET: SECRET }).heartbeat, 1500);
  assert.equal(parse([], { CALLROOM_API_SECRET: SECRET, CALLROOM_HEARTBEAT_MS: '2000' }).heartbeat, 2000);
  refuses(['--heartbeat', '50'], { CALLROOM_API_SECRET: SECRET }, /--heartbeat \(CALLROOM_HEARTBEAT_MS\)/);
  refuses(['--heartbeat', '120000'], { CALLROOM_API_SECRET: SECRET }, /--heartbeat/);
});

test('config: --assign-timeout (CALLROOM_ASSIGN_TIMEOUT_MS) is 30 s by default, set by flag or environment, and checked', () => {
  assert.equal(parse([], { CALLROOM_API_SECRET: SECRET }).assignTimeout, 30_000);
  assert.equal(parse([], { CALLROOM_API_SECRET: SECRET, CALLROOM_ASSIGN_TIMEOUT_MS: '45000' }).assignTimeout, 45_000);
  assert.equal(parse(['--assign-timeout', '5000'], { CALLROOM_API_SECRET: SECRET, CALLROOM_ASSIGN_TIMEOUT_MS: '45000' }).assignTimeout, 5000);
  refuses(['--assign-timeout', '10s'], { CALLROOM_API_SECRET: SECRET }, /--assign-timeout \(CALLROOM_ASSIGN_TIMEOUT_MS\).*whole number/);
  refuses(['--assign-timeout', '10'], { CALLROOM_API_SECRET: SECRET }, /--assign-timeout.*between 1000 and 600000/);
});

test('config: webhooks: URLs repeated or comma-separated (flag wins over the environment), the secret required, the retry time bounded', () => {
  const env = { CALLROOM_API_SECRET: SECRET };
  const c = parse(['--webhook-url', 'https://a.example.com/h,https://b.example.com/h', '--webhook-url', 'http://10.0.0.1:3000/x', '--webhook-secret', 'whsec-0123456789ab'], { ...env, CALLROOM_WEBHOOK_URL: 'https://ignored.example.com' });
  assert.deepEqual(c.webhookUrl, ['https://a.example.com/h', 'https://b.example.com/h', 'http://10.0.0.1:3000/x']);
  assert.equal(c.webhookSecret, 'whsec-0123456789ab');
  assert.equal(c.webhookRetryFor, 24 * 3600_000, 'retried for 24 h by default');
  const e = parse([], { ...env, CALLROOM_WEBHOOK_URL: 'https://a.example.com/h', CALLROOM_WEBHOOK_SECRET: 'whsec-0123456789ab', CALLROOM_WEBHOOK_RETRY_FOR_MS: '60000' });
  assert.deepEqual([e.webhookUrl, e.webhookRetryFor], [['https://a.example.com/h'], 60_000]);
  assert.deepEqual(parse([], env).webhookUrl, [], 'no webhooks by default');
  refuses(['--webhook-url', 'https://a.example.com/h'], env, /--webhook-url.*needs --webhook-secret \(CALLROOM_WEBHOOK_SECRET\)/);
  refuses(['--webhook-url', 'ftp://a.example.com/h', '--webhook-secret', 'whsec-0123456789ab'], env, /--webhook-url \(CALLROOM_WEBHOOK_URL\): "ftp:/);
  refuses(['--webhook-url', 'https://a.example.com/h', '--webhook-secret', 'short'], env, /--webhook-secret \(CALLROOM_WEBHOOK_SECRET\) must be at least 16/);
  refuses(['--webhook-retry-for', '10'], env, /--webhook-retry-for \(CALLROOM_WEBHOOK_RETRY_FOR_MS\) must be between/);
  assert.deepEqual(parse(['--webhook-url', 'https://a.example.com/h', '--webhook-secret', 'whsec-0123456789ab', '--redis', 'redis://127.0.0.1:6379'], env).webhookUrl, ['https://a.example.com/h'], 'a cluster delivers webhooks too');
  // Repeating a list flag works for the other list option too.
  assert.deepEqual(parse(['--allowed-origins', 'https://a.example.com', '--allowed-origins', 'https://b.example.com'], env).allowedOrigins, ['https://a.example.com', 'https://b.example.com']);
});

test('config: --offline-ring is 0 (603 at once) by default, bounded, on one node or a cluster', () => {
  const env = { CALLROOM_API_SECRET: SECRET };
  assert.equal(parse([], env).offlineRing, 0);
  assert.equal(parse(['--offline-ring', '30000'], env).offlineRing, 30_000);
  assert.equal(parse([], { ...env, CALLROOM_OFFLINE_RING_MS: '5000' }).offlineRing, 5_000);
  refuses(['--offline-ring=-1'], env, /--offline-ring \(CALLROOM_OFFLINE_RING_MS\) must be between/);
  assert.equal(parse(['--offline-ring', '1000', '--redis', 'redis://127.0.0.1:6379'], env).offlineRing, 1_000, 'a cluster waits for an offline callee too');
});
