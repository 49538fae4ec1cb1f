/**
 * One WebSocket: validates every inbound frame, enforces the login deadline, size and rate
 * caps, and dispatches requests to its session. The session (session.ts) may outlive it.
 */
import type { WebSocket, RawData } from 'ws';
import { CallroomError, ErrorMessages, ErrorCodes, closeCodeFor, type ErrorName } from '../../protocol/errors.js';
import { decodeRequest, peekRequestID } from '../../protocol/decode.js';
import type { Request, Results } from '../../protocol/messages.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import type { TimerHandle } from '../clock.js';
import type { Core } from '../core.js';
import type { Identity } from './auth.js';
import { handlers, type HandlerContext } from './handlers.js';
import { TokenBucket } from './rate-limit.js';
import { ClusterSessions } from '../cluster/sessions.js';
import { endSession, LiveSession, type Attachment } from './session.js';

/** Consecutive rate-limited frames after which the socket is closed. */
const RATE_STRIKES_BEFORE_CLOSE = 50;
/** How long a socket closed for not reading gets to take its close frame before it is cut. */
const SLOW_CLOSE_GRACE_MS = 1_000;
/** How long a rate-limit close waits for accepted requests to be answered, at most. */
const CLOSE_DRAIN_MS = 5_000;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A text frame's bytes as a string; null when they are not valid UTF-8. */
function frameText(data: RawData): string | null {
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  try {
    return strictUtf8.decode(buf);
  } catch {
    return null;
  }
}

/** The first bytes of a frame as text, without copying the rest. */
function frameHead(data: RawData): string {
  const first = Array.isArray(data) ? data[0] : data;
  if (!first) return '';
  const buf = Buffer.isBuffer(first) ? first : Buffer.from(first);
  return buf.subarray(0, 64).toString('latin1');
}

export class Connection implements Attachment {
  private session: LiveSession | null = null;
  private ended = false;
  private loginTimer: TimerHandle | null;
  private readonly bucket: TokenBucket;
  private rateStrikes = 0;
  /** Requests being handled; a rate-limit close waits until each has been answered. */
  private inflight = 0;
  /** The invites this connection sent that are still being handled, by call ID. */
  private readonly invites = new Map<string, Promise<void>>();
  private closeWhenIdle: ErrorName | null = null;
  private loggingIn = false;
  alive = true;

  constructor(
    private readonly core: Core,
    private readonly ws: WebSocket,
    readonly remote: string,
    private readonly onEnd: (c: Connection) => void,
  ) {
    const { clock, limits } = core;
    this.bucket = new TokenBucket(limits.ratePerSecond, limits.rateBurst, clock.now());
    this.loginTimer = clock.setTimeout(() => {
      if (!this.session) this.closeWith('LOGIN_TIMEOUT');
    }, limits.loginTimeoutMs);
    ws.on('message', (data, isBinary) => {
      // Any frame shows the connection alive, as a pong does: a busy client whose pong waits
      // behind its own frames is not cut.
      this.alive = true;
      this.onMessage(data, isBinary);
    });
    // A client that closes on purpose (1000) is gone at once; any other loss holds its session for
    // a resume, 1001 too: a browser sends it when its page goes away, and a page reloaded mid-call
    // comes back and resumes.
    ws.on('close', (code) => this.end(code === 1000));
    ws.on('error', () => this.end(false));
    ws.on('pong', () => {
      this.alive = true;
    });
  }

  get userID(): string | null {
    return this.session?.userID ?? null;
  }

  sendText(text: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(text);
    if (this.ws.bufferedAmount > 2 * this.core.limits.maxQueuedBytes) this.dropSlowConsumer();
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /**
   * The client does not read what it is sent: the socket is closed (4906) and its buffers freed;
   * the session is held for a resume, as after a network loss.
   */
  private dropSlowConsumer(): void {
    const { core } = this;
    core.metrics.rejectedFrames.inc({ reason: 'slow_consumer' });
    core.log.warn({ user: this.userID, remote: this.remote, buffered: this.ws.bufferedAmount }, 'client not reading: connection closed');
    this.ws.close(closeCodeFor('SLOW_CONSUMER'), 'SLOW_CONSUMER');
    const ws = this.ws;
    core.clock.setTimeout(() => ws.terminate(), SLOW_CLOSE_GRACE_MS);
    this.end(false);
  }

  private respondOk(id: number, result: unknown): void {
    this.sendText(`{"id":${id},"ok":true,"result":${JSON.stringify(result)}}`);
  }

  private respondError(id: number | null, name: ErrorName, message?: string): void {
    this.sendText(JSON.stringify({ id, ok: false, code: ErrorCodes[name], name, message: message ?? ErrorMessages[name] }));
  }

  closeSocket(reason: ErrorName): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(closeCodeFor(reason), reason);
    this.end(false);
  }

