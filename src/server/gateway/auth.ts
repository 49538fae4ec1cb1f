/**
 * Who is logging in. Tokens are HS256 JWTs signed with the API secret (`sub` = userID,
 * `name` = nickname, `exp` required, `iss` = API key); the compatible login checks an app ID
 * and the MD5 of its app secret.
 */
import { createHash, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { CallroomError } from '../../protocol/errors.js';
import { cleanNickName, isUserID } from '../../protocol/messages.js';
import { isCanonicalJws, verifyHS256 } from './hs256.js';

export interface AuthConfig {
  apiKey: string;
  apiSecret: string;
  appID?: string | undefined;
  appSecret?: string | undefined;
  /** Longest lifetime a token may have: `exp` at most this many seconds after now (0 or absent = no maximum). */
  maxLifetimeS?: number | undefined;
}

export interface Identity {
  userID: string;
  nickName: string;
  /** Token expiry in ms since the epoch; null for the compatible login. */
  expiresAt: number | null;
  admin: boolean;
  /** User IDs the token names as this user's contacts (claim `contacts`), for `--presence contacts`. */
  contacts: string[];
}

/** Contacts a token may carry. */
export const MAX_TOKEN_CONTACTS = 1000;

export class Auth {
  private readonly key: Uint8Array;
  /** The same secret for node:crypto's HMAC (the fast path, hs256.ts). */
  private readonly hmacKey: KeyObject;
  private readonly appSecretMd5: Buffer | null;
  /** Per user: tokens issued (`iat`, s) before this are refused (POST /v1/users/:id/revoke). */
  private readonly revokedBefore = new Map<string, number>();

  constructor(private readonly cfg: AuthConfig) {
    this.key = new TextEncoder().encode(cfg.apiSecret);
    this.hmacKey = createSecretKey(Buffer.from(this.key));
    this.appSecretMd5 =
      cfg.appID && cfg.appSecret ? Buffer.from(createHash('md5').update(cfg.appSecret).digest('hex')) : null;
  }

  async mint(
    userID: string,
    opts: { nickName?: string; ttlSeconds?: number; admin?: boolean; now?: number; contacts?: string[] } = {},
  ): Promise<string> {
    const now = Math.floor((opts.now ?? Date.now()) / 1000);
    const jwt = new SignJWT({
      name: opts.nickName ?? userID,
      ...(opts.admin ? { admin: true } : {}),
      ...(opts.contacts ? { contacts: opts.contacts } : {}),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userID)
      .setIssuer(this.cfg.apiKey)
      .setIssuedAt(now)
      .setExpirationTime(now + (opts.ttlSeconds ?? 3600));
    return jwt.sign(this.key);
  }

  /**
   * Verifies a token; throws TOKEN_EXPIRED (18) or TOKEN_INVALID (21). The usual token is
   * settled synchronously by hs256.ts; any other goes through jose, with the same verdicts.
   */
  async verify(token: string, now: number = Date.now()): Promise<Identity> {
    const nowS = Math.floor(now / 1000);
    const fast = verifyHS256(token, this.hmacKey, this.cfg.apiKey, nowS);
    if (fast && !fast.ok) throw new CallroomError(fast.expired ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID');
    // jose accepts base64url with stray low bits in the last character: one token, many spellings.
    if (!fast && !isCanonicalJws(token)) throw new CallroomError('TOKEN_INVALID');
    const payload = fast ? (fast.claims as JWTPayload) : await this.verifyWithJose(token, now);
    try {
      const sub: unknown = payload.sub;
      // A number or an array would be another user than the string it prints as.
      if (!isUserID(sub)) throw new CallroomError('TOKEN_INVALID', 'token subject is not a valid user ID');
      const exp = payload.exp ?? 0;
      const max = this.cfg.maxLifetimeS ?? 0;
      if (max > 0 && exp - nowS > max) throw new CallroomError('TOKEN_INVALID');
      const iat = typeof payload.iat === 'number' ? payload.iat : 0;
      const revoked = this.revokedBefore.get(sub);
      if (revoked !== undefined && iat < revoked) throw new CallroomError('TOKEN_INVALID');
      const cleaned = typeof payload.name === 'string' ? cleanNickName(payload.name) : '';
      const contacts = Array.isArray(payload.contacts) ? payload.contacts.filter(isUserID).slice(0, MAX_TOKEN_CONTACTS) : [];
      return { userID: sub, nickName: cleaned || sub, expiresAt: exp * 1000, admin: payload.admin === true, contacts };
    } catch (err) {
      if (err instanceof CallroomError) throw err;
      throw new CallroomError('TOKEN_INVALID');
    }
  }

  private async verifyWithJose(token: string, now: number): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.cfg.apiKey,
        requiredClaims: ['sub', 'exp'],
        currentDate: new Date(now),
      });
      return payload;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new CallroomError('TOKEN_EXPIRED');
      throw new CallroomError('TOKEN_INVALID');
    }
  }

  /**
   * Refuses every token of `userID` issued before `atMs` (whole seconds: a token minted in the
   * same second as the revocation is refused too). Returns the cut-off in seconds.
   */
  revoke(userID: string, atMs: number): number {
    const cut = Math.floor(atMs / 1000) + 1;
    this.revokedBefore.set(userID, Math.max(cut, this.revokedBefore.get(userID) ?? 0));
    return cut;
  }

  /** Cut-offs restored from the store at start (user → seconds). */
  loadRevocations(entries: Iterable<[string, number]>): void {
    for (const [u, s] of entries) this.revokedBefore.set(u, Math.max(s, this.revokedBefore.get(u) ?? 0));
  }

  /** The compatible login: app ID and the hex MD5 of the app secret. Throws BAD_CREDENTIALS (7). */
  checkApp(appID: string, md5Secret: string): void {
    const want = this.appSecretMd5;
    const got = Buffer.from(md5Secret.toLowerCase());
    const ok = want !== null && appID === this.cfg.appID && got.length === want.length && timingSafeEqual(got, want);
    if (!ok) throw new CallroomError('BAD_CREDENTIALS');
  }
}
