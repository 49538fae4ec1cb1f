/** The API key and secret a CLI command signs tokens with: flags, then the environment, then --dev's. */
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
