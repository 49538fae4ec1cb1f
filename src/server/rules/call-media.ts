/**
 * The call record's `media`: whether the media of an answered call connected, as its parties'
 * clients report it (`call.media`). One rule for both modes (calls/calls.ts, cluster/calls.ts):
 *
 * - only a party of the call, and only while the call is active (answered, not ended);
 * - 'connected' is kept: media that flowed once connected, whatever a party says later (a party
 *   whose retry failed after the other side connected does not rewrite what happened);
 * - 'failed' is recorded only when no party reported 'connected'.
 */
import type { CallMedia, CallRecord } from '../../protocol/messages.js';

/** The record with `report` applied; the same object when nothing changes; null when the report is not allowed. */
export function applyMediaReport(rec: CallRecord, userID: string, report: CallMedia): CallRecord | null {
  if (rec.state !== 'active' || (userID !== rec.caller && userID !== rec.callee)) return null;
  if (rec.media === report || rec.media === 'connected') return rec;
  return { ...rec, media: report };
}
