/**
 * The RTCSDK facade: the reference SDK's call API (`RTCSDK.Name(...)`, callbacks set as
 * `RTCSDK.Name.callback = fn`), on top of CallClient. Names, argument orders and callbacks follow
 * the call guide; docs/compat.md maps each to the modern API. `cookie` never leaves the client:
 * it is handed back in the matching result callback. A callback that throws is reported and
 * ignored.
 */
import { CallroomError, ErrorCodes } from '../../protocol/errors.js';
import type { MeetInfo, Member, UserStatus } from '../../protocol/messages.js';
import { CallClient, newCallID, type CallClientOptions } from '../client.js';
import type { LocalMedia } from '../media/local-media.js';
import type { MediaRoom } from '../media/room.js';
import { FacadeMedia } from './media.js';

/** A callback slot: set `.callback` (or `.call`, as the guide does for two of them). */
export interface CallbackSlot<A extends unknown[]> {
  callback: ((...args: A) => void) | null;
  call?: (...args: A) => void;
}

function slot<A extends unknown[]>(): CallbackSlot<A> {
  return { callback: null };
}

/** The reference SDK's user status record. */
export interface CRUserStatus {
  userID: string;
  /** 0 offline, 1 online and idle, 2 in a call, 3 in a meeting. */
  userStatus: number;
  /** 0 DND off, 1 DND on. */
  DNDType: number;
}

type Cookie = string | undefined;
type MeetObj = Pick<MeetInfo, 'ID'> & Partial<MeetInfo>;

export interface RTCSDKOptions {
  webSocket?: CallClientOptions['webSocket'];
  requestTimeoutMs?: number;
  /** Where a throwing callback is reported (default console.error). */
  onCallbackError?: (name: string, err: unknown) => void;
}

export const CALLBACK_NAMES = [
  'LoginSuccess', 'LoginFail', 'LineOff',
  'CreateMeetingSuccess', 'CreateMeetingFail',
  'DestroyMeetingRslt', 'EnterMeetingRslt', 'UserEnterMeeting', 'UserLeftMeeting', 'MeetingStopped',
  'SendMeetingCustomMsgRslt', 'NotifyMeetingCustomMsg',
  'CallSuccess', 'CallFail', 'NotifyCallIn',
  'AcceptCallSuccess', 'AcceptCallFail', 'RejectCallSuccess', 'RejectCallFail',
  'NotifyCallAccepted', 'NotifyCallRejected',
  'HungupCallSuccess', 'HungupCallFail', 'NotifyCallHungup',
  'SetDNDStatusSuccess', 'SetDNDStatusFail',
  'GetUserStatusSuccess', 'GetUserStatusFail', 'StartUserStatusNotifyRslt', 'StopUserStatusNotifyRslt', 'NotifyUserStatus',
  'NotifyTokenWillExpire',
  'AudioStatusChanged', 'VideoStatusChanged',
] as const;

export const FUNCTION_NAMES = [
  'Init', 'Uninit', 'SetServerAddr', 'GetServerAddr',
  'Login', 'LoginByToken', 'UpdateToken', 'Logout',
  'CreateMeeting', 'DestroyMeeting', 'EnterMeeting', 'EnterMeeting2', 'ExitMeeting', 'SendMeetingCustomMsg',
  'Call', 'AcceptCall', 'RejectCall', 'HungupCall', 'HangupCall',
  'SetDNDStatus', 'GetUserStatus', 'GetOneUserStatus', 'StartUserStatusNotify', 'StopUserStatusNotify',
  'OpenMic', 'CloseMic', 'OpenVideo', 'CloseVideo', 'GetAudioStatus', 'GetVideoStatus',
  'GetAllMembers',
] as const;

function toCR(s: UserStatus): CRUserStatus {
  return { userID: s.userID, userStatus: s.status, DNDType: s.dnd ? 1 : 0 };
}

function codeOf(err: unknown): number {
  return err instanceof CallroomError ? err.code : ErrorCodes.SERVER_ERROR;
}