  detachSession(): void {
    this.session = null;
  }

  /** Ends the session (if any) for `reason`, telling the client, and closes the socket. */
  closeWith(reason: ErrorName): void {
    if (this.session) this.session.close(reason);
    else this.closeSocket(reason);
  }

  /** Server shutdown: tells the client and closes, leaving its calls open for the next start. */
  shutdown(): void {
    const s = this.session;
    if (s) {
      s.send('session.closing', { code: ErrorCodes.SERVER_SHUTDOWN, name: 'SERVER_SHUTDOWN', message: ErrorMessages.SERVER_SHUTDOWN });
      s.dispose();
    }
    this.closeSocket('SERVER_SHUTDOWN');
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    const { core } = this;
    // After login the bucket is the user's, shared by all their sockets: reconnecting does not refill it.
    const allowed =
      this.closeWhenIdle === null &&
      (this.session ? core.guards.takeRequest(this.session.userID) : this.bucket.take(core.clock.now()));
    if (!allowed) {
      core.metrics.rejectedFrames.inc({ reason: 'rate' });
      // Answer with the request's id (read from the frame's start only), so the sender's
      // request fails now instead of waiting for a response that never comes.
      this.respondError(isBinary ? null : peekRequestID(frameHead(data)), 'RATE_LIMITED');
      // Too many in a row: close, but only once every request already taken has been answered.
      if (this.closeWhenIdle === null && ++this.rateStrikes >= RATE_STRIKES_BEFORE_CLOSE) {
        this.closeWhenIdle = 'RATE_LIMITED';
        this.closeIfIdle();
        // A request that never finishes (a store that hangs) must not keep the socket open.
        core.clock.setTimeout(() => {
          if (!this.ended) this.closeWith('RATE_LIMITED');
        }, CLOSE_DRAIN_MS);
      }
      return;
    }
    this.rateStrikes = 0;
    if (isBinary) {
      core.metrics.rejectedFrames.inc({ reason: 'binary' });
      return this.respondError(null, 'BAD_FRAME', 'binary frames are not accepted: send JSON text frames');
    }
    const text = frameText(data);
    if (text === null) {
      core.metrics.rejectedFrames.inc({ reason: 'BAD_FRAME' });
      return this.respondError(peekRequestID(frameHead(data)), 'BAD_FRAME', 'frame is not valid UTF-8');
    }
    const decoded = decodeRequest(text, core.limits.maxFrameBytes);
    if (!decoded.ok) {
      core.metrics.rejectedFrames.inc({ reason: decoded.error });
      return this.respondError(decoded.id, decoded.error, decoded.message);
    }
    const req = decoded.request;
    // A request on a call whose invite this connection sent just before waits for that invite
    // (a cancel sent back to back): the call is known as soon as its invite is read, whatever
    // the invite still awaits (a password check, a Redis round trip).
    const callID = req.op === 'call.accept' || req.op === 'call.reject' || req.op === 'call.hangup' || req.op === 'call.media' ? req.callID : null;
    const invite = callID !== null ? this.invites.get(callID) : undefined;
    const run = invite ? invite.then(() => this.dispatch(req)) : this.dispatch(req);
    if (req.op === 'call.invite') {
      this.invites.set(req.callID, run);
      void run.finally(() => {
        if (this.invites.get(req.callID) === run) this.invites.delete(req.callID);
      });
    }
    this.inflight += 1;
    void run.finally(() => {
      this.inflight -= 1;
      this.closeIfIdle();
    });
  }

  private closeIfIdle(): void {
    if (this.closeWhenIdle !== null && this.inflight === 0 && !this.ended) this.closeWith(this.closeWhenIdle);
  }

