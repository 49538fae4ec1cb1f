/**
 * A page reloaded mid-call resumes its session and its call (issue 13): alice and bob are in a
 * call with video both ways; both reload their pages. Each page logs in resuming the session it
 * kept for the tab (within the resume grace), finds the call still on, enters its meeting again
 * and the video flows again both ways. The call record shows one call, still active; after the
 * hang-up, the duration both pages show is the record's (endedAt − answeredAt).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration } from '../../web/format.js';
import {
  type UserPage,
  backOn,
  inboundGrows,
  noticeSays,
  onScreen,
  openUser,
  pageCalls,
  remoteVideoShown,
  screenshot,
  silent,
  softphonePages,
} from './harness.js';

const suite = softphonePages();

type PageGlobals = {
  callroom: {
    client: { resumed: boolean; user: { sessionID: string } | null };
    phone: { state: { kind: string; callID?: string } };
  };
};

function phoneState(u: UserPage): Promise<{ kind: string; callID?: string }> {
  return u.page.evaluate(() => {
    const s = (globalThis as unknown as PageGlobals).callroom.phone.state;
    return { kind: s.kind, callID: s.callID };
  });
}

/** The page's session: its ID and whether its login resumed an earlier one. */
function sessionOf(u: UserPage): Promise<{ sessionID: string | null; resumed: boolean }> {
  return u.page.evaluate(() => {
    const c = (globalThis as unknown as PageGlobals).callroom.client;
    return { sessionID: c.user?.sessionID ?? null, resumed: c.resumed };
  });
}


test('both pages reloaded mid-call resume their sessions and the call goes on, with the record\'s duration', { timeout: 180_000 }, async () => {
  const alice = await openUser(suite.browser, suite.srv.url, 'alice');
  suite.users.push(alice);
  const bob = await openUser(suite.browser, suite.srv.url, 'bob');
  suite.users.push(bob);
  await alice.page.locator('#contacts li[data-user="bob"] .presence', { hasText: 'Online' }).waitFor();

  await alice.page.getByLabel('User ID').fill('bob');
  await alice.page.locator('#call-form').getByRole('button', { name: 'Call', exact: true }).click();
  await onScreen(bob, 'incoming');
  await bob.page.getByRole('button', { name: 'Accept' }).click();
  await Promise.all([onScreen(alice, 'call'), onScreen(bob, 'call'), silent(alice), silent(bob)]);
  await Promise.all([remoteVideoShown(alice, 'bob'), remoteVideoShown(bob, 'alice')]);
  const [aCall, bCall] = await Promise.all([phoneState(alice), phoneState(bob)]);
  assert.equal(aCall.kind, 'call');
  assert.ok(aCall.callID);
  assert.equal(bCall.callID, aCall.callID);
  const [aSession, bSession] = await Promise.all([sessionOf(alice), sessionOf(bob)]);

  // ---- both reload ----
  await Promise.all([alice.page.reload(), bob.page.reload()]);
  await Promise.all([backOn(alice), backOn(bob)]);
  assert.deepEqual(await sessionOf(alice), { sessionID: aSession.sessionID, resumed: true }, 'alice resumed her session');
  assert.deepEqual(await sessionOf(bob), { sessionID: bSession.sessionID, resumed: true }, 'bob resumed his session');
  for (const u of [alice, bob]) assert.deepEqual(await phoneState(u), { kind: 'call', callID: aCall.callID }, `${u.name}: the same call`);

  // The media is entered again: video decoded both ways, and still growing.
  await Promise.all([remoteVideoShown(alice, 'bob'), remoteVideoShown(bob, 'alice')]);
  await Promise.all([inboundGrows(alice, 'bob', 'video', 'framesDecoded'), inboundGrows(bob, 'alice', 'video', 'framesDecoded')]);
  await screenshot(alice, '22-reload-back-in-call.png');

  // The record: one call, this one, not ended.
  for (const u of [alice, bob]) {
    const calls = await pageCalls(u);
    assert.equal(calls.length, 1, `${u.name} sees one call`);
    assert.equal(calls[0]!.callID, aCall.callID);
    assert.equal(calls[0]!.state, 'active');
    assert.equal(calls[0]!.endedAt, null);
  }

  // The duration runs on both pages and agrees with the record's answeredAt.
  await alice.page.locator('#call-duration').waitFor();
  const [aText, bText] = await Promise.all([alice.page.locator('#call-duration').textContent(), bob.page.locator('#call-duration').textContent()]);
  const [rec] = await pageCalls(bob);
  const shownBound = (t: string | null) => {
    const [m, s] = (t ?? '').split(':').map(Number);
    return (m! * 60 + s!) * 1000;
  };
  const sinceAnswer = Date.now() - rec!.answeredAt!;
  for (const t of [aText, bText]) assert.ok(Math.abs(shownBound(t) - sinceAnswer) <= 2_500, `shown ${t}, ${sinceAnswer} ms since the record's answeredAt`);

  // ---- hang up: both pages say the record's duration ----
  await alice.page.getByRole('button', { name: 'Hang up' }).click();
  await Promise.all([onScreen(alice, 'home'), onScreen(bob, 'home')]);
  const [ended] = await pageCalls(bob);
  assert.equal(ended!.callID, aCall.callID);
  assert.equal(ended!.outcome, 'completed');
  const lasted = formatDuration(ended!.endedAt! - ended!.answeredAt!);
  await noticeSays(alice, `Call ended. It lasted ${lasted}.`);
  await noticeSays(bob, `alice hung up. Call lasted ${lasted}.`);
  assert.equal((await pageCalls(alice)).length, 1, 'still one call in the record');
});