export class RTCSDK {
  // ---- callbacks ----
  readonly LoginSuccess = slot<[UID: string, cookie: Cookie]>();
  readonly LoginFail = slot<[sdkErr: number, cookie: Cookie]>();
  readonly LineOff = slot<[sdkErr: number]>();
  readonly CreateMeetingSuccess = slot<[meetObj: MeetInfo, cookie: Cookie]>();
  readonly CreateMeetingFail = slot<[sdkErr: number, cookie: Cookie]>();
  readonly DestroyMeetingRslt = slot<[sdkErr: number, cookie: Cookie]>();
  readonly EnterMeetingRslt = slot<[sdkErr: number, cookie: Cookie]>();
  readonly UserEnterMeeting = slot<[UID: string]>();
  readonly UserLeftMeeting = slot<[UID: string]>();
  readonly MeetingStopped = slot<[]>();
  readonly SendMeetingCustomMsgRslt = slot<[sdkErr: number, cookie: Cookie]>();
  readonly NotifyMeetingCustomMsg = slot<[fromUserID: string, text: string]>();
  readonly CallSuccess = slot<[callID: string, cookie: Cookie]>();
  readonly CallFail = slot<[callID: string, sdkErr: number, cookie: Cookie]>();
  readonly NotifyCallIn = slot<[callID: string, meetObj: MeetInfo, callerID: string, usrExtDat: string]>();
  readonly AcceptCallSuccess = slot<[callID: string, cookie: Cookie]>();
  readonly AcceptCallFail = slot<[callID: string, sdkErr: number, cookie: Cookie]>();
  readonly RejectCallSuccess = slot<[callID: string, cookie: Cookie]>();
  readonly RejectCallFail = slot<[callID: string, sdkErr: number, cookie: Cookie]>();
  readonly NotifyCallAccepted = slot<[callID: string, meetObj: MeetInfo, usrExtDat: string]>();
  readonly NotifyCallRejected = slot<[callID: string, sdkErr: number, usrExtDat: string]>();
  readonly HungupCallSuccess = slot<[callID: string, cookie: Cookie]>();
  readonly HungupCallFail = slot<[callID: string, sdkErr: number, cookie: Cookie]>();
  readonly NotifyCallHungup = slot<[callID: string, usrExtDat: string]>();
  readonly SetDNDStatusSuccess = slot<[cookie: Cookie]>();
  readonly SetDNDStatusFail = slot<[sdkErr: number, cookie: Cookie]>();
  readonly GetUserStatusSuccess = slot<[usersStatus: CRUserStatus[], cookie: Cookie]>();
  readonly GetUserStatusFail = slot<[sdkErr: number, cookie: Cookie]>();
  readonly StartUserStatusNotifyRslt = slot<[sdkErr: number, cookie: Cookie]>();
  readonly StopUserStatusNotifyRslt = slot<[sdkErr: number, cookie: Cookie]>();
  readonly NotifyUserStatus = slot<[userStatus: CRUserStatus, cookie: Cookie]>();
  readonly NotifyTokenWillExpire = slot<[]>();
  readonly AudioStatusChanged = slot<[UID: string, oldStatus: number, newStatus: number]>();
  readonly VideoStatusChanged = slot<[UID: string, oldStatus: number, newStatus: number]>();

  private serverAddr: string;
  private _client: CallClient | null = null;
  private meetingID: number | null = null;
  /** The other members of that meeting: the enter result's list, then joins and leaves. */
  private readonly members = new Map<string, Member>();
  private statusCookie: Cookie = undefined;
  private loggingOut = false;
  private readonly av = new FacadeMedia({
    audioChanged: (uid, from, to) => this.fire('AudioStatusChanged', this.AudioStatusChanged, uid, from, to),
    videoChanged: (uid, from, to) => this.fire('VideoStatusChanged', this.VideoStatusChanged, uid, from, to),
  });

  constructor(private readonly opts: RTCSDKOptions = {}) {
    const loc = (globalThis as { location?: { host?: string; protocol?: string } }).location;
    this.serverAddr = loc?.host ? `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}` : '';
  }

