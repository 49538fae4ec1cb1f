/**
 * Which webhook events a change makes: the one place that maps what the server learns (a call's
 * transition, a user coming or going, a queue decision's observations) to events for the backend.
 * The call rules themselves stay in rules/calls.ts and rules/machine.ts.
 */
import { randomUUID } from 'node:crypto';
import type { CallRecord } from '../../protocol/messages.js';
import type { QueueObservation } from '../rules/queues.js';
import type { KeyedEvent, MissedReason, WebhookData, WebhookEvent, WebhookEventType } from './types.js';

function make<T extends WebhookEventType>(type: T, key: string, createdAt: number, data: WebhookData[T]): KeyedEvent {
  return { key, event: { id: randomUUID(), type, createdAt, data } as WebhookEvent };
}

/**
 * The events of a call record going from `prev` (null: the call was just created) to `next`: a new
 * ringing call is `call.ringing`; a call that ends is `call.ended` with the record, after
 * `call.missed` when it was never answered.
 */
export function callEvents(prev: CallRecord | null, next: CallRecord): KeyedEvent[] {
  const key = `call:${next.callID}`;
  if (prev === null) {
    if (next.state !== 'ringing') return [];
    const { callID, caller, callee, meetingID, createdAt, callType } = next;
    return [make('call.ringing', key, createdAt, { callID, caller, callee, meetingID, createdAt, callType })];
  }
  if (prev.state === 'ended' || next.state !== 'ended') return [];
  const at = next.endedAt ?? next.createdAt;
  const out: KeyedEvent[] = [];
  if (next.answeredAt === null) {
    const reason: MissedReason = next.outcome === 'rejected' || next.outcome === 'cancelled' || next.outcome === 'lost' ? next.outcome : 'no_answer';
    out.push(make('call.missed', key, at, { callID: next.callID, caller: next.caller, callee: next.callee, reason, at }));
  }
  out.push(make('call.ended', key, at, { call: next }));
  return out;
}

/** An invite refused because the callee is not connected: the backend may wake the callee's app. */
export function calleeOfflineEvents(callID: string, caller: string, callee: string, at: number): KeyedEvent[] {
  return [make('call.missed', `call:${callID}`, at, { callID, caller, callee, reason: 'callee_offline', at })];
}

export function presenceEvents(userID: string, online: boolean, at: number): KeyedEvent[] {
  return [make(online ? 'user.online' : 'user.offline', `user:${userID}`, at, { userID })];
}

/** A queue decision's observations: customers served and customers who left unserved. */
export function queueEvents(observations: readonly QueueObservation[], at: number): KeyedEvent[] {
  const out: KeyedEvent[] = [];
  for (const o of observations) {
    if (o.kind === 'served') out.push(make('queue.served', `queue:${o.queID}`, at, { queID: o.queID, user: o.user, agent: o.agent, waitedMs: o.ms }));
    else if (o.kind === 'abandoned') out.push(make('queue.abandoned', `queue:${o.queID}`, at, { queID: o.queID, user: o.user, reason: o.reason }));
  }
  return out;
}
