/**
 * CallClient: the modern API. Promises for requests, typed events for everything the server
 * pushes, typed errors (CallroomError) carrying the code and its name. Runs in browsers and in
 * Node (index.ts supplies the `ws` WebSocket there).
 */
import { CallroomError, closeCodeFor, ErrorCodes, errorName } from '../protocol/errors.js';
import type {
  CallRecord,
  CallType,
  DataKind,
  EventName,
  IceServer,
  IceTransportPolicy,
  CallMedia,
  EventPayload,
  MeetInfo,
  Member,
  MemberMedia,
  Op,
  Params,
  Results,
  SignalKind,
  SessionCall,
  SignalPayload,
  UserStatus,
} from '../protocol/messages.js';
import type { QueueInfo, QueueMine, QueueStatus, QueueUser, QueuingInfo } from '../protocol/queues.js';
import { PROTOCOL_VERSION, SDK_NAME, WS_PATH } from '../protocol/version.js';
import { TypedEmitter } from '../shared/typed-emitter.js';
import { EnterGate } from './enter-gate.js';
import { Heartbeat, HEARTBEAT_INTERVAL_MS, type HeartbeatOptions } from './heartbeat.js';
import { defaultReconnectPolicy, type ReconnectPolicy } from './reconnect.js';
import { RequestQueue, systemTimers, type Timers } from './request-queue.js';

/** The part of the standard WebSocket this client uses (browsers and the `ws` package). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  /** Cuts the connection at once, without a closing handshake (the `ws` package has it). */
  terminate?(): void;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export { RECONNECT_BACKOFF_MS, RECONNECT_EVERY_MS, type ReconnectPolicy } from './reconnect.js';
/** How often a logged-in client pings (and acknowledges the events it has): the heartbeat's interval. */
export const PING_INTERVAL_MS = HEARTBEAT_INTERVAL_MS;
/** Milliseconds to wait for each response, held time included (the default of `requestTimeoutMs`). */
export const REQUEST_TIMEOUT_MS = 10_000;
/** Milliseconds a socket may take to open before the attempt counts as failed. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** Login failures that end reconnecting: the credentials themselves are refused. */
const FATAL_LOGIN_CODES = new Set([7, 10, 18, 21]);
/** Ops sent even while reconnecting (they are how the client reconnects), never held. */
const NEVER_HELD: ReadonlySet<Op> = new Set<Op>(['login', 'ping']);

/** Events a CallClient emits: the server's events by name, plus connection events. */
export type ClientEvents = { [E in EventName]: [EventPayload<E>] } & {
  /** The connection state changed. */
  state: [ConnectionState];
  /** The session ended: code is the reason (10 kicked, 18 token expired, 904 shutdown, 204 lost). */
  closed: [{ code: number; name: string; message: string }];
  /** The connection dropped (or its heartbeat went unanswered); the client will try again after `delayMs`. */
  reconnecting: [{ attempt: number; delayMs: number }];
  /** Back online. `resumed`: the session carried on and missed events were replayed; if false the
   * server had let the session go (its calls ended by the contract) and this is a new one. */
  reconnected: [{ resumed: boolean }];
  /** A listener threw; the client carries on. */
  listenerError: [unknown];
};

export interface CallClientOptions {
  /** ws://host:port/v1/ws, http://host:port, or host:port. */
  url: string;
  /** Milliseconds to wait for each response (default REQUEST_TIMEOUT_MS), time held while reconnecting included. */
  requestTimeoutMs?: number;
  /** Milliseconds a socket may take to open (default CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
  /** How to open a socket; defaults to the global WebSocket. */
  webSocket?: WebSocketFactory;
  /** Reconnect and resume by itself when the connection drops (default true). */
  reconnect?: boolean;
  /** When to try again after a lost connection (default: quick backoff, then every 7 s, forever). */
  reconnectPolicy?: ReconnectPolicy;
  /** The heartbeat's ping interval and reply deadline (defaults: a dead connection noticed within 9 s). */
  heartbeat?: HeartbeatOptions;
  /** Timer functions (injected by tests); default the global ones. */
  timers?: Timers;
}