  /** The modern client behind the facade, once logged in (for media and anything newer). */
  get client(): CallClient | null {
    return this._client;
  }

  /** The media of the meeting we are in (browser only): `media.on('stream', ...)` gives each member's stream. */
  get media(): MediaRoom | null {
    return this.av.room;
  }

  /** This device's microphone and camera once OpenMic or OpenVideo was called (browser only). */
  get localMedia(): LocalMedia | null {
    return this.av.local;
  }

  private fire<A extends unknown[]>(name: string, s: CallbackSlot<A>, ...args: A): void {
    const fn = s.callback ?? (typeof s.call === 'function' ? s.call : null);
    if (!fn) return;
    try {
      fn(...args);
    } catch (err) {
      try {
        (this.opts.onCallbackError ?? ((n: string, e: unknown) => console.error(`RTCSDK.${n} callback threw:`, e)))(name, err);
      } catch {
        /* nothing: a broken error hook must not break the SDK either */
      }
    }
  }

  /**
   * Runs `op` if logged in, else reports NOT_LOGGED_IN (12) to `fail`. Like every result, the
   * failure comes after the function has returned (so `const callID = Call(...)` is set when
   * CallFail runs).
   */
  private withClient(fail: (code: number) => void, op: (c: CallClient) => Promise<void>): void {
    const c = this._client;
    if (!c || !c.user) {
      // Asynchronously, like every other result: Call() must return its callID first.
      queueMicrotask(() => fail(ErrorCodes.NOT_LOGGED_IN));
      return;
    }
    op(c).catch((err: unknown) => fail(codeOf(err)));
  }

  // ---- set-up and login ----
  Init(): number {
    return 0;
  }
  Uninit(): void {
    this.Logout();
  }
  SetServerAddr(addr: string): void {
    this.serverAddr = String(addr ?? '').trim();
  }
  GetServerAddr(): string {
    return this.serverAddr;
  }

  private startLogin(
    cookie: Cookie,
    UID: string | undefined,
    run: (c: CallClient) => Promise<{ userID: string }>,
  ): void {
    const fail = (code: number) => queueMicrotask(() => this.fire('LoginFail', this.LoginFail, code, cookie));
    if (!this.serverAddr) return fail(ErrorCodes.CONNECTION_ERROR);
    let c: CallClient;
    try {
      c = new CallClient({
        url: this.serverAddr,
        ...(this.opts.webSocket ? { webSocket: this.opts.webSocket } : {}),
        ...(this.opts.requestTimeoutMs ? { requestTimeoutMs: this.opts.requestTimeoutMs } : {}),
      });
    } catch (err) {
      return fail(codeOf(err));
    }
    this.dropClient();
    this._client = c;
    this.wire(c);
    run(c).then(
      (r) => {
        if (this._client !== c) return;
        if (UID && r.userID !== UID) {
          this.dropClient();
          return fail(ErrorCodes.TOKEN_INVALID);
        }
        this.fire('LoginSuccess', this.LoginSuccess, r.userID, cookie);
      },
      (err: unknown) => {
        if (this._client === c) this.dropClient();
        fail(codeOf(err));
      },
    );
  }

  Login(appID: string, md5_appSecret: string, nickName: string, UID: string, userAuthCode?: string, cookie?: Cookie): void {
    this.startLogin(cookie, undefined, (c) =>
      c.loginWithApp({
        appID: String(appID ?? ''),
        appSecretMd5: String(md5_appSecret ?? ''),
        userID: String(UID ?? ''),
        ...(nickName ? { nickName: String(nickName) } : {}),
        ...(userAuthCode ? { userAuthCode: String(userAuthCode) } : {}),
      }),
    );
  }

  LoginByToken(token: string, nickName?: string, UID?: string, _userAuthCode?: string, cookie?: Cookie): void {
    this.startLogin(cookie, UID || undefined, (c) => c.login(String(token ?? ''), nickName || undefined));
  }

  UpdateToken(token: string): void {
    this._client?.updateToken(String(token)).catch(() => undefined);
  }

