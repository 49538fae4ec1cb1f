/**
 * CallClient: the modern API. Promises for requests, typed events for everything the server
 * pushes, typed errors (CallroomError) carrying the code and its name. Runs in browsers and in
 * Node (index.ts supplies the `ws` WebSocket there).
 */
import { CallroomError, errorName } from '../protocol/errors.js';
import type {
  CallRecord,
  DataKind,
  EventName,
  IceServer,
  EventPayload,
  MeetInfo,
  Member,
  MemberMedia,
  Op,
  Params,
  Results,
  SignalKind,
  SignalPayload,
  UserStatus,
} from '../protocol/messages.js';
import { PROTOCOL_VERSION, SDK_NAME, WS_PATH } from '../protocol/version.js';
import { TypedEmitter } from '../shared/typed-emitter.js';
import { EnterGate } from './enter-gate.js';

/** The part of the standard WebSocket this client uses (browsers and the `ws` package). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** Delays before reconnect attempts (ms), then RECONNECT_EVERY_MS; each with ±20 % jitter. */
export const RECONNECT_BACKOFF_MS = [0, 300, 1200, 2700, 4800] as const;
export const RECONNECT_EVERY_MS = 7000;
/** How often a logged-in client pings (and acknowledges the events it has). */
export const PING_INTERVAL_MS = 10_000;
/** Login failures that end reconnecting: the credentials themselves are refused. */
const FATAL_LOGIN_CODES = new Set([7, 10, 18, 21]);

/** Events a CallClient emits: the server's events by name, plus connection events. */
export type ClientEvents = { [E in EventName]: [EventPayload<E>] } & {
  /** The connection state changed. */
  state: [ConnectionState];
  /** The session ended: code is the reason (10 kicked, 18 token expired, 904 shutdown, 204 lost). */
  closed: [{ code: number; name: string; message: string }];
  /** The connection dropped; the client will try again after `delayMs`. */
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
  /** Milliseconds to wait for each response (default 10 000). */
  requestTimeoutMs?: number;
  /** How to open a socket; defaults to the global WebSocket. */
  webSocket?: WebSocketFactory;
  /** Reconnect and resume by itself when the connection drops (default true). */
  reconnect?: boolean;
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

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: ReturnType<typeof setTimeout>;
  op: Op;
  /** For `meeting.enter`: the meeting being entered (see EnterGate). */
  meetingID?: number;
}

const OPEN = 1;

