import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyCallEvent, newCall, TRANSITIONS, IllegalTransitionError, type CallEvent } from '../../src/server/rules/machine.js';
import type { CallState } from '../../src/protocol/messages.js';

const EVENTS: CallEvent[] = ['accept', 'reject', 'cancel', 'timeout', 'hangup', 'lost'];
const expected: Record<CallState, Partial<Record<CallEvent, [CallState, string | null]>>> = {
  ringing: { accept: ['active', null], reject: ['ended', 'rejected'], cancel: ['ended', 'cancelled'], timeout: ['ended', 'no_answer'], lost: ['ended', 'lost'] },
  active: { hangup: ['ended', 'completed'], lost: ['ended', 'lost'] },
  ended: {},
};

function inState(state: CallState) {
  let c = newCall('c1', 'alice', 'bob', 1, 1000);
  if (state !== 'ringing') c = applyCallEvent(c, 'accept', 1500, 'bob');
  if (state === 'ended') c = applyCallEvent(c, 'hangup', 2000, 'alice');
  return c;
}

for (const state of ['ringing', 'active', 'ended'] as CallState[]) {
  for (const ev of EVENTS) {
    const want = expected[state][ev];
    test(`call machine: ${ev} in ${state} ${want ? `→ ${want[0]}${want[1] ? ` (${want[1]})` : ''}` : 'is illegal'}`, () => {
      const c = inState(state);
      if (!want) {
        assert.throws(() => applyCallEvent(c, ev, 3000, 'x'), IllegalTransitionError);
        return;
      }
      const n = applyCallEvent(c, ev, 3000, 'x');
      assert.equal(n.state, want[0]);
      assert.equal(n.outcome, want[1]);
      if (want[0] === 'ended') {
        assert.equal(n.endedAt, 3000);
        assert.equal(n.endedBy, 'x');
      }
      if (want[0] === 'active') assert.equal(n.answeredAt, 3000);
      assert.equal(c.state, state, 'the input record is not changed');
    });
  }
}

test('call machine: the table lists exactly the expected transitions', () => {
  for (const state of Object.keys(TRANSITIONS) as CallState[]) {
    assert.deepEqual(Object.keys(TRANSITIONS[state]).sort(), Object.keys(expected[state]).sort());
  }
});
