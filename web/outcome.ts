/**
 * What to tell the user when a call does not happen or ends: one sentence for every code of the
 * call contract (docs/protocol.md) and every way a call ends, and the words for a call record.
 */
import type { CallRecord } from '../src/protocol/messages.js';
import type { DeviceState, LocalMediaState } from '../src/sdk/media/local-media.js';
import type { StringKey } from './strings.js';
import { t } from './i18n.js';

/** A sentence not yet in words: rendered with t() so that it follows the language switch. */
export interface Msg {
  key: StringKey;
  params?: Record<string, string | number>;
}

export function msg(key: StringKey, params?: Record<string, string | number>): Msg {
  return params ? { key, params } : { key };
}

export function render(m: Msg | null): string {
  return m ? t(m.key, m.params) : '';
}

/** The notice for a failed call.invite, by its code. `dnd`: whether the callee has DND on (602 is both). */
export function inviteFailure(code: number, name: string, message: string, dnd: boolean): Msg {
  switch (code) {
    case 602:
      return msg(dnd ? 'outDnd' : 'outBusy', { name });
    case 603:
      return msg('outOffline', { name });
    case 601:
      return msg('outSelfBusy');
    case 5:
      return message.includes('yourself') ? msg('outYourself') : msg('outError', { message });
    case 800:
      return msg('outRoomGone');
    case 907:
      return msg('addFull');
    default:
      return msg('outError', { message });
  }
}

/** The caller's notice for call.rejected, by its code (606 rejected, 604 no answer, 603 callee gone). */
export function rejectedNotice(code: number, name: string): Msg {
  if (code === 606) return msg('outRejected', { name });
  if (code === 604) return msg('outNoAnswer', { name });
  if (code === 603) return msg('outWentOffline', { name });
  return msg('outError', { message: String(code) });
}

/** The callee's notice when a ringing call goes away (call.hungup while ringing). */
export function ringingEndedNotice(reason: 'hangup' | 'cancelled' | 'no_answer' | 'lost', name: string): Msg {
  if (reason === 'no_answer' || reason === 'lost') return msg('outMissed', { name });
  return msg('outCancelledByCaller', { name });
}

/** The outcome of a call record in words, as the given user sees it. */
export function recordOutcome(r: CallRecord, me: string): { key: StringKey; word: string } {
  const incoming = r.callee === me;
  let key: StringKey;
  switch (r.outcome) {
    case 'completed':
      key = 'hCompleted';
      break;
    case 'rejected':
      key = 'hRejected';
      break;
    case 'cancelled':
      key = incoming ? 'hMissed' : 'hCancelled';
      break;
    case 'no_answer':
      key = incoming ? 'hMissed' : 'hNoAnswer';
      break;
    case 'lost':
      key = r.answeredAt !== null ? 'hLost' : incoming ? 'hMissed' : 'hLost';
      break;
    default:
      key = 'hOngoing';
  }
  return { key, word: t(key) };
}

/** Sentences about devices that are not working, or '' when both are fine. */
export function deviceNotice(st: LocalMediaState): string {
  const parts: string[] = [];
  if (st.audio === 'insecure' || st.video === 'insecure') return t('devInsecure');
  const cam: Partial<Record<DeviceState, StringKey>> = { denied: 'devCamDenied', missing: 'devCamMissing', unavailable: 'devCamUnavailable' };
  const mic: Partial<Record<DeviceState, StringKey>> = { denied: 'devMicDenied', missing: 'devMicMissing', unavailable: 'devMicUnavailable' };
  const m = mic[st.audio];
  const c = cam[st.video];
  if (m) parts.push(t(m));
  if (c) parts.push(t(c));
  if (parts.length > 0) parts.push(t('devStillWorks'));
  return parts.join(' ');
}