  Logout(): void {
    const c = this._client;
    if (!c) return;
    this.loggingOut = true;
    void c.logout().catch(() => undefined).finally(() => {
      this.loggingOut = false;
    });
    this.dropClient();
  }

  private dropClient(): void {
    const c = this._client;
    this._client = null;
    this.forgetMeeting();
    this.av.leave();
    if (c) {
      c.removeAll();
      c.close();
    }
  }

  private wire(c: CallClient): void {
    c.on('closed', (e) => {
      if (this._client !== c || this.loggingOut) return;
      this._client = null;
      this.forgetMeeting();
      this.av.leave();
      this.fire('LineOff', this.LineOff, e.code);
    });
    c.on('call.incoming', (e) => this.fire('NotifyCallIn', this.NotifyCallIn, e.callID, e.meeting, e.caller.userID, e.usrExtDat));
    c.on('call.accepted', (e) => this.fire('NotifyCallAccepted', this.NotifyCallAccepted, e.callID, e.meeting, e.usrExtDat));
    c.on('call.rejected', (e) => this.fire('NotifyCallRejected', this.NotifyCallRejected, e.callID, e.code, e.usrExtDat));
    c.on('call.hungup', (e) => this.fire('NotifyCallHungup', this.NotifyCallHungup, e.callID, e.usrExtDat));
    c.on('meeting.memberJoined', (e) => {
      if (e.meetingID !== this.meetingID) return;
      this.members.set(e.member.userID, e.member);
      this.fire('UserEnterMeeting', this.UserEnterMeeting, e.member.userID);
    });
    c.on('meeting.memberLeft', (e) => {
      if (e.meetingID !== this.meetingID) return;
      this.members.delete(e.userID);
      this.fire('UserLeftMeeting', this.UserLeftMeeting, e.userID);
    });
    c.on('meeting.stopped', (e) => {
      if (e.meetingID !== this.meetingID) return;
      this.forgetMeeting();
      this.av.leave();
      this.fire('MeetingStopped', this.MeetingStopped);
    });
    c.on('meeting.message', (e) => this.fire('NotifyMeetingCustomMsg', this.NotifyMeetingCustomMsg, e.from, e.text));
    c.on('user.status', (e) => this.fire('NotifyUserStatus', this.NotifyUserStatus, toCR(e), this.statusCookie));
    c.on('session.tokenExpiring', () => this.fire('NotifyTokenWillExpire', this.NotifyTokenWillExpire));
  }

  private forgetMeeting(): void {
    this.meetingID = null;
    this.members.clear();
  }

  /**
   * The members of the meeting entered through the facade, this user first (callroom's; the
   * reference SDK's member object). Those there before us come from the enter result, later ones
   * from `UserEnterMeeting`: each other member is in exactly one of the two.
   */
  GetAllMembers(): { userID: string; nickname: string; audioStatus: number; videoStatus: number }[] {
    const me = this._client?.user;
    if (this.meetingID === null || !me) return [];
    const self = { userID: me.userID, nickname: me.nickName, audioStatus: this.GetAudioStatus(), videoStatus: this.GetVideoStatus() };
    return [self, ...[...this.members.values()].map((m) => ({ userID: m.userID, nickname: m.nickName, audioStatus: 0, videoStatus: 0 }))];
  }

  // ---- meetings ----
  /** `CreateMeeting()`, `CreateMeeting(subject)` or `CreateMeeting(subject, cookie)`. */
  CreateMeeting(subject?: string, cookie?: Cookie): void {
    this.withClient(
      (code) => this.fire('CreateMeetingFail', this.CreateMeetingFail, code, cookie),
      async (c) => {
        const m = await c.createMeeting(subject ? { subject: String(subject) } : {});
        this.fire('CreateMeetingSuccess', this.CreateMeetingSuccess, m, cookie);
      },
    );
  }

