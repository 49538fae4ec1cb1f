/**
 * The client's requests: those in flight (sent, waiting for their response) and those held while
 * the client reconnects (sent once the session is resumed, as LiveKit's signal client does).
 * Each request is bounded by one deadline from the moment it was made, held or not: a request
 * held past it fails with TIMEOUT and is never sent.
 */
import { CallroomError } from '../protocol/errors.js';
import type { Op } from '../protocol/messages.js';

/** The timer functions the queue uses (injected so tests control time). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A request's deadline does not by itself keep a Node process alive.
    (t as { unref?: () => void }).unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** One request, until its response, its deadline or its failure. */
export interface TrackedRequest {
  readonly id: number;
  readonly op: Op;
  readonly frame: string;
  /** For `meeting.enter`: the meeting being entered (see EnterGate). */
  readonly meetingID?: number | undefined;
  resolve(result: unknown): void;
  reject(err: unknown): void;
}

interface Entry extends TrackedRequest {
  timer: unknown;
}

export class RequestQueue {
  private nextID = 1;
  private readonly inFlight = new Map<number, Entry>();
  /** Held while reconnecting, in the order they were made. */
  private readonly held = new Map<number, Entry>();

  constructor(
    private readonly timeoutMs: number,
    private readonly timers: Timers = systemTimers,
    /** A request that ends without a response (its deadline, a lost connection, a failed send). */
    private readonly onDropped: (r: TrackedRequest) => void = () => {},
  ) {}

  /** Requests held, waiting for the session to resume. */
  get heldCount(): number {
    return this.held.size;
  }

  /**
   * Makes a request: `send` it now (given a frame), or hold it until `release`. The promise
   * settles with the response, or rejects with TIMEOUT after the request timeout.
   */
  make<R>(op: Op, params: object, dispatch: { send: (frame: string) => void } | 'hold', meetingID?: number): Promise<R> {
    const id = this.nextID++;
    const frame = JSON.stringify({ id, op, ...params });
    return new Promise<R>((resolve, reject) => {
      const entry: Entry = { id, op, frame, meetingID, resolve: resolve as (v: unknown) => void, reject, timer: null };
      entry.timer = this.timers.setTimeout(() => {
        const wasHeld = this.held.delete(id);
        this.inFlight.delete(id);
        const where = wasHeld ? 'held while reconnecting, not sent' : 'no response';
        this.onDropped(entry);
        reject(new CallroomError('TIMEOUT', `${op}: ${where} in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      if (dispatch === 'hold') {
        this.held.set(id, entry);
        return;
      }
      this.inFlight.set(id, entry);
      try {
        dispatch.send(frame);
      } catch (err) {
        this.settle(id);
        this.onDropped(entry);
        reject(new CallroomError('CONNECTION_ERROR', `${op}: cannot send: ${(err as Error).message}`));
      }
    });
  }

  /** The in-flight request a response answers, taken out of the queue (its deadline cleared). */
  settle(id: number): TrackedRequest | undefined {
    const e = this.inFlight.get(id);
    if (!e) return undefined;
    this.inFlight.delete(id);
    this.timers.clearTimeout(e.timer);
    return e;
  }

  /** Sends every held request, in order; they are in flight from now on, with their deadline. */
  release(send: (frame: string) => void): void {
    const entries = [...this.held.values()];
    this.held.clear();
    for (const e of entries) {
      this.inFlight.set(e.id, e);
      try {
        send(e.frame);
      } catch (err) {
        this.settle(e.id);
        this.onDropped(e);
        e.reject(new CallroomError('CONNECTION_ERROR', `${e.op}: cannot send: ${(err as Error).message}`));
      }
    }
  }

  /** Fails the requests in flight (their socket closed: whether the server acted is unknown). */
  failInFlight(err: CallroomError): void {
    this.failAll(this.inFlight, err);
  }

  /** Fails the held requests (the session could not be resumed, or the client closed). */
  failHeld(err: CallroomError): void {
    this.failAll(this.held, err);
  }

  private failAll(m: Map<number, Entry>, err: CallroomError): void {
    const entries = [...m.values()];
    m.clear();
    for (const e of entries) {
      this.timers.clearTimeout(e.timer);
      this.onDropped(e);
      e.reject(err);
    }
  }
}
