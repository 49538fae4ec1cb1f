import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResumeState, type ResumeState } from '../../web/resume-state.js';

const NOW = 1_800_000_000_000;
const meeting = { ID: 7, pswd: 'pw', subject: 'a → b', pubMeetUrl: 'http://x/?meeting=7', creator: 'alice', memberCount: 2, startTime: NOW - 60_000 };
const good: ResumeState = {
  userID: 'alice',
  sessionID: 's-1',
  lastSeq: 12,
  savedAt: NOW - 1_000,
  resumeGraceMs: 20_000,
  call: { callID: 'c-1', peer: { userID: 'bob', nickName: 'Bob' }, meeting, answeredAt: NOW - 30_000, creator: true },
  room: null,
};

test('a page reload reads back the session and call it saved', () => {
  assert.deepEqual(parseResumeState(JSON.stringify(good), NOW), good);
  assert.deepEqual(parseResumeState(JSON.stringify({ ...good, call: null, room: meeting }), NOW)?.room, meeting);
});

test('nothing is resumed from a state older than the resume grace (the server has let that session go)', () => {
  assert.equal(parseResumeState(JSON.stringify({ ...good, savedAt: NOW - 20_001 }), NOW), null);
});

test('a malformed saved state is ignored, not trusted', () => {
  assert.equal(parseResumeState(null, NOW), null);
  assert.equal(parseResumeState('{not json', NOW), null);
  assert.equal(parseResumeState(JSON.stringify({ ...good, lastSeq: -1 }), NOW), null);
  assert.equal(parseResumeState(JSON.stringify({ ...good, sessionID: 5 }), NOW), null);
  assert.equal(parseResumeState(JSON.stringify({ ...good, call: { ...good.call, answeredAt: 'soon' } }), NOW), null);
  assert.equal(parseResumeState(JSON.stringify({ ...good, call: { ...good.call, meeting: { ...meeting, ID: 0 } } }), NOW), null);
  assert.equal(parseResumeState(JSON.stringify({ ...good, room: 'x' }), NOW), null);
});

test('the devices saved with a call (mic and camera on or off) are read back, and checked', () => {
  const call = { ...good.call!, callType: 'audio' as const, devices: { mic: false, camera: true } };
  assert.deepEqual(parseResumeState(JSON.stringify({ ...good, call }), NOW)?.call?.devices, { mic: false, camera: true });
  // Saved by an older page: none, and the call type decides.
  assert.equal(parseResumeState(JSON.stringify(good), NOW)?.call?.devices, undefined);
  assert.equal(parseResumeState(JSON.stringify({ ...good, call: { ...call, devices: { mic: 'off', camera: true } } }), NOW), null);
  assert.equal(parseResumeState(JSON.stringify({ ...good, call: { ...call, devices: { mic: true } } }), NOW), null);
  assert.equal(parseResumeState(JSON.stringify({ ...good, call: { ...call, devices: null } }), NOW), null);
});
