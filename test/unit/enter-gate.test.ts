/**
 * EnterGate: a meeting's events wait for this client's own enter result, keep their order, and
 * a member already listed by the result is not announced again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EnterGate } from '../../src/sdk/enter-gate.js';

function gate() {
  const out: string[] = [];
  const later: (() => void)[] = [];
  const g = new EnterGate(
    (ev, p) => out.push(`${ev}:${String((p.member as { userID?: string } | undefined)?.userID ?? p.userID ?? p.meetingID)}`),
    (fn) => later.push(fn),
  );
  const runLater = () => later.splice(0).forEach((fn) => fn());
  return { g, out, runLater };
}
const joined = (meetingID: number, userID: string) => ({ meetingID, member: { userID, nickName: userID } });
const microtasks = () => new Promise<void>((r) => queueMicrotask(r));

test('a memberJoined that arrives before the enter result is emitted after it', async () => {
  const { g, out, runLater } = gate();
  g.begin(1);
  assert.equal(g.offer('meeting.memberJoined', joined(1, 'bob')), true);
  g.end(1, []);
  assert.deepEqual(out, [], 'not while the result is being delivered');
  await microtasks();
  runLater();
  assert.deepEqual(out, ['meeting.memberJoined:bob']);
});

test('events in the same read as the result, after it, are held too; a later frame releases them first', async () => {
  const { g, out } = gate();
  g.begin(1);
  g.end(1, []);
  g.beforeFrame();
  assert.equal(g.offer('meeting.memberJoined', joined(1, 'bob')), true, 'same read: held');
  assert.equal(g.offer('call.hungup', { callID: 'x' }), true, 'anything behind a held event waits too, in order');
  await microtasks();
  g.beforeFrame();
  assert.deepEqual(out, ['meeting.memberJoined:bob', 'call.hungup:undefined']);
  assert.equal(g.offer('meeting.memberJoined', joined(1, 'carol')), false, 'afterwards events pass at once');
});

test('events of other meetings pass while an enter is pending', () => {
  const { g } = gate();
  g.begin(1);
  assert.equal(g.offer('meeting.memberJoined', joined(2, 'bob')), false);
  assert.equal(g.offer('call.incoming', { callID: 'c' }), false);
});

test('a held memberJoined of someone the result lists is dropped, unless they left in between', async () => {
  const { g, out, runLater } = gate();
  g.begin(1);
  g.offer('meeting.memberJoined', joined(1, 'bob'));
  g.offer('meeting.memberLeft', { meetingID: 1, userID: 'carol' });
  g.offer('meeting.memberJoined', joined(1, 'carol'));
  g.end(1, [{ userID: 'bob', nickName: 'bob' }, { userID: 'carol', nickName: 'carol' }]);
  await microtasks();
  runLater();
  assert.deepEqual(out, ['meeting.memberLeft:carol', 'meeting.memberJoined:carol']);
});

test('a failed enter releases what was held, unchanged', async () => {
  const { g, out, runLater } = gate();
  g.begin(1);
  g.offer('meeting.stopped', { meetingID: 1 });
  g.end(1, undefined);
  await microtasks();
  runLater();
  assert.deepEqual(out, ['meeting.stopped:1']);
});
