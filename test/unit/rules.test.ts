/**
 * The rulebook (src/server/rules/) on its own: the invite checks and their order, the table of
 * what each transition tells whom, meeting access and user status. Both modes run these
 * functions; the contract suites check them again through a real server on one node and on three.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallRecord, MeetInfo } from '../../src/protocol/messages.js';
import { checkInvite, eventForRequest, keepsInvitation, noticesFor, type InviteFacts } from '../../src/server/rules/calls.js';
import { applyCallEvent, newCall, type CallEvent } from '../../src/server/rules/machine.js';
import { mayDestroy, meetingAccess, meetInfo, type MeetingFacts } from '../../src/server/rules/meetings.js';
import { userStatus } from '../../src/server/rules/status.js';

const OK: InviteFacts = {
  callerID: 'alice',
  calleeID: 'bob',
  callIDTaken: false,
  meetingAccess: null,
  meetingID: 7,
  callerCalls: [],
  meetingParties: [],
  calleeOnline: true,
  calleeDnd: false,
  calleeInCall: false,
};

test('rules: an invite with every check passing may ring', () => {
  assert.equal(checkInvite(OK), null);
});

test('rules: the invite checks fail in the contract order, the first failing one answering', () => {
  // Every check failing at once: each row removes the failure above it and expects the next.
  const all: InviteFacts = { ...OK, calleeID: 'alice', callIDTaken: true, meetingAccess: 'WRONG_PASSWORD', callerCalls: [{ state: 'ringing', meetingID: 7 }], meetingParties: ['a', 'b', 'c', 'd'], calleeOnline: false, calleeDnd: true, calleeInCall: true };
  const steps: [Partial<InviteFacts>, string][] = [
    [{}, 'BAD_ARGUMENT'],
    [{ calleeID: 'bob' }, 'BAD_ARGUMENT'],
    [{ calleeID: 'bob', callIDTaken: false }, 'MEETING_NOT_FOUND'],
    [{ calleeID: 'bob', callIDTaken: false, meetingAccess: null }, 'ALREADY_IN_CALL'],
    [{ calleeID: 'bob', callIDTaken: false, meetingAccess: null, callerCalls: [] }, 'LIMIT_REACHED'],
    [{ calleeID: 'bob', callIDTaken: false, meetingAccess: null, callerCalls: [], meetingParties: [] }, 'PEER_OFFLINE'],
    [{ calleeID: 'bob', callIDTaken: false, meetingAccess: null, callerCalls: [], meetingParties: [], calleeOnline: true }, 'PEER_BUSY'],
    [{ calleeID: 'bob', callIDTaken: false, meetingAccess: null, callerCalls: [], meetingParties: [], calleeOnline: true, calleeDnd: false }, 'PEER_BUSY'],
  ];
  for (const [fix, want] of steps) assert.equal(checkInvite({ ...all, ...fix })?.name, want, JSON.stringify(fix));
});

test('rules: a caller who may not use the meeting gets 800 whatever the reason, a wrong password included', () => {
  for (const denied of ['MEETING_NOT_FOUND', 'WRONG_PASSWORD'] as const) {
    assert.equal(checkInvite({ ...OK, meetingAccess: denied })?.name, 'MEETING_NOT_FOUND');
  }
});

test('rules: a caller whose calls are all active in the meeting may add a person to it; ringing or elsewhere is 601', () => {
  const active = { state: 'active', meetingID: 7 } as const;
  assert.equal(checkInvite({ ...OK, callerCalls: [active], meetingParties: ['alice', 'carol'] }), null);
  assert.equal(checkInvite({ ...OK, callerCalls: [active, active], meetingParties: ['alice', 'carol', 'alice', 'dave'] }), null);
  assert.equal(checkInvite({ ...OK, callerCalls: [active, active], meetingParties: ['alice', 'carol', 'alice', 'dave', 'carol', 'erin'] })?.name, 'LIMIT_REACHED');
  assert.equal(checkInvite({ ...OK, callerCalls: [active, { state: 'ringing', meetingID: 7 }] })?.name, 'ALREADY_IN_CALL');
  assert.equal(checkInvite({ ...OK, callerCalls: [{ state: 'active', meetingID: 8 }] })?.name, 'ALREADY_IN_CALL');
});

test('rules: a call has at most four people, counting the parties of every open call in the meeting', () => {
  // carol and dave talk in meeting 7 without alice: alice calling bob into it makes four.
  assert.equal(checkInvite({ ...OK, meetingParties: ['carol', 'dave'] }), null);
  assert.equal(checkInvite({ ...OK, meetingParties: ['carol', 'dave', 'carol', 'erin'] })?.name, 'LIMIT_REACHED');
  // A party of several calls counts once.
  assert.equal(checkInvite({ ...OK, meetingParties: ['alice', 'carol', 'alice', 'dave', 'carol', 'dave'] }), null);
});

const meeting: MeetInfo = { ID: 7, pswd: 'p', subject: '', pubMeetUrl: 'http://x/?meeting=7', creator: 'alice', memberCount: 0, startTime: 1 };

function ringing(): CallRecord {
  return newCall('c1', 'alice', 'bob', 7, 1_000);
}

function told(prev: CallRecord, event: CallEvent, by: string | null, usrExtDat = 'x') {
  const next = applyCallEvent(prev, event, 2_000, by);
  return noticesFor(prev, event, next, { usrExtDat, meeting }).map((n) => [n.userID, n.ev, n.payload]);
}

test('rules: the table of endings tells each party what the contract says', () => {
  const r = ringing();
  const active = applyCallEvent(r, 'accept', 1_500, 'bob');
  assert.deepEqual(told(r, 'accept', 'bob'), [['alice', 'call.accepted', { callID: 'c1', meeting, usrExtDat: 'x' }]]);
  assert.deepEqual(told(r, 'reject', 'bob'), [['alice', 'call.rejected', { callID: 'c1', code: 606, usrExtDat: 'x' }]]);
  assert.deepEqual(told(r, 'cancel', 'alice'), [['bob', 'call.hungup', { callID: 'c1', usrExtDat: 'x', reason: 'cancelled' }]]);
  assert.deepEqual(told(r, 'timeout', null), [
    ['alice', 'call.rejected', { callID: 'c1', code: 604, usrExtDat: '' }],
    ['bob', 'call.hungup', { callID: 'c1', usrExtDat: '', reason: 'no_answer' }],
  ]);
  // A callee lost while it rang is offline to the caller (603); a caller lost hangs up on the callee.
  assert.deepEqual(told(r, 'lost', 'bob'), [['alice', 'call.rejected', { callID: 'c1', code: 603, usrExtDat: '' }]]);
  assert.deepEqual(told(r, 'lost', 'alice'), [['bob', 'call.hungup', { callID: 'c1', usrExtDat: '', reason: 'lost' }]]);
  // Either party of an active call: the other is told.
  assert.deepEqual(told(active, 'hangup', 'alice'), [['bob', 'call.hungup', { callID: 'c1', usrExtDat: 'x', reason: 'hangup' }]]);
  assert.deepEqual(told(active, 'hangup', 'bob'), [['alice', 'call.hungup', { callID: 'c1', usrExtDat: 'x', reason: 'hangup' }]]);
  assert.deepEqual(told(active, 'lost', 'bob'), [['alice', 'call.hungup', { callID: 'c1', usrExtDat: '', reason: 'lost' }]]);
});

test('rules: a request is the transition of its party, or nothing for anyone else', () => {
  const r = ringing();
  const active = applyCallEvent(r, 'accept', 1_500, 'bob');
  assert.equal(eventForRequest(r, 'bob', 'accept'), 'accept');
  assert.equal(eventForRequest(r, 'alice', 'accept'), null, 'only the callee accepts');
  assert.equal(eventForRequest(r, 'bob', 'hangup'), 'reject', 'the callee hanging up while ringing rejects');
  assert.equal(eventForRequest(r, 'alice', 'hangup'), 'cancel');
  assert.equal(eventForRequest(active, 'bob', 'hangup'), 'hangup');
  assert.equal(eventForRequest(r, 'carol', 'hangup'), null);
  assert.equal(eventForRequest(r, 'carol', 'reject'), null);
});

test('rules: only an answered call leaves the callee invited', () => {
  const r = ringing();
  assert.equal(keepsInvitation(applyCallEvent(r, 'reject', 2_000, 'bob')), false);
  assert.equal(keepsInvitation(applyCallEvent(r, 'timeout', 2_000, null)), false);
  assert.equal(keepsInvitation(applyCallEvent(applyCallEvent(r, 'accept', 1_500, 'bob'), 'hangup', 2_000, 'bob')), true);
});

const facts: MeetingFacts = { id: 7, creator: 'alice', pswd: 'sesame', subject: 's', createdAt: 5_000, invited: false, memberCount: 2 };

test('rules: meeting access: creator, invitee, password; a missing meeting is 800, a wrong password 801', () => {
  assert.equal(meetingAccess(facts, 'alice', undefined), null);
  assert.equal(meetingAccess({ ...facts, invited: true }, 'bob', undefined), null);
  assert.equal(meetingAccess(facts, 'bob', 'sesame'), null);
  assert.equal(meetingAccess(facts, 'bob', undefined), 'MEETING_NOT_FOUND');
  assert.equal(meetingAccess(facts, 'bob', ''), 'MEETING_NOT_FOUND');
  assert.equal(meetingAccess(facts, 'bob', 'wrong'), 'WRONG_PASSWORD');
  assert.equal(meetingAccess(undefined, 'bob', 'wrong'), 'MEETING_NOT_FOUND');
  assert.equal(meetingAccess(undefined, 'bob', undefined), 'MEETING_NOT_FOUND');
  assert.equal(mayDestroy(facts, 'alice'), true);
  assert.equal(mayDestroy(facts, 'bob'), false);
  assert.equal(mayDestroy(undefined, 'alice'), false);
});

test('rules: meeting info as clients see it', () => {
  assert.deepEqual(meetInfo(facts, 'https://call.example'), {
    ID: 7,
    pswd: 'sesame',
    subject: 's',
    pubMeetUrl: 'https://call.example/?meeting=7',
    creator: 'alice',
    memberCount: 2,
    startTime: 5,
  });
});

test('rules: user status: in a call before in a meeting; an offline user shows no DND', () => {
  const base = { userID: 'u', online: true, inCall: false, inMeeting: false, dnd: true };
  assert.deepEqual(userStatus(base), { userID: 'u', status: 1, dnd: true });
  assert.equal(userStatus({ ...base, inMeeting: true }).status, 3);
  assert.equal(userStatus({ ...base, inMeeting: true, inCall: true }).status, 2);
  assert.deepEqual(userStatus({ ...base, online: false, inCall: true }), { userID: 'u', status: 0, dnd: false });
});