  private async dispatch(req: Request): Promise<void> {
    const { core } = this;
    try {
      let result: unknown;
      let after: (() => void) | undefined;
      if (req.op === 'login') {
        [result, after] = await this.login(req);
      } else if (req.op === 'ping' && !this.session) {
        result = { serverTime: core.clock.now() };
      } else {
        if (!this.session) throw new CallroomError('NOT_LOGGED_IN');
        const handler = handlers[req.op] as (ctx: HandlerContext, r: Request) => unknown;
        result = await handler(this.handlerContext(this.session), req);
      }
      core.metrics.requests.inc({ op: req.op, result: 'OK' });
      this.respondOk(req.id, result);
      after?.();
      if (req.op === 'logout') this.ws.close(1000, 'logout');
    } catch (err) {
      if (err instanceof CallroomError) {
        core.metrics.requests.inc({ op: req.op, result: err.errorName });
        this.respondError(req.id, err.errorName, err.message);
      } else {
        core.metrics.requests.inc({ op: req.op, result: 'SERVER_ERROR' });
        core.log.error({ err, op: req.op, user: this.userID }, 'request failed');
        this.respondError(req.id, 'SERVER_ERROR');
      }
    }
  }

  private handlerContext(session: LiveSession): HandlerContext {
    return {
      core: this.core,
      session,
      logout: () => {
        this.session = null;
        endSession(this.core, session, 'logout');
      },
      ack: (seq) => session.ack(seq),
      updateToken: async (token) => {
        const id = await this.core.auth.verify(token, this.core.clock.now());
        if (id.userID !== session.userID) throw new CallroomError('TOKEN_INVALID', 'the token is for another user');
        session.armExpiry(id.expiresAt);
        return id.expiresAt;
      },
    };
  }

  /** Logs in (or resumes); returns the result and what to do once it has been sent. */
  private async login(req: Request<'login'>): Promise<[Results['login'], (() => void) | undefined]> {
    const { core } = this;
    if (this.session || this.loggingIn) throw new CallroomError('ALREADY_LOGGED_IN');
    if (req.protocol !== undefined && req.protocol !== PROTOCOL_VERSION) {
      throw new CallroomError('UNKNOWN_OP', `protocol ${req.protocol} is not supported; this server speaks ${PROTOCOL_VERSION}`);
    }
    this.loggingIn = true;
    let id: Identity;
    try {
      await core.guards.checkLogin(this.remote);
      try {
        id = await this.identify(req);
      } catch (err) {
        // Guesses count (a forged token, a wrong app secret); an expired token is no guess.
        if (err instanceof CallroomError && (err.errorName === 'TOKEN_INVALID' || err.errorName === 'BAD_CREDENTIALS')) {
          await core.guards.loginFailed(this.remote);
        }
        throw err;
      }
      await core.guards.countLogin(id.userID);
    } catch (err) {
      core.metrics.logins.inc({ result: err instanceof CallroomError ? err.errorName : 'SERVER_ERROR' });
      throw err;
    } finally {
      this.loggingIn = false;
    }
    if (this.ended) throw new CallroomError('CONNECTION_ERROR');
    await core.visibility.learn(id.userID, id.contacts);
    if (this.ended) throw new CallroomError('CONNECTION_ERROR');
    this.loginTimer?.cancel();
    this.loginTimer = null;

    const nickName = req.nickName || id.nickName;
    const resume = req.resume;
    if (core.sessions instanceof ClusterSessions) return this.loginShared(core.sessions, id, nickName, resume);

    const existing = core.sessions.get(id.userID);
    if (
      resume &&
      existing instanceof LiveSession &&
      existing.id === resume.sessionID &&
      !existing.ended &&
      existing.canResumeFrom(resume.lastSeq)
    ) {
      this.session = existing;
      existing.armExpiry(id.expiresAt);
      this.loggedIn(id, true, resume.lastSeq);
      return [this.loginResult(existing, id, true), () => existing.attach(this, resume.lastSeq)];
    }

    const session = new LiveSession(core, this, id.userID, nickName);
    this.session = session;
    const old = core.sessions.add(session);
    if (old) {
      core.log.info({ user: id.userID }, 'login elsewhere: closing the older session');
      old.close('KICKED');
    }
    session.armExpiry(id.expiresAt);
    this.loggedIn(id, false);
    core.presence.refresh(id.userID);
    return [this.loginResult(session, id, false), () => core.calls.loggedIn(session, resume !== undefined)];
  }

