/** Queue words: an estimated wait as people say it, seconds left to answer, and a queue request's error in words. */
import { CallroomError } from '../src/protocol/errors.js';
import { t } from './i18n.js';
import { msg, type Msg } from './outcome.js';

/** 45 000 → "under a minute", 100 000 → "about 2 minutes", 3 900 000 → "about 1 h 5 min" (in the page's language). */
export function formatEta(ms: number): string {
  if (ms < 60_000) return t('qEtaUnderMinute');
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return minutes === 1 ? t('qEtaMinute') : t('qEtaMinutes', { n: minutes });
  return t('qEtaHours', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

/** Whole seconds left until `deadline` (both on the server's clock), never below 0. */
export function secondsLeft(deadline: number, serverNow: number): number {
  return Math.max(0, Math.ceil((deadline - serverNow) / 1000));
}

/** The words for a failed queue request; `name`: the customer concerned, if any. */
export function queueFailure(err: unknown, name = ''): Msg {
  const e = err instanceof CallroomError ? err : null;
  switch (e?.errorName) {
    case 'QUE_NOUSER':
      return msg('qNoUser');
    case 'QUE_SERVICE_NOT_START':
      return msg('qNotServing');
    case 'QUE_USER_CANCELLED':
      return msg('qCustomerGone', { name });
    case 'ALREADY_OTHERQUE':
      return msg('qAlreadyOther');
    case 'QUE_ID_INVALID':
      return msg('qInvalid');
    default:
      return msg('qError', { message: err instanceof Error ? err.message : String(err) });
  }
}
