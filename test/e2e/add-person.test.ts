/**
 * Adding a person to a call from the page, in real Chromium: A calls B, A adds C (an offline
 * user first, who is reported and dismissed), and all three decode video from both others in a
 * grid of tiles; then B hangs up and A and C go on; when C hangs up, A's call screen ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type UserPage, connectCall, inboundGrows, onScreen, openUser, pageCalls, remoteVideoShown, screenshot, softphonePages } from './harness.js';

const suite = softphonePages();

const tileCount = (u: { page: import('playwright-core').Page }) => u.page.locator('#tiles').getAttribute('data-count');

test('A calls B, adds C: a three-person mesh with video from both others on every page; B leaves, A and C go on', { timeout: 180_000 }, async () => {
  const alice = await openUser(suite.browser, suite.srv.url, 'alice');
  const bob = await openUser(suite.browser, suite.srv.url, 'bob', { viewport: { width: 390, height: 760 } });
  const carol = await openUser(suite.browser, suite.srv.url, 'carol', { viewport: { width: 844, height: 390 } });
  suite.users.push(alice, bob, carol);

  await connectCall(alice, bob);
  await Promise.all([remoteVideoShown(alice, 'bob'), remoteVideoShown(bob, 'alice')]);
  // Add person is offered in a call.
  const add = alice.page.getByRole('button', { name: 'Add person' });
  await add.waitFor();

  // Someone who is not online: said so next to the control, and dismissed.
  await add.click();
  await alice.page.getByLabel('Who to add to the call').fill('dora');
  await alice.page.locator('#add-person-form').getByRole('button', { name: 'Add' }).click();
  const dora = alice.page.locator('#added li[data-user="dora"][data-state="failed"]');
  await dora.getByText('dora is offline.').waitFor();
  await dora.getByRole('button', { name: 'Cancel' }).click();
  await dora.waitFor({ state: 'detached' });

  // Carol is added: she rings while Alice sees "Ringing carol…", and answers.
  await add.click();
  await alice.page.getByLabel('Who to add to the call').fill('carol');
  await alice.page.locator('#add-person-form').getByRole('button', { name: 'Add' }).click();
  await alice.page.locator('#added li[data-user="carol"][data-state="ringing"]').getByText('Ringing carol…').waitFor();
  await onScreen(carol, 'incoming');
  await carol.page.getByRole('heading', { name: 'alice is calling' }).waitFor();
  await screenshot(alice, 'add-person-01-ringing-carol.png');
  await carol.page.getByRole('button', { name: 'Accept' }).click();
  await onScreen(carol, 'call');
  await alice.page.locator('#added li[data-user="carol"][data-state="joined"]').waitFor();

  // Everyone decodes video from both others.
  const pairs: [typeof alice, string][] = [
    [alice, 'bob'],
    [alice, 'carol'],
    [bob, 'alice'],
    [bob, 'carol'],
    [carol, 'alice'],
    [carol, 'bob'],
  ];
  await Promise.all(pairs.map(([u, from]) => remoteVideoShown(u, from)));
  const grows = await Promise.all(pairs.map(([u, from]) => inboundGrows(u, from, 'video', 'framesDecoded')));
  for (const g of grows) assert.ok(g.later > g.first && g.first > 0);
  for (const u of [alice, bob, carol]) assert.equal(await tileCount(u), '2', `${u.name} sees two tiles`);
  await alice.page.getByRole('heading', { name: /bob.*carol|carol.*bob/ }).waitFor();
  await screenshot(alice, 'add-person-02-three-desktop.png');
  await screenshot(bob, 'add-person-03-three-phone.png');
  await screenshot(carol, 'add-person-04-three-phone-landscape.png');
  // On the landscape phone every control is still on screen.
  const box = await carol.page.getByRole('button', { name: 'Hang up' }).boundingBox();
  assert.ok(box && box.y + box.height <= 390, `Hang up is on screen at ${JSON.stringify(box)}`);

  // Bob hangs up: his tile goes on both other pages; Alice and Carol go on, media still flowing.
  await bob.page.getByRole('button', { name: 'Hang up' }).click();
  await onScreen(bob, 'home');
  for (const u of [alice, carol]) {
    await u.page.locator('#tiles .tile[data-user="bob"]').waitFor({ state: 'detached' });
    assert.equal(await tileCount(u), '1');
    assert.equal(await u.page.evaluate(() => document.body.dataset.screen), 'call', `${u.name} is still in the call`);
  }
  const after = await Promise.all([inboundGrows(alice, 'carol', 'video', 'framesDecoded'), inboundGrows(carol, 'alice', 'video', 'framesDecoded')]);
  for (const g of after) assert.ok(g.later > g.first);
  await alice.page.getByRole('heading', { name: 'carol' }).waitFor();
  await screenshot(alice, 'add-person-05-after-bob-left.png');

  // Carol hangs up: nobody is left with Alice, her call screen ends.
  await carol.page.getByRole('button', { name: 'Hang up' }).click();
  await Promise.all([onScreen(carol, 'home'), onScreen(alice, 'home')]);
  await alice.page.locator('#notice').getByText(/carol hung up/).waitFor();
  await screenshot(alice, 'add-person-06-ended.png');
});

/** Alice adds `who` to her current call from the page, and they accept. */
async function addAndAccept(alice: UserPage, who: UserPage): Promise<void> {
  await alice.page.getByRole('button', { name: 'Add person' }).click();
  await alice.page.getByLabel('Who to add to the call').fill(who.name);
  await alice.page.locator('#add-person-form').getByRole('button', { name: 'Add' }).click();
  await onScreen(who, 'incoming');
  await who.page.getByRole('button', { name: 'Accept' }).click();
  await onScreen(who, 'call');
  await alice.page.locator(`#added li[data-user="${who.name}"][data-state="joined"]`).waitFor();
}