  DestroyMeeting(meetID: number, cookie?: Cookie): void {
    this.withClient(
      (code) => this.fire('DestroyMeetingRslt', this.DestroyMeetingRslt, code, cookie),
      async (c) => {
        await c.destroyMeeting(Number(meetID));
        if (this.meetingID === Number(meetID)) this.forgetMeeting();
        this.fire('DestroyMeetingRslt', this.DestroyMeetingRslt, 0, cookie);
      },
    );
  }

  EnterMeeting(meetID: number, pswd: string, _UID?: string, _nickName?: string, cookie?: Cookie): void {
    this.enter(Number(meetID), pswd ? String(pswd) : undefined, cookie);
  }

  EnterMeeting2(meetID: number, _UID?: string, _nickName?: string, cookie?: Cookie): void {
    this.enter(Number(meetID), undefined, cookie);
  }

  private enter(meetID: number, pswd: string | undefined, cookie: Cookie): void {
    this.withClient(
      (code) => this.fire('EnterMeetingRslt', this.EnterMeetingRslt, code, cookie),
      async (c) => {
        const ice = await this.av.iceServers(c);
        const { members } = await c.enterMeeting(meetID, pswd);
        this.meetingID = meetID;
        this.members.clear();
        for (const m of members) this.members.set(m.userID, m);
        this.av.enter(c, meetID, members, ice);
        this.fire('EnterMeetingRslt', this.EnterMeetingRslt, 0, cookie);
      },
    );
  }

  ExitMeeting(): void {
    const c = this._client;
    const id = this.meetingID;
    this.forgetMeeting();
    this.av.leave();
    if (c && c.user && id !== null) void c.exitMeeting(id).catch(() => undefined);
  }

  SendMeetingCustomMsg(text: string, cookie?: Cookie): void {
    this.withClient(
      (code) => this.fire('SendMeetingCustomMsgRslt', this.SendMeetingCustomMsgRslt, code, cookie),
      async (c) => {
        if (this.meetingID === null) throw new CallroomError('NOT_IN_MEETING');
        await c.sendMessage(this.meetingID, String(text));
        this.fire('SendMeetingCustomMsgRslt', this.SendMeetingCustomMsgRslt, 0, cookie);
      },
    );
  }

  // ---- calls ----
  /** Invites `UID` into the meeting; returns the callID at once. */
  Call(UID: string, meetObj: MeetObj, usrExtDat?: string, cookie?: Cookie): string {
    const callID = newCallID();
    this.withClient(
      (code) => this.fire('CallFail', this.CallFail, callID, code, cookie),
      async (c) => {
        if (!meetObj || typeof meetObj !== 'object') throw new CallroomError('BAD_ARGUMENT', 'meetObj is required');
        await c.call(String(UID ?? ''), meetObj, { callID, usrExtDat: String(usrExtDat ?? '') });
        this.fire('CallSuccess', this.CallSuccess, callID, cookie);
      },
    );
    return callID;
  }

  AcceptCall(callID: string, _meetObj?: MeetObj, usrExtDat?: string, cookie?: Cookie): void {
    this.withClient(
      (code) => this.fire('AcceptCallFail', this.AcceptCallFail, callID, code, cookie),
      async (c) => {
        await c.accept(String(callID), String(usrExtDat ?? ''));
        this.fire('AcceptCallSuccess', this.AcceptCallSuccess, callID, cookie);
      },
    );
  }

  RejectCall(callID: string, usrExtDat?: string, cookie?: Cookie): void {
    this.withClient(
      (code) => this.fire('RejectCallFail', this.RejectCallFail, callID, code, cookie),
      async (c) => {
        await c.reject(String(callID), String(usrExtDat ?? ''));
        this.fire('RejectCallSuccess', this.RejectCallSuccess, callID, cookie);
      },
    );
  }

  HungupCall(callID: string, usrExtDat?: string, cookie?: Cookie): void {
    this.withClient(
      (code) => this.fire('HungupCallFail', this.HungupCallFail, callID, code, cookie),
      async (c) => {
        await c.hangup(String(callID), String(usrExtDat ?? ''));
        this.fire('HungupCallSuccess', this.HungupCallSuccess, callID, cookie);
      },
    );
  }

