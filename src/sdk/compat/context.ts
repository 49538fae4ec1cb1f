/**
 * What the facade's areas (session, meetings, calls, devices, …) share: the logged-in client,
 * the callback runner, the room and the media. Each area is a function of this core that returns
 * its functions and callback slots; RTCSDK is their union.
 */
import { CallroomError, ErrorCodes } from '../../protocol/errors.js';
import type { CallClient, CallClientOptions } from '../client.js';
import { FacadeMedia } from './media.js';
import { RoomState } from './room.js';
import { SessionTracker } from './session-info.js';
import { makeFire, type Fire } from './slots.js';

export interface RTCSDKOptions {
  webSocket?: CallClientOptions['webSocket'];
  requestTimeoutMs?: number;
  /** Where a throwing callback is reported (default console.error). */
  onCallbackError?: (name: string, err: unknown) => void;
}

export function codeOf(err: unknown): number {
  return err instanceof CallroomError ? err.code : ErrorCodes.SERVER_ERROR;
}

/** A first login, a reconnection as a new session (the server may have let the old one go), or a resumed one. */
export type LoginKind = 'login' | 'fresh' | 'resumed';
export type LoginHook = (c: CallClient, how: LoginKind) => Promise<void>;

export class FacadeCore {
  /** The client behind the facade (set by the session area), logged in or logging in. */
  client: CallClient | null = null;
  readonly fire: Fire;
  readonly room = new RoomState();
  readonly av = new FacadeMedia();
  /** This user's open call, for GetSessionInfo (kept by the calls area and the call events). */
  readonly openCall = new SessionTracker();
  private readonly clientHooks: ((c: CallClient) => void)[] = [];
  private readonly loginHooks: LoginHook[] = [];
  private readonly leaveHooks: ((why: 'left' | 'stopped' | 'dropped') => void)[] = [];
  private readonly enterHooks: (() => void)[] = [];

  constructor(readonly opts: RTCSDKOptions) {
    this.fire = makeFire(opts.onCallbackError);
    this.onLogin((c) => this.openCall.refresh(c));
  }

  /** The client once logged in, else null. */
  loggedIn(): CallClient | null {
    const c = this.client;
    return c && c.user ? c : null;
  }

  /** This user's ID, once logged in. */
  get selfID(): string | undefined {
    return this.client?.user?.userID;
  }

  /** Registers what an area listens to on each new client. */
  onClient(fn: (c: CallClient) => void): void {
    this.clientHooks.push(fn);
  }

  attach(c: CallClient): void {
    this.openCall.reset();
    this.openCall.watch(c);
    for (const fn of this.clientHooks) fn(c);
  }

  /**
   * Registers what an area asks the server once logged in, before LoginSuccess fires (so that
   * the getters are current in it), and again after each reconnection (`how` says which).
   */
  onLogin(fn: LoginHook): void {
    this.loginHooks.push(fn);
  }

  /** Runs the login hooks; one that fails leaves its state as it was and does not stop the others. */
  async afterLogin(c: CallClient, how: LoginKind): Promise<void> {
    await Promise.all(this.loginHooks.map((fn) => fn(c, how).catch(() => undefined)));
  }

  /** Registers what an area does when the facade leaves its meeting (for any reason). */
  onLeave(fn: (why: 'left' | 'stopped' | 'dropped') => void): void {
    this.leaveHooks.push(fn);
  }

  /** Registers what an area does once the facade has entered a meeting (before EnterMeetingRslt). */
  onEnter(fn: () => void): void {
    this.enterHooks.push(fn);
  }

  entered(): void {
    for (const fn of this.enterHooks) fn();
  }

  /** Forgets the meeting and closes its media. */
  leaveRoom(why: 'left' | 'stopped' | 'dropped'): void {
    if (this.room.meetingID === null) {
      this.av.leave();
      return;
    }
    this.room.forget();
    this.av.leave();
    for (const fn of this.leaveHooks) fn(why);
  }

  /**
   * Runs `op` if logged in, else reports NOT_LOGGED_IN (12) to `fail`. Like every result, the
   * failure comes after the function has returned (so `const callID = Call(...)` is set when
   * CallFail runs).
   */
  withClient(fail: (code: number) => void, op: (c: CallClient) => Promise<void>): void {
    const c = this.loggedIn();
    if (!c) {
      queueMicrotask(() => fail(ErrorCodes.NOT_LOGGED_IN));
      return;
    }
    op(c).catch((err: unknown) => fail(codeOf(err)));
  }
}
