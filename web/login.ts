/**
 * Getting a login: a development token for a name (POST /v1/dev/token, offered by servers run
 * with --dev), or a token pasted by the user. The token is kept for this tab (sessionStorage), so
 * a reload or a room link opened in the same tab logs straight back in.
 */
const TOKEN_KEY = 'callroom.token';
const NAME_KEY = 'callroom.name';

export class NeedsTokenError extends Error {
  constructor() {
    super('this server gives no development tokens');
    this.name = 'NeedsTokenError';
  }
}

/** A user ID from a typed name: trimmed, without control characters, at most 128 characters. */
export function nameToUserID(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 128);
}

export async function devToken(name: string): Promise<string> {
  const userID = nameToUserID(name);
  const res = await fetch('/v1/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userID, nickName: userID }),
  });
  if (res.status === 404 || res.status === 403) throw new NeedsTokenError();
  const body = (await res.json().catch(() => ({}))) as { token?: string; message?: string };
  if (!res.ok || !body.token) throw new Error(body.message ?? `HTTP ${res.status}`);
  return body.token;
}

function get(store: Storage | undefined, key: string): string | null {
  try {
    return store?.getItem(key) ?? null;
  } catch {
    return null;
  }
}
function put(store: Storage | undefined, key: string, value: string | null): void {
  try {
    if (value === null) store?.removeItem(key);
    else store?.setItem(key, value);
  } catch {
    /* storage may be off */
  }
}

export const saved = {
  token: () => get(globalThis.sessionStorage, TOKEN_KEY),
  name: () => get(globalThis.localStorage, NAME_KEY),
  remember(token: string | null, name?: string): void {
    put(globalThis.sessionStorage, TOKEN_KEY, token);
    if (name) put(globalThis.localStorage, NAME_KEY, name);
  },
};