  /** Alias of HungupCall. */
  HangupCall(callID: string, usrExtDat?: string, cookie?: Cookie): void {
    this.HungupCall(callID, usrExtDat, cookie);
  }

  // ---- DND and status ----
  SetDNDStatus(status: number, cookie?: Cookie): void {
    this.withClient(
      (code) => this.fire('SetDNDStatusFail', this.SetDNDStatusFail, code, cookie),
      async (c) => {
        await c.setDnd(Number(status) !== 0);
        this.fire('SetDNDStatusSuccess', this.SetDNDStatusSuccess, cookie);
      },
    );
  }

  GetUserStatus(cookie?: Cookie): void {
    this.statuses(undefined, cookie);
  }

  GetOneUserStatus(UID: string, cookie?: Cookie): void {
    this.statuses([String(UID)], cookie);
  }

  private statuses(userIDs: string[] | undefined, cookie: Cookie): void {
    this.withClient(
      (code) => this.fire('GetUserStatusFail', this.GetUserStatusFail, code, cookie),
      async (c) => {
        const users = await c.getStatus(userIDs);
        this.fire('GetUserStatusSuccess', this.GetUserStatusSuccess, users.map(toCR), cookie);
      },
    );
  }

  StartUserStatusNotify(cookie?: Cookie): void {
    this.withClient(
      (code) => this.fire('StartUserStatusNotifyRslt', this.StartUserStatusNotifyRslt, code, cookie),
      async (c) => {
        await c.subscribeStatus();
        this.statusCookie = cookie;
        this.fire('StartUserStatusNotifyRslt', this.StartUserStatusNotifyRslt, 0, cookie);
      },
    );
  }

  StopUserStatusNotify(cookie?: Cookie): void {
    this.withClient(
      (code) => this.fire('StopUserStatusNotifyRslt', this.StopUserStatusNotifyRslt, code, cookie),
      async (c) => {
        await c.unsubscribeStatus();
        this.fire('StopUserStatusNotifyRslt', this.StopUserStatusNotifyRslt, 0, cookie);
      },
    );
  }

  // ---- microphone and camera (the reference SDK's names; browser only) ----
  /** Opens (or unmutes) this user's microphone; the reference SDK's `OpenMic(UID)`. Other users' mics cannot be opened. */
  OpenMic(UID?: string): void {
    this.av.set('audio', true, UID, this._client?.user?.userID);
  }
  /** Mutes this user's microphone at once. */
  CloseMic(UID?: string): void {
    this.av.set('audio', false, UID, this._client?.user?.userID);
  }
  /** Opens (or turns back on) this user's camera. */
  OpenVideo(UID?: string): void {
    this.av.set('video', true, UID, this._client?.user?.userID);
  }
  /** Turns this user's camera off (remote members see black). */
  CloseVideo(UID?: string): void {
    this.av.set('video', false, UID, this._client?.user?.userID);
  }
  /** This user's microphone state: 0 unknown, 1 no device, 2 closed, 3 open, 4 opening. */
  GetAudioStatus(UID?: string): number {
    return this.av.status('audio', UID, this._client?.user?.userID);
  }
  /** This user's camera state, numbered as GetAudioStatus. */
  GetVideoStatus(UID?: string): number {
    return this.av.status('video', UID, this._client?.user?.userID);
  }
}

/** A new, independent facade instance (many users can live in one Node process). */
export function createRTCSDK(opts: RTCSDKOptions = {}): RTCSDK {
  return new RTCSDK(opts);
}

/** Sets `RTCSDK` and `CRVideo_<Name>` for every function and callback on `target` (a window). */
export function installGlobals(sdk: RTCSDK, target: Record<string, unknown>): void {
  target.RTCSDK = sdk;
  const rec = sdk as unknown as Record<string, unknown>;
  for (const name of FUNCTION_NAMES) {
    const fn = rec[name] as (...a: unknown[]) => unknown;
    target[`CRVideo_${name}`] = fn.bind(sdk);
  }
  for (const name of CALLBACK_NAMES) target[`CRVideo_${name}`] = rec[name];
}
