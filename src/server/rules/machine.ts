/**
 * The call state machine: one transition table and one function that applies it.
 *
 *   (none) ──invite──▶ ringing ──accept──▶ active ──hangup | lost──▶ ended(completed | lost)
 *                        ├─reject───────────────────────────────▶ ended(rejected)
 *                        ├─cancel (caller hangs up) ────────────▶ ended(cancelled)
 *                        ├─timeout ─────────────────────────────▶ ended(no_answer)
 *                        └─lost (a party gone) ─────────────────▶ ended(lost)
 *
 * An event the table does not list for the current state is an illegal transition and throws.
 */
import { DEFAULT_CALL_TYPE, type CallOutcome, type CallRecord, type CallState, type CallType } from '../../protocol/messages.js';

export type CallEvent = 'accept' | 'reject' | 'cancel' | 'timeout' | 'hangup' | 'lost';

interface Transition {
  to: CallState;
  outcome?: CallOutcome;
}

export const TRANSITIONS: Readonly<Record<CallState, Partial<Record<CallEvent, Transition>>>> = {
  ringing: {
    accept: { to: 'active' },
    reject: { to: 'ended', outcome: 'rejected' },
    cancel: { to: 'ended', outcome: 'cancelled' },
    timeout: { to: 'ended', outcome: 'no_answer' },
    lost: { to: 'ended', outcome: 'lost' },
  },
  active: {
    hangup: { to: 'ended', outcome: 'completed' },
    lost: { to: 'ended', outcome: 'lost' },
  },
  ended: {},
};

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: CallState,
    readonly event: CallEvent,
  ) {
    super(`illegal call transition: ${event} in state ${from}`);
    this.name = 'IllegalTransitionError';
  }
}

export function canApply(state: CallState, event: CallEvent): boolean {
  return TRANSITIONS[state][event] !== undefined;
}

/**
 * Applies `event` to `call` at time `at`; `by` is the user who caused it (null for the server:
 * a timeout). Returns the new record; the input is not changed.
 */
export function applyCallEvent(call: CallRecord, event: CallEvent, at: number, by: string | null): CallRecord {
  const t = TRANSITIONS[call.state][event];
  if (!t) throw new IllegalTransitionError(call.state, event);
  const next: CallRecord = { ...call, state: t.to };
  if (t.to === 'active') next.answeredAt = at;
  if (t.to === 'ended') {
    next.endedAt = at;
    next.outcome = t.outcome ?? null;
    next.endedBy = by;
  }
  return next;
}

export function newCall(
  callID: string,
  caller: string,
  callee: string,
  meetingID: number,
  at: number,
  callType: CallType = DEFAULT_CALL_TYPE,
): CallRecord {
  return {
    callID,
    caller,
    callee,
    meetingID,
    state: 'ringing',
    createdAt: at,
    answeredAt: null,
    endedAt: null,
    outcome: null,
    endedBy: null,
    callType,
  };
}
