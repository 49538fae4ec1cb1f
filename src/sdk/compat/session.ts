/**
 * The facade's set-up and login: Init / Uninit, the SDK version and parameters, the server
 * address, the two logins, token renewal and logout; LineOff and MeetingDropped when the
 * session or its room is lost.
 */
import { ErrorCodes } from '../../protocol/errors.js';
import { CallClient } from '../client.js';
import { SDK_VERSION } from './constants.js';
import { codeOf, type FacadeCore } from './context.js';
import { slot, type Cookie } from './slots.js';

/**
 * What `Init()` returns: a promise of 0 (the current reference SDK's `Init().then(...)`) that
 * also equals 0 (`Init() == 0`, the older style), through `valueOf`.
 */
export type InitResult = Promise<number> & { valueOf(): number };

function initResult(): InitResult {
  const p = Promise.resolve(ErrorCodes.OK as number) as InitResult;
  Object.defineProperty(p, 'valueOf', { value: () => ErrorCodes.OK, enumerable: false });
  return p;
}

export function sessionArea(core: FacadeCore) {
  const loc = (globalThis as { location?: { host?: string; protocol?: string } }).location;
  let serverAddr = loc?.host ? `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}` : '';
  let loggingOut = false;
  const params: Record<string, unknown> = {};

  const api = {
    LoginSuccess: slot<[UID: string, cookie: Cookie]>(),
    LoginFail: slot<[sdkErr: number, cookie: Cookie]>(),
    LineOff: slot<[sdkErr: number]>(),
    NotifyTokenWillExpire: slot<[]>(),
    UpdateTokenRslt: slot<[sdkErr: number, cookie: Cookie]>(),

    /** `Init().then(...)` and `Init() == 0` both work. */
    Init(): InitResult {
      return initResult();
    },
    Uninit(): void {
      api.Logout();
    },
    GetSDKVersion(): string {
      return SDK_VERSION;
    },
    /**
     * Accepts the reference SDK's JSON parameters (a JSON text or an object) and keeps them;
     * none changes callroom's behaviour. Returns 0, or 5 when the text is not a JSON object.
     */
    SetSDKParams(jsonParams: unknown): number {
      let v: unknown = jsonParams;
      if (typeof v === 'string') {
        try {
          v = JSON.parse(v);
        } catch {
          return ErrorCodes.BAD_ARGUMENT;
        }
      }
      if (!v || typeof v !== 'object' || Array.isArray(v)) return ErrorCodes.BAD_ARGUMENT;
      Object.assign(params, v);
      return ErrorCodes.OK;
    },
    SetServerAddr(addr: string): void {
      serverAddr = String(addr ?? '').trim();
    },
    GetServerAddr(): string {
      return serverAddr;
    },

    Login(appID: string, md5_appSecret: string, nickName: string, UID: string, userAuthCode?: string, cookie?: Cookie): void {
      startLogin(cookie, undefined, (c) =>
        c.loginWithApp({
          appID: String(appID ?? ''),
          appSecretMd5: String(md5_appSecret ?? ''),
          userID: String(UID ?? ''),
          ...(nickName ? { nickName: String(nickName) } : {}),
          ...(userAuthCode ? { userAuthCode: String(userAuthCode) } : {}),
        }),
      );
    },

    LoginByToken(token: string, nickName?: string, UID?: string, _userAuthCode?: string, cookie?: Cookie): void {
      startLogin(cookie, UID || undefined, (c) => c.login(String(token ?? ''), nickName || undefined));
    },

    /** Swaps in a new token; `UpdateTokenRslt(sdkErr, cookie)` says how it went. */
    UpdateToken(token: string, cookie?: Cookie): void {
      core.withClient(
        (code) => core.fire('UpdateTokenRslt', api.UpdateTokenRslt, code, cookie),
        async (c) => {
          await c.updateToken(String(token ?? ''));
          core.fire('UpdateTokenRslt', api.UpdateTokenRslt, ErrorCodes.OK, cookie);
        },
      );
    },

    Logout(): void {
      const c = core.client;
      if (!c) return;
      loggingOut = true;
      void c.logout().catch(() => undefined).finally(() => {
        loggingOut = false;
      });
      dropClient();
    },
  };

  function dropClient(): void {
    const c = core.client;
    core.client = null;
    core.leaveRoom('left');
    if (c) {
      c.removeAll();
      c.close();
    }
  }

  function startLogin(cookie: Cookie, UID: string | undefined, run: (c: CallClient) => Promise<{ userID: string }>): void {
    const fail = (code: number) => queueMicrotask(() => core.fire('LoginFail', api.LoginFail, code, cookie));
    if (!serverAddr) return fail(ErrorCodes.CONNECTION_ERROR);
    let c: CallClient;
    try {
      c = new CallClient({
        url: serverAddr,
        ...(core.opts.webSocket ? { webSocket: core.opts.webSocket } : {}),
        ...(core.opts.requestTimeoutMs ? { requestTimeoutMs: core.opts.requestTimeoutMs } : {}),
      });
    } catch (err) {
      return fail(codeOf(err));
    }
    dropClient();
    core.client = c;
    wire(c);
    core.attach(c);
    run(c).then(
      async (r) => {
        if (core.client !== c) return;
        if (UID && r.userID !== UID) {
          dropClient();
          return fail(ErrorCodes.TOKEN_INVALID);
        }
        await core.afterLogin(c, 'login');
        if (core.client !== c) return;
        core.fire('LoginSuccess', api.LoginSuccess, r.userID, cookie);
      },
      (err: unknown) => {
        if (core.client === c) dropClient();
        fail(codeOf(err));
      },
    );
  }

  function wire(c: CallClient): void {
    c.on('closed', (e) => {
      if (core.client !== c || loggingOut) return;
      core.client = null;
      core.leaveRoom('dropped');
      core.fire('LineOff', api.LineOff, e.code);
    });
    // Back after the resume grace: a new session, no longer in the room.
    c.on('reconnected', ({ resumed }) => {
      if (core.client !== c) return;
      if (!resumed) core.leaveRoom('dropped');
      void core.afterLogin(c, resumed ? 'resumed' : 'fresh');
    });
    c.on('session.tokenExpiring', () => core.fire('NotifyTokenWillExpire', api.NotifyTokenWillExpire));
  }

  return api;
}

export type SessionArea = ReturnType<typeof sessionArea>;
