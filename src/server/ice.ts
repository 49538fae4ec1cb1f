/**
 * ICE servers for the clients' media: the STUN/TURN URLs from the configuration, and for TURN
 * servers without fixed credentials, short-lived ones in coturn's `use-auth-secret` scheme
 * (the "TURN REST API"): username `<expiry unix seconds>:<userID>`, credential
 * base64(HMAC-SHA1(secret, username)). coturn checks the same HMAC with its
 * `static-auth-secret` and refuses the username once the expiry has passed.
 */
import { createHmac } from 'node:crypto';
import type { IceServer } from '../protocol/messages.js';

export interface IceConfig {
  /** STUN/TURN servers, as given by --ice-servers. */
  servers: IceServer[];
  /** coturn's static-auth-secret; TURN URLs without a username get credentials from it. */
  turnSecret?: string | undefined;
  /** How long the TURN credentials live (seconds, default one day). */
  turnTtlSeconds?: number | undefined;
  /** --ice-relay-only: clients are asked to use TURN relays only (iceTransportPolicy 'relay'). */
  relayOnly?: boolean | undefined;
}

export const DEFAULT_TURN_TTL_SECONDS = 24 * 3600;

const URL_OK = /^(stun|stuns|turn|turns):[^\s]+$/i;

export function isIceUrl(url: string): boolean {
  return URL_OK.test(url);
}

function isTurn(url: string): boolean {
  return /^turns?:/i.test(url);
}

/** The TURN REST API credential for `username`. */
export function turnCredential(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}

/** The ICE servers one user gets now: fixed entries as configured, TURN ones with fresh credentials. */
export function iceServersFor(cfg: IceConfig, userID: string, nowMs: number): { iceServers: IceServer[]; expiresAt: number | null } {
  const ttl = cfg.turnTtlSeconds ?? DEFAULT_TURN_TTL_SECONDS;
  const expiry = Math.floor(nowMs / 1000) + ttl;
  let minted = false;
  const iceServers = cfg.servers.map((s): IceServer => {
    if (s.username !== undefined || !cfg.turnSecret || !s.urls.some(isTurn)) return { ...s, urls: [...s.urls] };
    minted = true;
    const username = `${expiry}:${userID}`;
    return { urls: [...s.urls], username, credential: turnCredential(cfg.turnSecret, username) };
  });
  return { iceServers, expiresAt: minted ? expiry * 1000 : null };
}

export class IceConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IceConfigError';
  }
}

function entry(v: unknown, where: string): IceServer {
  if (typeof v === 'string') {
    if (!isIceUrl(v)) throw new IceConfigError(`${where}: "${v}" is not a stun:, stuns:, turn: or turns: URL`);
    return { urls: [v] };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new IceConfigError(`${where}: each entry is a URL string or {"urls": [...], "username"?, "credential"?}`);
  }
  const o = v as Record<string, unknown>;
  const urls = typeof o.urls === 'string' ? [o.urls] : o.urls;
  if (!Array.isArray(urls) || urls.length === 0 || !urls.every((u) => typeof u === 'string' && isIceUrl(u))) {
    throw new IceConfigError(`${where}: "urls" must be one or more stun:, stuns:, turn: or turns: URLs`);
  }
  const out: IceServer = { urls: urls as string[] };
  if (o.username !== undefined || o.credential !== undefined) {
    if (typeof o.username !== 'string' || typeof o.credential !== 'string') {
      throw new IceConfigError(`${where}: "username" and "credential" go together, as strings`);
    }
    out.username = o.username;
    out.credential = o.credential;
  }
  return out;
}

/**
 * Parses --ice-servers: a comma-separated list of URLs
 * (`stun:stun.example.com:3478,turn:turn.example.com:3478?transport=udp`) or a JSON array of
 * URL strings and RTCIceServer objects.
 */
export function parseIceServers(text: string): IceServer[] {
  const t = text.trim();
  if (t === '') return [];
  if (t.startsWith('[') || t.startsWith('{')) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (err) {
      throw new IceConfigError(`not valid JSON (${(err as Error).message})`);
    }
    const list = Array.isArray(v) ? v : [v];
    return list.map((e, i) => entry(e, `entry ${i + 1}`));
  }
  return t
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((u, i) => entry(u, `entry ${i + 1}`));
}
