/**
 * Webhook signing, verification and backoff; and the delivery worker on a clock the test drives:
 * retries wait for their backoff, a later event of a key waits for the earlier one, and an event
 * whose retry time is over is given up so that the next one goes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signWebhook, verifyWebhook, WEBHOOK_HEADERS } from '../../src/server/index.js';
import { backoffDelay } from '../../src/server/webhooks/backoff.js';
import { presenceEvents } from '../../src/server/webhooks/events.js';
import { Webhooks, type AttemptResult } from '../../src/server/webhooks/worker.js';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { SqliteOutbox } from '../../src/server/webhooks/sqlite-outbox.js';
import { Metrics } from '../../src/server/http/metrics.js';
import { silentLogger } from '../../src/server/log.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const SECRET = 'whsec-0123456789abcdef';

function headersFor(body: string, at: number, secret = SECRET): Record<string, string> {
  return { [WEBHOOK_HEADERS.id]: 'ev-1', [WEBHOOK_HEADERS.timestamp]: String(at), [WEBHOOK_HEADERS.signature]: signWebhook(secret, at, body) };
}

test('verifyWebhook accepts what signWebhook signed, and refuses a changed body, another secret, an old timestamp, missing headers', () => {
  const body = JSON.stringify({ id: 'ev-1', type: 'user.online', data: { userID: 'alice' } });
  const now = 1_700_000_000_000;
  const h = headersFor(body, now);
  assert.deepEqual(verifyWebhook(SECRET, h, body, { now }), { ok: true, id: 'ev-1', timestamp: now });
  assert.deepEqual(verifyWebhook(SECRET, new Headers(h), Buffer.from(body), { now: now + 1000 }), { ok: true, id: 'ev-1', timestamp: now }, 'a fetch Headers and a Buffer body work too');
  assert.deepEqual(verifyWebhook(SECRET, h, body.replace('alice', 'mallory'), { now }), { ok: false, reason: 'bad_signature' });
  assert.deepEqual(verifyWebhook('another-secret-0123', h, body, { now }), { ok: false, reason: 'bad_signature' });
  assert.deepEqual(verifyWebhook(SECRET, h, body, { now: now + 5 * 60_000 + 1 }), { ok: false, reason: 'too_old' });
  assert.deepEqual(verifyWebhook(SECRET, h, body, { now: now + 10 * 60_000, toleranceMs: 0 }).ok, true, 'tolerance 0 skips the time check');
  assert.deepEqual(verifyWebhook(SECRET, { ...h, [WEBHOOK_HEADERS.timestamp]: String(now + 1) }, body, { now }), { ok: false, reason: 'bad_signature' }, 'the timestamp is signed');
  assert.deepEqual(verifyWebhook(SECRET, { [WEBHOOK_HEADERS.id]: 'ev-1' }, body, { now }), { ok: false, reason: 'missing_headers' });
  assert.deepEqual(verifyWebhook(SECRET, { ...h, [WEBHOOK_HEADERS.timestamp]: 'soon' }, body, { now }), { ok: false, reason: 'bad_timestamp' });
  assert.match(h[WEBHOOK_HEADERS.signature]!, /^v1=[0-9a-f]{64}$/);
});

test('backoff doubles from the base up to the cap, with jitter between half and all of it', () => {
  const p = { baseMs: 1000, capMs: 60_000 };
  assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, p, () => 0.999999)), [1000, 2000, 4000, 8000]);
  assert.deepEqual([1, 2, 3].map((n) => backoffDelay(n, p, () => 0)), [500, 1000, 2000]);
  assert.equal(backoffDelay(30, p, () => 0.999999), 60_000, 'capped');
  assert.equal(backoffDelay(1000, p, () => 0), 30_000, 'no overflow on a very late attempt');
});

test('worker on a driven clock: retries after the backoff, keeps a key in order, gives up after retry-for and moves on', async () => {
  const clock = new FakeClock(Date.now());
  const store = new SqliteStore(':memory:');
  const rcv = await startReceiver('fail');
  const metrics = new Metrics(false);
  const w = new Webhooks({ outbox: new SqliteOutbox(store), clock, log: silentLogger, metrics }, { urls: [rcv.url], secret: SECRET, retryForMs: 10_000, backoff: { baseMs: 1000, capMs: 4000 }, random: () => 0.999999 });
  const results: AttemptResult[] = [];
  let wake: (() => void) | null = null;
  w.onResult((r) => {
    results.push(r);
    wake?.();
  });
  const nextResult = () => new Promise<AttemptResult>((resolve) => {
    const n = results.length;
    wake = () => {
      if (results.length > n) resolve(results[n]!);
    };
  });
  try {
    w.start();
    const [first, second] = [presenceEvents('alice', true, clock.now()), presenceEvents('alice', false, clock.now())];
    let r = nextResult();
    await w.append([...first!, ...second!]);
    assert.equal((await r).status, 'pending', 'the first attempt failed and will be retried');
    assert.deepEqual(rcv.received.map((x) => x.event.id), [first![0]!.event.id], 'the later event of the key waits');
    assert.equal(await w.pending(), 2);

    // Nothing happens before the backoff is over.
    clock.advance(999);
    assert.equal(rcv.received.length, 1);
    r = nextResult();
    clock.advance(1);
    assert.equal((await r).attempts, 2, 'retried after 1 s');
    r = nextResult();
    clock.advance(2000);
    assert.equal((await r).attempts, 3, 'then after 2 s');
    // The next delay (4 s) would end past the 10 s of retry-for: the attempt after it is the last.
    r = nextResult();
    clock.advance(4000);
    const last = await r;
    assert.deepEqual([last.attempts, last.status], [4, 'failed'], 'given up once the next retry would be past retry-for');
    assert.deepEqual(new Set(rcv.received.slice(0, 4).map((x) => x.event.id)), new Set([first![0]!.event.id]), 'every retry carries the same event ID');

    rcv.mode = 'ok';
    const got = await rcv.waitFor((x) => x.event.id === second![0]!.event.id && x.answered === 200, 'the next event of the key');
    assert.equal(got.event.type, 'user.offline');
    assert.equal(verifyWebhook(SECRET, got.headers, got.body, { now: clock.now() }).ok, true);
    const text = await metrics.registry.metrics();
    assert.match(text, /callroom_webhooks_failed_total\{type="user.online"\} 4/);
    assert.match(text, /callroom_webhooks_retried_total\{type="user.online"\} 3/);
    assert.match(text, /callroom_webhooks_given_up_total\{type="user.online"\} 1/);
  } finally {
    w.stop();
    await rcv.close();
    await store.close();
  }
});