test('a page away during a call of three comes back to it, also when the person it called first hung up meanwhile', { timeout: 180_000 }, async () => {
  const alice = await openUser(suite.browser, suite.srv.url, 'alice');
  const bob = await openUser(suite.browser, suite.srv.url, 'bob');
  const carol = await openUser(suite.browser, suite.srv.url, 'carol');
  suite.users.push(alice, bob, carol);
  await connectCall(alice, bob);
  await addAndAccept(alice, carol);
  await Promise.all([remoteVideoShown(alice, 'bob'), remoteVideoShown(alice, 'carol')]);

  // Alice's tab goes away (its session is held for the resume grace); Bob, whom she called first,
  // hangs up while she is away; her tab comes back.
  await alice.page.goto('about:blank');
  await bob.page.getByRole('button', { name: 'Hang up' }).click();
  await onScreen(bob, 'home');
  await carol.page.locator('#tiles .tile[data-user="bob"]').waitFor({ state: 'detached' });
  await alice.page.goto(suite.srv.url);
  await onScreen(alice, 'call');
  await alice.page.getByRole('heading', { name: 'carol' }).waitFor();
  await Promise.all([remoteVideoShown(alice, 'carol'), remoteVideoShown(carol, 'alice')]);
  const back = await Promise.all([inboundGrows(alice, 'carol', 'video', 'framesDecoded'), inboundGrows(carol, 'alice', 'video', 'framesDecoded')]);
  for (const g of back) assert.ok(g.later > g.first);
  assert.equal(await tileCount(alice), '1', 'only carol is left with alice');
  // The duration still runs from the answer of the call with bob, the record's.
  const calls = await pageCalls(alice);
  // The newest: the first test of this file called bob too, on the same server.
  const first = calls.filter((r) => r.callee === 'bob').sort((x, y) => (y.answeredAt ?? 0) - (x.answeredAt ?? 0))[0];
  assert.ok(first?.answeredAt, 'the call with bob was answered');
  const [m, sec] = ((await alice.page.locator('#call-duration').textContent()) ?? '').split(':').map(Number);
  const shown = (m! * 60 + sec!) * 1000;
  const since = Date.now() - first.answeredAt;
  assert.ok(Math.abs(shown - since) <= 2_500, `shown ${shown} ms, ${since} ms since bob answered`);
  await screenshot(alice, 'add-person-07-back-after-reload.png');

  // Carol hangs up: the call restored after the reload ends as any other.
  await carol.page.getByRole('button', { name: 'Hang up' }).click();
  await Promise.all([onScreen(carol, 'home'), onScreen(alice, 'home')]);
  await alice.page.locator('#notice').getByText(/carol hung up/).waitFor();
});
