/** The API key and secret a CLI command signs tokens with: flags, then the environment, then --dev's. */
import { Auth } from '../server/gateway/auth.js';
import { DEV_DEFAULTS } from './config.js';

export interface KeyFlags {
  'api-key'?: string | undefined;
  'api-secret'?: string | undefined;
  dev?: boolean | undefined;
}

/** The keys, or a message that says how to give them. */
export function apiKeys(v: KeyFlags, env: NodeJS.ProcessEnv): { apiKey: string; apiSecret: string } | { error: string } {
  const apiKey = v['api-key'] ?? env.CALLROOM_API_KEY ?? (v.dev ? DEV_DEFAULTS.apiKey : 'callroom');
  const apiSecret = v['api-secret'] ?? env.CALLROOM_API_SECRET ?? (v.dev ? DEV_DEFAULTS.apiSecret : undefined);
  if (!apiSecret) return { error: 'no API secret: set CALLROOM_API_SECRET (the one the server uses), or pass --dev for a --dev server' };
  return { apiKey, apiSecret };
}

/** The admin token a CLI command sends: `--token`, or one signed with the keys (valid 5 min); a string says what is missing. */
export async function cliAdminToken(v: KeyFlags & { token?: string | undefined }, env: NodeJS.ProcessEnv): Promise<string | { error: string }> {
  if (v.token) return v.token;
  const keys = apiKeys(v, env);
  if ('error' in keys) return { error: `${keys.error}; or pass an admin token with --token` };
  return new Auth(keys).mint('callroom-cli', { admin: true, ttlSeconds: 300 });
}
