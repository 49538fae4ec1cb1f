/**
 * Relay-only media through a real coturn (Debian's package, started here on a free loopback
 * port with use-auth-secret), in real Chromium:
 *
 * (a) callroom with --ice-relay-only and the right --turn-secret: `ice.servers` says 'relay', the
 *     call works end to end (video decoded both ways), the selected candidate pair is relay on
 *     both sides, coturn allocated under callroom's usernames, and the record says media connected.
 * (b) the same with a wrong TURN secret: coturn refuses the allocations, no candidate is gathered;
 *     the SDK says `health` retrying then failed (no-candidates) after one ICE restart, both pages
 *     say so in plain words (one in Chinese) instead of "Connecting…" and offer to hang up, and
 *     the call record says media failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { startCoturn, type Coturn } from '../helpers/coturn.js';
import {
  closeAll,
  connectCall,
  inboundGrows,
  launchBrowser,
  onScreen,
  openUser,
  remoteVideoShown,
  reportErrors,
  screenshot,
  startServer,
  type E2EServer,
  type UserPage,
} from './harness.js';

const SECRET = randomBytes(16).toString('hex');
/** Long enough for the default 10 s media deadline twice (the wrong-secret case may need them). */
const FAIL_WAIT_MS = 45_000;

let turn: Coturn;
let browser: Browser;
const servers: E2EServer[] = [];
const users: UserPage[] = [];

before(async () => {
  turn = await startCoturn(SECRET);
  browser = await launchBrowser();
});
after(async () => {
  reportErrors(users);
  await closeAll(users);
  await browser?.close();
  for (const s of servers) await s.close();
  await turn?.stop();
});

async function relayServer(secret: string): Promise<E2EServer> {
  const srv = await startServer({ ice: { servers: [{ urls: [turn.url] }], turnSecret: secret, relayOnly: true } });
  servers.push(srv);
  return srv;
}

type Health = { userID: string; state: string; reason: string | null };

