/** `callroom token`: prints a signed token for a user. */
import { parseArgs } from 'node:util';
import { isUserID } from '../protocol/messages.js';
import { Auth } from '../server/gateway/auth.js';
import { SERVE_OPTIONS } from './config.js';
import { apiKeys } from './keys.js';

const DEFAULT_MAX_TOKEN_LIFETIME_S = Number(SERVE_OPTIONS.maxTokenLifetime.default);

const HELP = `Usage: callroom token --user <userID> [--name <nickname>] [--ttl 1h] [--admin] [--contacts a,b] [--dev]

Prints a token (a JWT signed with HS256) that logs <userID> in.
  --user <id>      the user ID (the token's "sub"), required
  --name <name>    the nickname (default: the user ID)
  --ttl <time>     lifetime: 90s, 30m, 1h, 7d (default 1h)
  --admin          may list every call record (GET /v1/calls), revoke tokens and administer queues
  --contacts <ids> comma-separated user IDs this user may see with --presence contacts
  --dev            sign with the --dev server's keys
Keys come from CALLROOM_API_KEY / CALLROOM_API_SECRET (or --api-key / --api-secret),
and must be the ones the server uses.`;

export function parseTtl(text: string): number {
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new Error(`--ttl must look like 90s, 30m, 1h or 7d; got "${text}"`);
  const n = Number(m[1]);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  if (n <= 0) throw new Error('--ttl must be more than zero');
  return n * unit;
}

export async function token(argv: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        user: { type: 'string' },
        name: { type: 'string' },
        ttl: { type: 'string', default: '1h' },
        admin: { type: 'boolean', default: false },
        contacts: { type: 'string' },
        dev: { type: 'boolean', default: false },
        'api-key': { type: 'string' },
        'api-secret': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    console.error(`callroom token: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (v.help) {
    console.log(HELP);
    return 0;
  }
  if (!v.user) {
    console.error(`callroom token: --user is required\n\n${HELP}`);
    return 2;
  }
  const keys = apiKeys(v, process.env);
  if ('error' in keys) {
    console.error(`callroom token: ${keys.error}`);
    return 2;
  }
  let ttl: number;
  try {
    ttl = parseTtl(v.ttl ?? '1h');
  } catch (err) {
    console.error(`callroom token: ${(err as Error).message}`);
    return 2;
  }
  if (ttl > DEFAULT_MAX_TOKEN_LIFETIME_S) {
    console.error(`callroom token: note: a server refuses tokens valid for more than its --max-token-lifetime (default ${DEFAULT_MAX_TOKEN_LIFETIME_S / 86_400} days)`);
  }
  const auth = new Auth(keys);
  const contacts = v.contacts?.split(',').map((c) => c.trim()).filter(Boolean);
  if (!isUserID(v.user) || (contacts && !contacts.every(isUserID))) {
    console.error('callroom token: a user ID is 1..128 characters without control, bidi or zero-width characters');
    return 2;
  }
  console.log(
    await auth.mint(v.user, { ttlSeconds: ttl, admin: v.admin ?? false, ...(v.name ? { nickName: v.name } : {}), ...(contacts ? { contacts } : {}) }),
  );
  return 0;
}