export interface LoginResult {
  userID: string;
  nickName: string;
  sessionID: string;
  ringTimeoutMs: number;
  resumeGraceMs: number;
  tokenExpiresAt: number | null;
  dnd: boolean;
}

/** A session to resume at login (e.g. kept by a page across a reload): its ID and the last event seq seen. */
export interface ResumeFrom {
  sessionID: string;
  lastSeq: number;
}

/** Normalises `host:port` or any ws/wss/http/https URL to the socket URL. */
export function toSocketUrl(addr: string): string {
  let a = addr.trim();
  if (!/^[a-z]+:\/\//i.test(a)) a = `ws://${a}`;
  const u = new URL(a);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  else if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new CallroomError('BAD_ARGUMENT', `unsupported server address ${addr}`);
  if (u.pathname === '/' || u.pathname === '') u.pathname = WS_PATH;
  return u.toString();
}

export function newCallID(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(Math.random() * 4)]}${hex(3)}-${hex(12)}`;
}

const OPEN = 1;

export class CallClient extends TypedEmitter<ClientEvents> {
  private ws: WebSocketLike | null = null;
  private _state: ConnectionState = 'idle';
  private readonly url: string;
  private readonly connectTimeoutMs: number;
  private readonly factory: WebSocketFactory;
  private readonly autoReconnect: boolean;
  private readonly timers: Timers;
  private readonly requests: RequestQueue;
  private readonly heartbeat: Heartbeat;
  private credentials: Params<'login'> | null = null;
  private reconnectAttempt = 0;
  private readonly reconnectPolicy: ReconnectPolicy;
  private reconnectTimer: unknown = null;
  /** Holds a meeting's events until this client's own enter result has been delivered. */
  private readonly gate = new EnterGate((ev, payload) => this.emit(ev, payload as never));
  /** The last event seq seen; events are numbered per session. */
  lastSeq = 0;
  user: LoginResult | null = null;

  constructor(opts: CallClientOptions) {
    super((err) => {
      if (err !== undefined) queueMicrotask(() => this.emit('listenerError', err));
    });
    this.url = toSocketUrl(opts.url);
    this.connectTimeoutMs = opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    this.autoReconnect = opts.reconnect ?? true;
    this.reconnectPolicy = opts.reconnectPolicy ?? defaultReconnectPolicy;
    this.timers = opts.timers ?? systemTimers;
    // An enter that ends without its result (a timeout, a lost connection) opens the gate too.
    this.requests = new RequestQueue(opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, this.timers, (r) => {
      if (r.meetingID !== undefined) this.gate.end(r.meetingID, undefined);
    });
    this.heartbeat = new Heartbeat(
      opts.heartbeat ?? {},
      () => {
        const sentAt = Date.now();
        return this.request('ping', { ack: this.lastSeq }).then((r) => this.noteServerTime(r.serverTime, sentAt));
      },
      () => this.onHeartbeatLost(),
      this.timers,
    );
    const G = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
    const factory = opts.webSocket ?? (G ? (u: string) => new G(u) : undefined);
    if (!factory) throw new CallroomError('CONNECTION_ERROR', 'no WebSocket available: pass options.webSocket');
    this.factory = factory;
  }

  get state(): ConnectionState {
    return this._state;
  }

  private setState(s: ConnectionState): void {
    if (this._state === s) return;
    this._state = s;
    this.emit('state', s);
  }

  /** Opens the socket (login does this for you). */
  connect(): Promise<void> {
    if (this.ws && this._state === 'connected') return Promise.resolve();
    if (this._state !== 'reconnecting') this.setState('connecting');
    return new Promise((resolve, reject) => {
      let ws: WebSocketLike;
      try {
        ws = this.factory(this.url);
      } catch (err) {
        this.setState('closed');
        reject(new CallroomError('CONNECTION_ERROR', `cannot connect to ${this.url}: ${(err as Error).message}`));
        return;
      }
      this.ws = ws;
      let opened = false;
      const notOpened = (why: string) => {
        this.timers.clearTimeout(openTimer);
        reject(new CallroomError('CONNECTION_ERROR', `cannot connect to ${this.url}${why}`));
        if (this._state === 'connecting') this.setState('closed');
      };
      const openTimer = this.timers.setTimeout(() => {
        if (opened || this.ws !== ws) return;
        this.ws = null;
        this.cut(ws);
        notOpened(`: no answer in ${this.connectTimeoutMs} ms`);
      }, this.connectTimeoutMs);
      ws.onopen = () => {
        opened = true;
        this.timers.clearTimeout(openTimer);
        if (this._state !== 'reconnecting') this.setState('connected');
        resolve();
      };
      ws.onerror = () => {
        if (!opened) reject(new CallroomError('CONNECTION_ERROR', `cannot connect to ${this.url}`));
      };
      ws.onmessage = (ev) => this.onFrame(ev.data);
      ws.onclose = (ev) => {
        if (this.ws !== ws) return;
        this.ws = null;
        if (!opened) notOpened('');
        else this.onSocketLost(ev.code, ev.reason);
      };
    });
  }

  private closingSent = false;

  /** An open socket is gone: reconnect and resume if the session may carry on, else close. */
  private onSocketLost(closeCode: number, reason: string): void {
    this.requests.failInFlight(new CallroomError('CONNECTION_ERROR', 'connection closed'));
    const code = closeCode >= 4000 && closeCode < 5000 ? closeCode - 4000 : 204;
    const lostUnasked = this.user !== null && !this.closingSent;
    if (lostUnasked && this.autoReconnect && code !== 10 && code !== 18 && this.credentials) {
      this.scheduleReconnect();
      return;
    }
    if (this._state === 'reconnecting' && !this.closingSent) return;
    this.toClosed(lostUnasked ? { code, name: errorName(code), message: reason || 'connection closed' } : null);
  }

  /** The heartbeat went unanswered: the socket is taken for dead even though no error said so. */
  private onHeartbeatLost(): void {
    const ws = this.ws;
    if (!ws || this._state !== 'connected') return;
    this.ws = null;
    this.cut(ws);
    this.onSocketLost(closeCodeFor('CONNECTION_ERROR'), 'heartbeat unanswered');
  }

  /** Lets a socket go without waiting for it: a dead one would not finish a closing handshake. */
  private cut(ws: WebSocketLike): void {
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      // Not 1000/1001: should the close frame reach the server, the session is held for a resume.
      if (ws.terminate) ws.terminate();
      else ws.close(closeCodeFor('CONNECTION_ERROR'), 'heartbeat unanswered');
    } catch {
      /* already closed */
    }
  }

  private toClosed(reason: { code: number; name: string; message: string } | null): void {
    this.heartbeat.stop();
    this.user = null;
    this.requests.failHeld(new CallroomError('CONNECTION_ERROR', `the session ended${reason ? ` (${reason.name})` : ''}: request not sent`));
    this.setState('closed');
    if (reason) this.emit('closed', reason);
    this.closingSent = false;
  }

  private onFrame(data: unknown): void {
    this.heartbeat.noteTraffic();
    if (typeof data !== 'string') data = String(data);
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(data as string) as Record<string, unknown>;
    } catch {
      return;
    }
    this.gate.beforeFrame();
    if (typeof msg.ev === 'string') {
      if (typeof msg.seq === 'number') {
        if (msg.seq <= this.lastSeq) return; // already seen (replayed on resume)
        this.lastSeq = msg.seq;
      }
      const { ev, seq: _seq, ...payload } = msg;
      if (ev === 'session.closing') {
        const p = payload as EventPayload<'session.closing'>;
        // A server going down for a restart: reconnect and resume once it is back.
        if (!(p.code === 904 && this.autoReconnect && this.credentials)) {
          this.closingSent = true;
          this.heartbeat.stop();
          this.user = null;
          this.emit('closed', { code: p.code, name: p.name, message: p.message });
        }
      }
      if (!this.gate.offer(ev as EventName, payload)) this.emit(ev as EventName, payload as never);
      return;
    }
    if (typeof msg.id === 'number') {
      const p = this.requests.settle(msg.id);
      if (!p) return;
      if (p.meetingID !== undefined) {
        const members = msg.ok === true ? (msg.result as { members?: Member[] } | undefined)?.members : undefined;
        this.gate.end(p.meetingID, Array.isArray(members) ? members : undefined);
      }
      if (msg.ok === true) {
        // A new (not resumed) session numbers its events from 1. Reset here, synchronously:
        // its first events may arrive in the same read as this response, before any await resumes.
        if (p.op === 'login' && (msg.result as { resumed?: unknown } | undefined)?.resumed === false) this.lastSeq = 0;
        p.resolve(msg.result);
      }
      else p.reject(CallroomError.fromCode(Number(msg.code), String(msg.message ?? '')));
    }
  }

  /**
   * Sends one request and resolves with its result, or rejects with a CallroomError. While the
   * client reconnects, the request is held and sent once the session is resumed (it still fails
   * with TIMEOUT after the request timeout, and with CONNECTION_ERROR if a new session began).
   */
  request<O extends Op>(op: O, params: Params<O>): Promise<Results[O]> {
    const hold = this._state === 'reconnecting' && this.user !== null && !NEVER_HELD.has(op);
    const ws = this.ws;
    if (!hold && (!ws || ws.readyState !== OPEN)) return Promise.reject(new CallroomError('CONNECTION_ERROR', 'not connected'));
    // An enter holds its meeting's events until its result is out (see EnterGate).
    const meetingID = op === 'meeting.enter' ? (params as Params<'meeting.enter'>).meetingID : undefined;
    if (meetingID !== undefined) this.gate.begin(meetingID);
    return this.requests.make<Results[O]>(op, params, hold ? 'hold' : { send: (frame) => ws!.send(frame) }, meetingID);
  }

  private async loginWith(params: Params<'login'>, resume?: ResumeFrom): Promise<LoginResult> {
    this.cancelReconnect();
    this.closingSent = false;
    await this.connect();
    if (resume) this.lastSeq = resume.lastSeq;
    const sentAt = Date.now();
    const r = await this.request('login', { protocol: PROTOCOL_VERSION, sdk: SDK_NAME, ...params, ...(resume ? { resume } : {}) });
    this.credentials = params;
    this.noteServerTime(r.serverTime, sentAt);
    this.acceptLogin(r);
    return this.user!;
  }

  private acceptLogin(r: Results['login']): void {
    this.user = {
      userID: r.userID,
      nickName: r.nickName,
      sessionID: r.sessionID,
      ringTimeoutMs: r.ringTimeoutMs,
      resumeGraceMs: r.resumeGraceMs,
      tokenExpiresAt: r.tokenExpiresAt,
      dnd: r.dnd,
    };
    this.resumed = r.resumed;
    this.heartbeat.start();
  }

  /** Whether the last login carried on an earlier session (`resumed` in its result). */
  resumed = false;

  /** The server's clock minus this one's, from the last login or ping (half its round trip taken as the delay). */
  private clockOffsetMs = 0;

  /** The server's time now, as best known: compare it with the server's timestamps (a call's answeredAt). */
  serverNow(): number {
    return Date.now() + this.clockOffsetMs;
  }

  private noteServerTime(serverTime: number, sentAt: number): void {
    this.clockOffsetMs = serverTime - (sentAt + Date.now()) / 2;
  }

  private cancelReconnect(): void {
    if (this.reconnectTimer !== null) this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.reconnectAttempt = 0;
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer !== null) return;
    this.heartbeat.stop();
    this.setState('reconnecting');
    const i = this.reconnectAttempt++;
    const delayMs = this.reconnectPolicy.nextDelayMs(i);
    if (delayMs === null) {
      this.ws?.close(1000, 'gave up reconnecting');
      this.ws = null;
      return this.toClosed({ code: ErrorCodes.CONNECTION_ERROR, name: 'CONNECTION_ERROR', message: `gave up reconnecting after ${i} attempts` });
    }
    this.emit('reconnecting', { attempt: i + 1, delayMs });
    this.reconnectTimer = this.timers.setTimeout(() => void this.tryReconnect(), delayMs);
  }

  private async tryReconnect(): Promise<void> {
    this.reconnectTimer = null;
    const creds = this.credentials;
    const prev = this.user;
    if (!creds || !prev || this._state !== 'reconnecting') return;
    try {
      await this.connect();
      const sentAt = Date.now();
      const r = await this.request('login', {
        protocol: PROTOCOL_VERSION,
        sdk: SDK_NAME,
        ...creds,
        resume: { sessionID: prev.sessionID, lastSeq: this.lastSeq },
      });
      if (this._state !== 'reconnecting') return;
      this.noteServerTime(r.serverTime, sentAt);
      this.acceptLogin(r);
      this.reconnectAttempt = 0;
      const ws = this.ws;
      if (r.resumed && ws) this.requests.release((frame) => ws.send(frame));
      else this.requests.failHeld(new CallroomError('CONNECTION_ERROR', 'the session could not be resumed (a new one began): request not sent'));
      this.setState('connected');
      this.emit('reconnected', { resumed: r.resumed });
    } catch (err) {
      if (this._state !== 'reconnecting') return;
      const code = err instanceof CallroomError ? err.code : 204;
      if (FATAL_LOGIN_CODES.has(code)) {
        this.ws?.close(1000, 'login refused');
        this.ws = null;
        this.toClosed({ code, name: errorName(code), message: (err as Error).message });
        return;
      }
      if (this.ws) {
        this.closingSent = false;
        this.ws.close(1000, 'retry');
        this.ws = null;
      }
      this.scheduleReconnect();
    }
  }

  /** Logs in with a token (a JWT from your backend or `callroom token`). */
  login(token: string, nickName?: string): Promise<LoginResult> {
    return this.loginWith({ token, ...(nickName ? { nickName } : {}) });
  }

  /**
   * Logs in with a token and asks to carry on `from`, a session this client (or a page before
   * its reload) had: `resumed` in the result says whether it did (its calls, meeting and missed
   * events carry on) or a new session began.
   */
  loginResuming(token: string, from: ResumeFrom, nickName?: string): Promise<LoginResult> {
    return this.loginWith({ token, ...(nickName ? { nickName } : {}) }, from);
  }

  /** The compatible login: app ID and the hex MD5 of the app secret. */
  loginWithApp(a: { appID: string; appSecretMd5: string; userID: string; nickName?: string; userAuthCode?: string }): Promise<LoginResult> {
    return this.loginWith({
      appID: a.appID,
      appSecret: a.appSecretMd5,
      userID: a.userID,
      ...(a.nickName ? { nickName: a.nickName } : {}),
      ...(a.userAuthCode ? { userAuthCode: a.userAuthCode } : {}),
    });
  }

  async logout(): Promise<void> {
    if (!this.ws) return;
    this.closingSent = true;
    try {
      await this.request('logout', {});
    } finally {
      this.user = null;
      this.close();
    }
  }

  /** Closes the socket without logging out first, and stops reconnecting. */
  close(): void {
    this.cancelReconnect();
    this.heartbeat.stop();
    this.requests.failHeld(new CallroomError('CONNECTION_ERROR', 'the client was closed: request not sent'));
    const ws = this.ws;
    if (!ws) {
      if (this._state === 'reconnecting') this.setState('closed');
      return;
    }
    this.closingSent = true;
    ws.close(1000, 'client close');
  }

  updateToken(token: string): Promise<Results['token.update']> {
    return this.request('token.update', { token });
  }

  // ---- meetings ----
  async createMeeting(opts: { subject?: string; pswd?: string } = {}): Promise<MeetInfo> {
    return (await this.request('meeting.create', opts)).meeting;
  }
  enterMeeting(meetingID: number, pswd?: string): Promise<{ meeting: MeetInfo; members: Member[] }> {
    return this.request('meeting.enter', { meetingID, ...(pswd !== undefined ? { pswd } : {}) });
  }
  async exitMeeting(meetingID?: number): Promise<number> {
    return (await this.request('meeting.exit', meetingID !== undefined ? { meetingID } : {})).meetingID;
  }
  async destroyMeeting(meetingID: number): Promise<void> {
    await this.request('meeting.destroy', { meetingID });
  }
  async signal(meetingID: number, to: string, kind: SignalKind, payload: SignalPayload): Promise<void> {
    await this.request('meeting.signal', { meetingID, to, kind, payload });
  }
  async sendMessage(meetingID: number, text: string): Promise<number> {
    return (await this.request('meeting.message', { meetingID, text })).ts;
  }
  /**
   * Sends `data` (≤ 16 384 characters) to member `to`, or without `to` to every other member of the
   * meeting; they get `meeting.data`. Resolves with the server's time of it.
   */
  async sendData(meetingID: number, kind: DataKind, data: string, to?: string): Promise<number> {
    return (await this.request('meeting.data', { meetingID, kind, data, ...(to !== undefined ? { to } : {}) })).ts;
  }
  /** Tells the other members the state of this member's microphone, camera and screen share (`meeting.media`). */
  async setMedia(meetingID: number, media: MemberMedia): Promise<void> {
    await this.request('meeting.media', { meetingID, ...media });
  }

  // ---- calls ----
  /**
   * Calls `callee` into `meeting`. `callID` defaults to a fresh UUID. `callType: 'audio'` places
   * an audio call (the callee's `call.incoming` says so; the camera may be turned on later); the
   * default is 'video'.
   */
  call(
    callee: string,
    meeting: Pick<MeetInfo, 'ID'> & { pswd?: string },
    opts: { usrExtDat?: string; callID?: string; callType?: CallType } = {},
  ): Promise<Results['call.invite']> {
    return this.request('call.invite', {
      callID: opts.callID ?? newCallID(),
      callee,
      meetingID: meeting.ID,
      ...(meeting.pswd ? { pswd: meeting.pswd } : {}),
      ...(opts.usrExtDat !== undefined ? { usrExtDat: opts.usrExtDat } : {}),
      ...(opts.callType !== undefined ? { callType: opts.callType } : {}),
    });
  }
  accept(callID: string, usrExtDat?: string): Promise<Results['call.accept']> {
    return this.request('call.accept', { callID, ...(usrExtDat !== undefined ? { usrExtDat } : {}) });
  }
  async reject(callID: string, usrExtDat?: string): Promise<void> {
    await this.request('call.reject', { callID, ...(usrExtDat !== undefined ? { usrExtDat } : {}) });
  }
  async hangup(callID: string, usrExtDat?: string): Promise<void> {
    await this.request('call.hangup', { callID, ...(usrExtDat !== undefined ? { usrExtDat } : {}) });
  }
  async listCalls(opts: { limit?: number; before?: number } = {}): Promise<CallRecord[]> {
    return (await this.request('calls.list', opts)).calls;
  }

  // ---- media ----
  /** The STUN/TURN servers to use for media, with fresh TURN credentials. */
  async getIceServers(): Promise<IceServer[]> {
    return (await this.request('ice.servers', {})).iceServers;
  }
  /** The servers and whether to use relays only (the operator's --ice-relay-only): pass both to MediaRoom. */
  async getIceConfig(): Promise<{ iceServers: IceServer[]; iceTransportPolicy: IceTransportPolicy }> {
    const r = await this.request('ice.servers', {});
    return { iceServers: r.iceServers, iceTransportPolicy: r.iceTransportPolicy === 'relay' ? 'relay' : 'all' };
  }
  /**
   * Tells the server whether the call's media connected (the call record's `media`): send
   * 'connected' on MediaRoom's `health` state 'connected', 'failed' on state 'failed'.
   */
  async reportCallMedia(callID: string, media: CallMedia): Promise<CallMedia> {
    return (await this.request('call.media', { callID, media })).media;
  }

  // ---- presence ----
  async setDnd(dnd: boolean): Promise<void> {
    await this.request('dnd.set', { dnd });
  }
  async getStatus(userIDs?: string[]): Promise<UserStatus[]> {
    return (await this.request('status.get', userIDs ? { userIDs } : {})).users;
  }
  async subscribeStatus(): Promise<UserStatus[]> {
    return (await this.request('status.subscribe', {})).users;
  }
  async unsubscribeStatus(): Promise<void> {
    await this.request('status.unsubscribe', {});
  }

  /** The user's open call as the server knows it (after a resume by a client that lost its memory), or null. */
  async sessionInfo(): Promise<SessionCall | null> {
    return (await this.request('session.info', {})).call;
  }

  // ---- queues (docs/protocol.md, "Queues") ----
  async listQueues(): Promise<QueueInfo[]> {
    return (await this.request('queue.list', {})).queues;
  }
  /** The counts of one queue, or (no queID) of every queue. */
  async queueStatus(queID?: number): Promise<QueueStatus[]> {
    return (await this.request('queue.status', queID !== undefined ? { queID } : {})).statuses;
  }
  /** Customer: waits in queue `queID` (one queue at a time: ALREADY_OTHERQUE otherwise). */
  async joinQueue(queID: number, usrExtDat?: string): Promise<QueuingInfo> {
    return (await this.request('queue.join', { queID, ...(usrExtDat !== undefined ? { usrExtDat } : {}) })).info;
  }
  /** Customer: stops waiting; resolves with the queue left, or null if the user was not queuing. */
  async leaveQueue(): Promise<number | null> {
    return (await this.request('queue.leave', {})).queID;
  }
  /** Agent: serves queue `queID` with `priority` (the smaller, the sooner offered); resolves with the queues served. */
  async serveQueue(queID: number, priority?: number): Promise<number[]> {
    return (await this.request('queue.serve', { queID, ...(priority !== undefined ? { priority } : {}) })).serving;
  }
  async unserveQueue(queID: number): Promise<number[]> {
    return (await this.request('queue.unserve', { queID })).serving;
  }
  /** Agent with DND on: asks for the next customer (QUE_NOUSER when nobody waits). */
  async nextCustomer(): Promise<QueueUser> {
    return (await this.request('queue.next', {})).user;
  }
  /** Agent: takes the customer offered (QUE_USER_CANCELLED if they left or the offer was withdrawn). */
  async acceptCustomer(queID: number, userID: string): Promise<QueueUser> {
    return (await this.request('queue.accept', { queID, userID })).user;
  }
  /** Agent: passes on the customer offered; they keep their place and go to another agent. */
  async rejectCustomer(queID: number, userID: string): Promise<void> {
    await this.request('queue.reject', { queID, userID });
  }
  /** This user's place in line, queues served, offer and customer in service. */
  myQueues(): Promise<QueueMine> {
    return this.request('queue.mine', {});
  }
}