/** Records the page's MediaRoom `health` events from the next call on (window.__health). */
async function recordHealth(u: UserPage): Promise<void> {
  await u.page.evaluate(() => {
    const g = globalThis as unknown as {
      callroom: { phone: { on(ev: 'media', fn: (e: { room: { on(ev: 'health', fn: (h: unknown) => void): void } }) => void): void } };
      __health: unknown[];
    };
    g.__health = [];
    g.callroom.phone.on('media', ({ room }) => room.on('health', (h) => g.__health.push(h)));
    // Every text the media notice shows, in order ('' while hidden).
    const n = document.getElementById('media-health')!;
    const w = globalThis as unknown as { __notices: string[] };
    w.__notices = [];
    new MutationObserver(() => {
      const text = n.hidden ? '' : (n.textContent ?? '');
      if ((w.__notices.at(-1) ?? '') !== text) w.__notices.push(text);
    }).observe(n, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

function noticesOf(u: UserPage): Promise<string[]> {
  return u.page.evaluate(() => (globalThis as unknown as { __notices: string[] }).__notices);
}

function healthOf(u: UserPage): Promise<Health[]> {
  return u.page.evaluate(() => (globalThis as unknown as { __health: Health[] }).__health);
}

/** `caller` calls `callee` by ID; the callee accepts (by the button's name in its language). */
async function placeCall(caller: UserPage, callee: UserPage, acceptLabel: string): Promise<void> {
  await connectCall(caller, callee, acceptLabel);
}

/** The newest call record as the page's user sees it (`calls.list`), once its `field` is `value`. */
async function recordWhen(u: UserPage, field: string, value: string): Promise<Record<string, unknown>> {
  const h = await u.page.waitForFunction(
    async ([f, v]) => {
      const c = (globalThis as unknown as { callroom: { client: { listCalls(o: { limit: number }): Promise<Record<string, unknown>[]> } } }).callroom.client;
      const [rec] = await c.listCalls({ limit: 1 });
      return rec && rec[f] === v ? rec : false;
    },
    [field, value] as const,
    { polling: 200 },
  );
  return (await h.jsonValue()) as Record<string, unknown>;
}

test('relay-only media through coturn: the call connects over relay candidates', { timeout: 120_000 }, async () => {
  const srv = await relayServer(SECRET);
  const alice = await openUser(browser, srv.url, 'alice');
  const bob = await openUser(browser, srv.url, 'bob');
  users.push(alice, bob);
  await Promise.all([recordHealth(alice), recordHealth(bob)]);

  // What the server tells the SDK: relay only, with coturn credentials for this user.
  const ice = await alice.page.evaluate(() =>
    (globalThis as unknown as { callroom: { client: { getIceConfig(): Promise<{ iceServers: { urls: string[]; username?: string }[]; iceTransportPolicy: string }> } } }).callroom.client.getIceConfig(),
  );
  assert.equal(ice.iceTransportPolicy, 'relay');
  assert.deepEqual(ice.iceServers[0]?.urls, [turn.url]);
  assert.match(ice.iceServers[0]?.username ?? '', /^\d+:alice$/);

  await placeCall(alice, bob, 'Accept');
  await Promise.all([remoteVideoShown(alice, 'bob'), remoteVideoShown(bob, 'alice')]);
  const frames = await Promise.all([inboundGrows(alice, 'bob', 'video', 'framesDecoded'), inboundGrows(bob, 'alice', 'video', 'framesDecoded')]);
  for (const f of frames) assert.ok(f.later > f.first && f.first > 0);

  // The selected pair is relay on both sides: the policy reached the RTCPeerConnections (a host
  // pair on loopback would win otherwise).
  for (const [u, peer] of [
    [alice, 'bob'],
    [bob, 'alice'],
  ] as const) {
    const types = await u.page.evaluate(
      (p) => (globalThis as unknown as { callroom: { room: { selectedCandidateTypes(id: string): Promise<unknown> } } }).callroom.room.selectedCandidateTypes(p),
      peer,
    );
    assert.deepEqual(types, { local: 'relay', remote: 'relay' }, `${u.name}'s selected candidate pair`);
  }
  // coturn made the allocations under callroom's usernames.
  await turn.logged(/user <\d+:alice>[^\n]*ALLOCATE processed, success/);
  await turn.logged(/user <\d+:bob>[^\n]*ALLOCATE processed, success/);

  // The SDK said media connected, on both pages, and nothing else; so does the record.
  for (const u of [alice, bob]) {
    await u.page.waitForFunction(() => (globalThis as unknown as { __health: Health[] }).__health.length > 0);
    const peer = u === alice ? 'bob' : 'alice';
    assert.deepEqual(await healthOf(u), [{ userID: peer, state: 'connected', reason: null }]);
  }
  const rec = await recordWhen(alice, 'media', 'connected');
  assert.equal(rec.state, 'active');
  assert.equal(await alice.page.locator('#media-health').isHidden(), true);
  assert.deepEqual(await noticesOf(alice), [], 'no media notice in a call whose media connected');
  assert.equal(await alice.page.locator('#call-status').textContent(), 'Connected');
  await screenshot(alice, 'turn-01-relay-call.png');

  await alice.page.locator('#btn-hangup').click();
  await onScreen(alice, 'home');
  await onScreen(bob, 'home');
  const ended = await recordWhen(bob, 'state', 'ended');
  assert.equal(ended.outcome, 'completed');
  assert.equal(ended.media, 'connected');
});

test('a wrong TURN secret is reported: SDK event, the pages, the call record', { timeout: 180_000 }, async () => {
  const srv = await relayServer(`wrong-${SECRET}`);
  const carol = await openUser(browser, srv.url, 'carol');
  // Dave's page is in Chinese.
  const dave = await openUser(browser, srv.url, 'dave', { locale: 'zh-CN', login: false });
  users.push(carol, dave);
  await dave.page.getByLabel('你的名字').fill('dave');
  await dave.page.getByRole('button', { name: '登录', exact: true }).click();
  await onScreen(dave, 'home');
  await Promise.all([recordHealth(carol), recordHealth(dave)]);

  await placeCall(carol, dave, '接听');

  // Both pages give up after one retry and say so, with a button to hang up.
  for (const u of [carol, dave]) await u.page.locator('#media-health[data-state="failed"]').waitFor({ timeout: FAIL_WAIT_MS });
  assert.match((await carol.page.locator('#media-health').textContent()) ?? '', /The call could not connect its sound and picture\. You can hang up and call again\. The media relay server refused this connection\./);
  assert.equal(await carol.page.locator('#call-status').textContent(), 'No sound or picture');
  assert.match((await dave.page.locator('#media-health').textContent()) ?? '', /通话的声音和画面无法连通。.*媒体中继服务器拒绝了此连接。/);
  assert.equal(await dave.page.locator('#call-status').textContent(), '没有声音和画面');
  await carol.page.getByRole('button', { name: 'Hang up' }).first().waitFor();
  await dave.page.locator('#btn-media-hangup', { hasText: '挂断' }).waitFor();

  // The SDK's events: one retry (an ICE restart), then failed, both for want of any candidate.
  for (const [u, peer] of [
    [carol, 'dave'],
    [dave, 'carol'],
  ] as const) {
    assert.deepEqual(await healthOf(u), [
      { userID: peer, state: 'retrying', reason: 'no-candidates' },
      { userID: peer, state: 'failed', reason: 'no-candidates' },
    ], `${u.name}'s health events`);
  }
  // The pages said they were trying again before they gave up.
  const carolSaw = await noticesOf(carol);
  assert.match(carolSaw[0] ?? '', /^No sound or picture is getting through yet\. Trying again…/, JSON.stringify(carolSaw));
  assert.match(carolSaw.at(-1) ?? '', /^The call could not connect/);
  const daveSaw = await noticesOf(dave);
  assert.match(daveSaw[0] ?? '', /^声音和画面还没有连通，正在重试…/, JSON.stringify(daveSaw));
  // coturn refused callroom's usernames: the secret is wrong.
  await turn.logged(/user <\d+:carol>: incoming packet message processed, error 401/);

  const rec = await recordWhen(carol, 'media', 'failed');
  assert.equal(rec.state, 'active');
  await screenshot(carol, 'turn-02-wrong-secret-failed.png');
  await screenshot(dave, 'turn-03-wrong-secret-failed-chinese.png');

  // Dave takes the offer and hangs up from the notice.
  await dave.page.locator('#btn-media-hangup').click();
  await onScreen(dave, 'home');
  await onScreen(carol, 'home');
  const ended = await recordWhen(carol, 'state', 'ended');
  assert.equal(ended.outcome, 'completed');
  assert.equal(ended.media, 'failed');
});
