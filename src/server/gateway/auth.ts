/**
 * Who is logging in. Tokens are HS256 JWTs signed with the API secret (`sub` = userID,
 * `name` = nickname, `exp` required, `iss` = API key); the compatible login checks an app ID
 * and the MD5 of its app secret.
 */
import { createHash, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { CallroomError } from '../../protocol/errors.js';
import { Limits } from '../../protocol/messages.js';
import { verifyHS256 } from './hs256.js';

export interface AuthConfig {
  apiKey: string;
  apiSecret: string;
  appID?: string | undefined;
  appSecret?: string | undefined;
}

export interface Identity {
  userID: string;
  nickName: string;
  /** Token expiry in ms since the epoch; null for the compatible login. */
  expiresAt: number | null;
  admin: boolean;
}

const USER_ID_OK = /^[^\u0000-\u001f\u007f]+$/;

export class Auth {
  private readonly key: Uint8Array;
  /** The same secret for node:crypto's HMAC (the fast path, hs256.ts). */
  private readonly hmacKey: KeyObject;
  private readonly appSecretMd5: Buffer | null;

  constructor(private readonly cfg: AuthConfig) {
    this.key = new TextEncoder().encode(cfg.apiSecret);
    this.hmacKey = createSecretKey(Buffer.from(this.key));
    this.appSecretMd5 =
      cfg.appID && cfg.appSecret ? Buffer.from(createHash('md5').update(cfg.appSecret).digest('hex')) : null;
  }

  async mint(
    userID: string,
    opts: { nickName?: string; ttlSeconds?: number; admin?: boolean; now?: number } = {},
  ): Promise<string> {
    const now = Math.floor((opts.now ?? Date.now()) / 1000);
    const jwt = new SignJWT({ name: opts.nickName ?? userID, ...(opts.admin ? { admin: true } : {}) })
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
    const fast = verifyHS256(token, this.hmacKey, this.cfg.apiKey, Math.floor(now / 1000));
    if (fast && !fast.ok) throw new CallroomError(fast.expired ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID');
    const payload = fast ? (fast.claims as JWTPayload) : await this.verifyWithJose(token, now);
    try {
      const sub = payload.sub ?? '';
      if (sub.length === 0 || sub.length > Limits.userID || !USER_ID_OK.test(sub)) {
        throw new CallroomError('TOKEN_INVALID', 'token subject is not a valid user ID');
      }
      const name = typeof payload.name === 'string' ? payload.name.slice(0, Limits.nickName) : sub;
      return { userID: sub, nickName: name, expiresAt: (payload.exp ?? 0) * 1000, admin: payload.admin === true };
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

  /** The compatible login: app ID and the hex MD5 of the app secret. Throws BAD_CREDENTIALS (7). */
  checkApp(appID: string, md5Secret: string): void {
    const want = this.appSecretMd5;
    const got = Buffer.from(md5Secret.toLowerCase());
    const ok = want !== null && appID === this.cfg.appID && got.length === want.length && timingSafeEqual(got, want);
    if (!ok) throw new CallroomError('BAD_CREDENTIALS');
  }
}
