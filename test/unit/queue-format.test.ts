import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setLanguage } from '../../web/i18n.js';
import { formatEta, queueFailure, secondsLeft } from '../../web/queue-format.js';
import { CallroomError } from '../../src/protocol/errors.js';

// setLanguage fills the page's static words: a bare stand-in for the document is enough here.
(globalThis as Record<string, unknown>).document ??= { documentElement: {}, querySelectorAll: () => [] };

test('an estimated wait in words, in English and Chinese', () => {
  setLanguage('en', false);
  assert.equal(formatEta(0), 'under a minute');
  assert.equal(formatEta(59_999), 'under a minute');
  assert.equal(formatEta(60_000), 'about a minute');
  assert.equal(formatEta(100_000), 'about 2 minutes');
  assert.equal(formatEta(59 * 60_000), 'about 59 minutes');
  assert.equal(formatEta(65 * 60_000), 'about 1 h 5 min');
  setLanguage('zh', false);
  assert.equal(formatEta(30_000), '不到 1 分钟');
  assert.equal(formatEta(120_000), '大约还要 2 分钟');
  assert.equal(formatEta(125 * 60_000), '大约还要 2 小时 5 分钟');
  setLanguage('en', false);
});

test('the seconds left to answer an offer round up and stop at zero', () => {
  assert.equal(secondsLeft(10_000, 0), 10);
  assert.equal(secondsLeft(10_000, 9_001), 1);
  assert.equal(secondsLeft(10_000, 10_000), 0);
  assert.equal(secondsLeft(10_000, 12_000), 0);
});

test('queue errors in words: nobody waiting (401), not serving (403), customer gone (402), another queue (404)', () => {
  assert.equal(queueFailure(new CallroomError('QUE_NOUSER')).key, 'qNoUser');
  assert.equal(queueFailure(new CallroomError('QUE_SERVICE_NOT_START')).key, 'qNotServing');
  assert.deepEqual(queueFailure(new CallroomError('QUE_USER_CANCELLED'), 'carol'), { key: 'qCustomerGone', params: { name: 'carol' } });
  assert.equal(queueFailure(new CallroomError('ALREADY_OTHERQUE')).key, 'qAlreadyOther');
  assert.equal(queueFailure(new CallroomError('QUE_ID_INVALID')).key, 'qInvalid');
  assert.equal(queueFailure(new Error('boom')).key, 'qError');
});
