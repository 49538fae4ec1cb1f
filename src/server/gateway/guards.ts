/**
 * The limits the gateway applies over time and across sockets, on top of the services:
 * failed logins per address, logins per user, a request bucket per user, wrong meeting
 * passwords per user and per meeting, meetings per user and members per meeting. The services
 * (calls/, meetings/) know nothing of them; handlers.ts wraps their calls.
 */
import { CallroomError } from '../../protocol/errors.js';
import type { MeetInfo } from '../../protocol/messages.js';
import type { Limits } from '../core.js';
import type { AttemptRule, LimitStore } from './attempts.js';

const MINUTE = 60_000;
/** The first lockout; each further one doubles, up to an hour. */
const LOCK_MS = MINUTE;
const MAX_LOCK_MS = 60 * MINUTE;

const perMinute = (max: number): AttemptRule => ({ max, windowMs: MINUTE, lockMs: LOCK_MS, maxLockMs: MAX_LOCK_MS });

function retryText(ms: number): string {
  return `try again in ${Math.max(1, Math.ceil(ms / 1000))} s`;
}

export class Guards {
  private readonly loginFailures: AttemptRule;
  private readonly loginsPerUser: AttemptRule;
  private readonly passwordsPerUser: AttemptRule;
  private readonly passwordsPerMeeting: AttemptRule;

  constructor(
    readonly store: LimitStore,
    private readonly limits: Limits,
  ) {
    this.loginFailures = perMinute(limits.loginFailuresPerMinute);
    // Logins are not guesses: a user over the rate waits out the minute, with no growing lockout.
    this.loginsPerUser = { max: limits.loginsPerUserPerMinute, windowMs: MINUTE, lockMs: MINUTE, maxLockMs: MINUTE };
    this.passwordsPerUser = perMinute(limits.passwordFailuresPerMinute);
    this.passwordsPerMeeting = perMinute(limits.passwordFailuresPerMeetingPerMinute);
  }

  /** Throws RATE_LIMITED while `remote` is locked out for failed logins. */
  async checkLogin(remote: string): Promise<void> {
    const ms = await this.store.blockedFor(`login-fail:${remote}`, this.loginFailures);
    if (ms > 0) throw new CallroomError('RATE_LIMITED', `too many failed logins from this address: ${retryText(ms)}`);
  }

  async loginFailed(remote: string): Promise<void> {
    await this.store.fail(`login-fail:${remote}`, this.loginFailures);
  }

  /** Counts a login of `userID` (any socket); throws RATE_LIMITED over the per-user rate. */
  async countLogin(userID: string): Promise<void> {
    const key = `login:${userID}`;
    const blocked = await this.store.blockedFor(key, this.loginsPerUser);
    if (blocked > 0) throw new CallroomError('RATE_LIMITED', `too many logins for this user: ${retryText(blocked)}`);
    await this.store.fail(key, this.loginsPerUser);
  }

  /** One request of `userID`, from the bucket all of the user's sockets share. */
  takeRequest(userID: string): boolean {
    return this.store.take(`req:${userID}`, this.limits.ratePerSecond, this.limits.rateBurst);
  }

  /**
   * Runs `attempt(pswd)`, an op that uses meeting `meetingID` with a password. A refusal (the
   * rulebook's 800 or 801) counts against the user and the meeting; while either is locked out,
   * the password is not even tried: the creator and invitees still get in (they need no
   * password), anyone else gets RATE_LIMITED.
   */
  withPassword<T>(
    userID: string,
    meetingID: number,
    pswd: string | undefined,
    attempt: (pswd: string | undefined) => T | Promise<T>,
  ): Promise<T> {
    if (pswd === undefined || pswd === '') return this.run(attempt, pswd);
    const keys = { user: `pswd-user:${userID}`, meeting: `pswd-meeting:${meetingID}` };
    const u = this.store.blockedFor(keys.user, this.passwordsPerUser);
    const m = this.store.blockedFor(keys.meeting, this.passwordsPerMeeting);
    // With an in-memory store the attempt starts at once, so requests keep the order they came in.
    if (typeof u === 'number' && typeof m === 'number') return this.passwordAttempt(Math.max(u, m), keys, pswd, attempt);
    return Promise.all([u, m]).then(([a, b]) => this.passwordAttempt(Math.max(a, b), keys, pswd, attempt));
  }

  /** `attempt` as a promise, started at once (an async function runs up to its first await). */
  private async run<T>(attempt: (pswd: string | undefined) => T | Promise<T>, pswd: string | undefined): Promise<T> {
    return attempt(pswd);
  }

  private async passwordAttempt<T>(
    blocked: number,
    keys: { user: string; meeting: string },
    pswd: string,
    attempt: (pswd: string | undefined) => T | Promise<T>,
  ): Promise<T> {
    if (blocked > 0) {
      try {
        return await attempt(undefined);
      } catch (err) {
        if (isRefusal(err)) throw new CallroomError('RATE_LIMITED', `too many wrong meeting passwords: ${retryText(blocked)}`);
        throw err;
      }
    }
    try {
      return await attempt(pswd);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      await Promise.all([this.store.fail(keys.user, this.passwordsPerUser), this.store.fail(keys.meeting, this.passwordsPerMeeting)]);
      // The refusal as the rulebook gave it (rules/meetings.ts).
      throw err;
    }
  }

  /**
   * Throws LIMIT_REACHED when `userID` already has the most meetings allowed. The count is the
   * meeting service's (all nodes, and meetings from before a restart, count).
   */
  async checkMeetingQuota(userID: string, count: (userID: string) => number | Promise<number>): Promise<void> {
    const max = this.limits.maxMeetingsPerUser;
    if (max <= 0) return;
    const n = await count(userID);
    if (n >= max) throw new CallroomError('LIMIT_REACHED', `you have ${n} meetings, the most allowed: destroy one first`);
  }

  /** Throws LIMIT_REACHED when `meeting` is full (and `userID` is not in it already). */
  checkRoom(meeting: MeetInfo | undefined, alreadyIn: boolean): void {
    const max = this.limits.maxMembersPerMeeting;
    if (max > 0 && meeting && !alreadyIn && meeting.memberCount >= max) {
      throw new CallroomError('LIMIT_REACHED', `meeting ${meeting.ID} is full (${max} members)`);
    }
  }
}

function isRefusal(err: unknown): boolean {
  return err instanceof CallroomError && (err.errorName === 'WRONG_PASSWORD' || err.errorName === 'MEETING_NOT_FOUND');
}

/** `f(v)`, at once when `v` is a plain value, after it resolves when it is a promise. */
export function after<V, T>(v: V | Promise<V>, f: (v: V) => T | Promise<T>): T | Promise<T> {
  return v instanceof Promise ? v.then(f) : f(v);
}