  /** Cluster mode: the session lives in Redis, so any node can resume it (see cluster/sessions.ts). */
  private async loginShared(
    sessions: ClusterSessions,
    id: Identity,
    nickName: string,
    resume: Request<'login'>['resume'],
  ): Promise<[Results['login'], (() => void) | undefined]> {
    const { core } = this;
    const r = await sessions.login(core, id.userID, nickName, resume);
    const s = r.session;
    // The calls the older session carried end before this login answers, so that no later
    // request (this client's or anyone's) finds them open: on one node they end before the next
    // request is handled.
    if (r.endsCall) await core.calls.userGone(id.userID);
    if (this.ended) {
      // The socket went while Redis answered: the session waits for a resume as any other.
      if (!s.attached) s.detach();
      throw new CallroomError('CONNECTION_ERROR');
    }
    this.session = s;
    s.armExpiry(id.expiresAt);
    this.loggedIn(id, r.resumed !== null, resume?.lastSeq);
    if (r.resumed) {
      const { frames, seq, subscribed } = r.resumed;
      if (subscribed) core.presence.subscribe(s);
      return [this.loginResult(s, id, true), () => s.attachShared(this, frames, seq)];
    }
    // Attached once the result is out: the client numbers events anew from it. Whatever reached
    // the session before is read again from its log.
    return [
      this.loginResult(s, id, false),
      () => {
        s.attachShared(this, [], 0);
        // A call waiting for this user to connect rings on the new session (--offline-ring).
        core.calls.loggedIn(s, resume !== undefined);
      },
    ];
  }

  private loggedIn(id: Identity, resumed: boolean, lastSeq?: number): void {
    const { core } = this;
    core.metrics.logins.inc({ result: resumed ? 'RESUMED' : 'OK' });
    core.metrics.sessions.set(core.sessions.size);
    if (resumed) core.log.info({ user: id.userID, remote: this.remote, lastSeq }, 'session resumed');
    else core.log.info({ user: id.userID, remote: this.remote }, 'login');
  }

  private loginResult(session: LiveSession, id: Identity, resumed: boolean): Results['login'] {
    const { core } = this;
    return {
      userID: session.userID,
      nickName: session.nickName,
      sessionID: session.id,
      resumed,
      resumeGraceMs: core.limits.resumeGraceMs,
      protocol: PROTOCOL_VERSION,
      serverTime: core.clock.now(),
      ringTimeoutMs: core.ringTimeoutMs,
      heartbeatMs: core.limits.heartbeatMs,
      tokenExpiresAt: id.expiresAt,
      dnd: core.presence.hasDnd(session.userID),
    };
  }

  private async identify(req: Request<'login'>): Promise<Identity> {
    const { auth, clock } = this.core;
    if (req.token !== undefined) return auth.verify(req.token, clock.now());
    if (req.appID !== undefined && req.appSecret !== undefined && req.userID !== undefined) {
      auth.checkApp(req.appID, req.appSecret);
      return { userID: req.userID, nickName: req.nickName || req.userID, expiresAt: null, admin: false, contacts: [] };
    }
    throw new CallroomError('BAD_ARGUMENT', 'login needs a token, or appID + appSecret + userID');
  }

  private end(byClient = false): void {
    if (this.ended) return;
    this.ended = true;
    this.loginTimer?.cancel();
    const s = this.session;
    this.session = null;
    if (s && byClient) endSession(this.core, s, 'closed');
    else s?.detach();
    this.onEnd(this);
  }

  /** Pings the client; a client that sent nothing (no pong, no frame) since the previous ping is cut off. */
  heartbeat(): void {
    if (!this.alive) {
      this.core.log.info({ user: this.userID, remote: this.remote }, 'heartbeat unanswered: connection cut');
      this.ws.terminate();
      this.end(false);
      return;
    }
    this.alive = false;
    this.ws.ping();
  }
}