export class CallClient extends TypedEmitter<ClientEvents> {
  private ws: WebSocketLike | null = null;
  private nextID = 1;
  private readonly pending = new Map<number, Pending>();
  private _state: ConnectionState = 'idle';
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly factory: WebSocketFactory;
  private readonly autoReconnect: boolean;
  private credentials: Params<'login'> | null = null;
  private reconnectAttempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
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
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.autoReconnect = opts.reconnect ?? true;
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
      ws.onopen = () => {
        opened = true;
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
        this.failPending(new CallroomError('CONNECTION_ERROR', 'connection closed'));
        if (!opened) {
          reject(new CallroomError('CONNECTION_ERROR', `cannot connect to ${this.url}`));
          if (this._state === 'connecting') this.setState('closed');
          return;
        }
        const code = ev.code >= 4000 && ev.code < 5000 ? ev.code - 4000 : 204;
        const lostUnasked = this.user !== null && !this.closingSent;
        if (lostUnasked && this.autoReconnect && code !== 10 && code !== 18 && this.credentials) {
          this.scheduleReconnect();
          return;
        }
        if (this._state === 'reconnecting' && !this.closingSent) return;
        this.stopPinging();
        this.user = null;
        this.setState('closed');
        if (lostUnasked) this.emit('closed', { code, name: errorName(code), message: ev.reason || 'connection closed' });
        this.closingSent = false;
      };
    });
  }

  private closingSent = false;

  private onFrame(data: unknown): void {
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
          this.stopPinging();
          this.user = null;
          this.emit('closed', { code: p.code, name: p.name, message: p.message });
        }
      }
      if (!this.gate.offer(ev as EventName, payload)) this.emit(ev as EventName, payload as never);
      return;
    }
    if (typeof msg.id === 'number') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
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

  private failPending(err: CallroomError): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      if (p.meetingID !== undefined) this.gate.end(p.meetingID, undefined);
      p.reject(err);
    }
    this.pending.clear();
  }

  /** Sends one request and resolves with its result, or rejects with a CallroomError. */
  request<O extends Op>(op: O, params: Params<O>): Promise<Results[O]> {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN) return Promise.reject(new CallroomError('CONNECTION_ERROR', 'not connected'));
    const id = this.nextID++;
    const meetingID = op === 'meeting.enter' ? (params as Params<'meeting.enter'>).meetingID : undefined;
    return new Promise<Results[O]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        if (meetingID !== undefined) this.gate.end(meetingID, undefined);
        reject(new CallroomError('TIMEOUT', `${op}: no response in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer, op, ...(meetingID !== undefined ? { meetingID } : {}) });
      if (meetingID !== undefined) this.gate.begin(meetingID);
      ws.send(JSON.stringify({ id, op, ...params }));
    });
  }

  private async loginWith(params: Params<'login'>): Promise<LoginResult> {
    this.cancelReconnect();
    this.closingSent = false;
    await this.connect();
    const r = await this.request('login', { protocol: PROTOCOL_VERSION, sdk: SDK_NAME, ...params });
    this.credentials = params;
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
    this.startPinging();
  }

  private startPinging(): void {
    this.stopPinging();
    const t = setInterval(() => {
      if (this._state === 'connected' && this.user) this.request('ping', { ack: this.lastSeq }).catch(() => undefined);
    }, PING_INTERVAL_MS);
    (t as { unref?: () => void }).unref?.();
    this.pingTimer = t;
  }

  private stopPinging(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private cancelReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.reconnectAttempt = 0;
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer) return;
    this.setState('reconnecting');
    const i = this.reconnectAttempt++;
    const base = RECONNECT_BACKOFF_MS[i] ?? RECONNECT_EVERY_MS;
    const delayMs = Math.round(base * (0.8 + Math.random() * 0.4));
    this.emit('reconnecting', { attempt: i + 1, delayMs });
    const t = setTimeout(() => void this.tryReconnect(), delayMs);
    // Waiting to reconnect does not by itself keep a Node process alive.
    (t as { unref?: () => void }).unref?.();
    this.reconnectTimer = t;
  }

  private async tryReconnect(): Promise<void> {
    this.reconnectTimer = null;
    const creds = this.credentials;
    const prev = this.user;
    if (!creds || !prev || this._state !== 'reconnecting') return;
    try {
      await this.connect();
      const r = await this.request('login', {
        protocol: PROTOCOL_VERSION,
        sdk: SDK_NAME,
        ...creds,
        resume: { sessionID: prev.sessionID, lastSeq: this.lastSeq },
      });
      this.acceptLogin(r);
      this.reconnectAttempt = 0;
      this.setState('connected');
      this.emit('reconnected', { resumed: r.resumed });
    } catch (err) {
      if (this._state !== 'reconnecting') return;
      const code = err instanceof CallroomError ? err.code : 204;
      if (FATAL_LOGIN_CODES.has(code)) {
        this.user = null;
        this.stopPinging();
        this.ws?.close(1000, 'login refused');
        this.ws = null;
        this.setState('closed');
        this.emit('closed', { code, name: errorName(code), message: (err as Error).message });
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
    this.stopPinging();
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
  /** Calls `callee` into `meeting`. `callID` defaults to a fresh UUID. */
  call(
    callee: string,
    meeting: Pick<MeetInfo, 'ID'> & { pswd?: string },
    opts: { usrExtDat?: string; callID?: string } = {},
  ): Promise<Results['call.invite']> {
    return this.request('call.invite', {
      callID: opts.callID ?? newCallID(),
      callee,
      meetingID: meeting.ID,
      ...(meeting.pswd ? { pswd: meeting.pswd } : {}),
      ...(opts.usrExtDat !== undefined ? { usrExtDat: opts.usrExtDat } : {}),
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
}
