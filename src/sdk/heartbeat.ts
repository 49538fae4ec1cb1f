/**
 * The client's heartbeat: a `ping` every `intervalMs` (which also acknowledges the events the
 * client has), each with a reply deadline. A ping unanswered past `timeoutMs` means the
 * connection is dead even if no socket error says so (a silent outage: packets held, no reset),
 * and `onDead` is called once. A dead connection is noticed within intervalMs + timeoutMs.
 */
import { systemTimers, type Timers } from './request-queue.js';

/** How often a logged-in client pings (and acknowledges the events it has). */
export const HEARTBEAT_INTERVAL_MS = 5_000;
/** How long a ping may go unanswered before the connection is taken for dead. */
export const HEARTBEAT_TIMEOUT_MS = 4_000;

export interface HeartbeatOptions {
  /** Milliseconds between pings (default HEARTBEAT_INTERVAL_MS). */
  intervalMs?: number;
  /** Milliseconds a ping may go unanswered (default HEARTBEAT_TIMEOUT_MS). */
  timeoutMs?: number;
}

export class Heartbeat {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  private tick: unknown = null;
  private deadline: unknown = null;
  /** Bumped at each start/stop, so that a reply to a ping of an earlier run changes nothing. */
  private run = 0;

  constructor(
    opts: HeartbeatOptions,
    private readonly ping: () => Promise<unknown>,
    private readonly onDead: (silentMs: number) => void,
    private readonly timers: Timers = systemTimers,
  ) {
    this.intervalMs = opts.intervalMs ?? HEARTBEAT_INTERVAL_MS;
    this.timeoutMs = opts.timeoutMs ?? HEARTBEAT_TIMEOUT_MS;
  }

  get running(): boolean {
    return this.tick !== null;
  }

  start(): void {
    this.stop();
    const run = this.run;
    this.schedule(run);
  }

  stop(): void {
    this.run++;
    if (this.tick !== null) this.timers.clearTimeout(this.tick);
    if (this.deadline !== null) this.timers.clearTimeout(this.deadline);
    this.tick = null;
    this.deadline = null;
  }

  /**
   * A frame came in: the connection carries frames, as an answer to the ping would show (a reply
   * queued behind a burst of events is not taken for a dead line).
   */
  noteTraffic(): void {
    this.alive(this.run);
  }

  /** The pending ping counts as answered: its deadline is cleared and the next ping scheduled. */
  private alive(run: number): void {
    if (run !== this.run || this.deadline === null) return;
    this.timers.clearTimeout(this.deadline);
    this.deadline = null;
    this.schedule(run);
  }

  private schedule(run: number): void {
    this.tick = this.timers.setTimeout(() => this.beat(run), this.intervalMs);
  }

  private beat(run: number): void {
    if (run !== this.run) return;
    this.deadline = this.timers.setTimeout(() => {
      if (run !== this.run) return;
      this.stop();
      this.onDead(this.timeoutMs);
    }, this.timeoutMs);
    const answered = () => this.alive(run);
    // Any answer, even an error response, shows the connection carries frames both ways; a
    // request that fails without an answer (its socket closed) is left to the close handling.
    this.ping().then(answered, (err: unknown) => {
      if ((err as { errorName?: string } | null)?.errorName === undefined) return;
      const name = (err as { errorName: string }).errorName;
      if (name !== 'CONNECTION_ERROR' && name !== 'TIMEOUT') answered();
    });
  }
}
