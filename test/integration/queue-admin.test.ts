/**
 * Queue administration (docs/operations.md, "Queues"): the REST API /v1/queues with an admin token,
 * what deleting a queue tells its customers and agents, queues across a restart, and the
 * `callroom queue` command against a running server. Runs in both modes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { QueueInfo, QueueStats } from '../../src/protocol/queues.js';
import { freePort } from '../helpers/redis.js';
import { API, inbox, startServer, uid, type TestServer } from '../helpers/server.js';

let ts: TestServer;
let adminToken: string;

before(async () => {
  ts = await startServer();
  adminToken = await ts.token('ops', { admin: true });
});
after(async () => {
  await ts.close();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, opts: { token?: string | null; body?: unknown; raw?: string } = {}): Promise<Answer> {
  const token = opts.token === undefined ? adminToken : opts.token;
  const res = await fetch(`${ts.url}${path}`, {
    method,
    headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    ...(opts.raw !== undefined ? { body: opts.raw } : opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function listQueues(): Promise<QueueInfo[]> {
  const r = await call('GET', '/v1/queues');
  assert.equal(r.status, 200);
  return r.body.queues as QueueInfo[];
}

async function createQueue(body: Record<string, unknown>): Promise<QueueInfo> {
  const r = await call('POST', '/v1/queues', { body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.queue as QueueInfo;
}

/** Asserts an error answer: the status, the error name, and a message that says what to do. */
function refused(r: Answer, status: number, name: string, message: RegExp): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.ok, false);
  assert.equal(r.body.name, name);
  assert.equal(typeof r.body.code, 'number');
  assert.match(String(r.body.message), message);
}

async function user(name: string) {
  const id = uid(name);
  return Object.assign(await ts.client(id), { id });
}

describe('queue administration over REST', () => {
  it('creates, lists, changes and deletes a queue', async () => {
    const before = await listQueues();
    const top = Math.max(0, ...before.map((q) => q.queID));
    const made = await createQueue({ name: 'Sales', desc: 'new customers', prio: 5 });
    assert.deepEqual(made, { queID: top + 1, name: 'Sales', desc: 'new customers', prio: 5 }, 'without a queID: the next free one');
    const explicit = await createQueue({ queID: top + 10, name: 'Claims' });
    assert.deepEqual(explicit, { queID: top + 10, name: 'Claims', desc: '', prio: 0 }, 'desc and prio default to "" and 0');
    const listed = await listQueues();
    assert.deepEqual(listed.find((q) => q.queID === made.queID), made);
    assert.deepEqual(listed.find((q) => q.queID === explicit.queID), explicit);
    assert.deepEqual((await call('GET', `/v1/queues/${made.queID}`)).body.queue, made);

    const changed = await call('PATCH', `/v1/queues/${made.queID}`, { body: { prio: -1, desc: 'everyone' } });
    assert.equal(changed.status, 200);
    assert.deepEqual(changed.body.queue, { queID: made.queID, name: 'Sales', desc: 'everyone', prio: -1 });
    // Clients see the change: the list is most important first.
    const client = await user('viewer');
    const seen = await client.listQueues();
    assert.deepEqual(seen.find((q) => q.queID === made.queID), changed.body.queue);
    assert.equal(seen.findIndex((q) => q.queID === made.queID) < seen.findIndex((q) => q.queID === explicit.queID), true);

    const gone = await call('DELETE', `/v1/queues/${explicit.queID}`);
    assert.equal(gone.status, 200);
    assert.deepEqual(gone.body, { queID: explicit.queID });
    assert.equal((await listQueues()).some((q) => q.queID === explicit.queID), false);
    assert.equal((await client.listQueues()).some((q) => q.queID === explicit.queID), false);
  });

  it('refuses to create a queue whose ID exists (409), and a missing queue is 404', async () => {
    const q = await createQueue({ name: 'Exists' });
    refused(await call('POST', '/v1/queues', { body: { queID: q.queID, name: 'Again' } }), 409, 'BAD_ARGUMENT', new RegExp(`queue ${q.queID} exists.*PATCH`));
    assert.deepEqual((await listQueues()).find((x) => x.queID === q.queID), q, 'the refused create changed nothing');
    const missing = q.queID + 1000;
    refused(await call('PATCH', `/v1/queues/${missing}`, { body: { name: 'x' } }), 404, 'QUE_ID_INVALID', /GET \/v1\/queues/);
    refused(await call('DELETE', `/v1/queues/${missing}`), 404, 'QUE_ID_INVALID', new RegExp(`no queue ${missing}`));
    refused(await call('GET', `/v1/queues/${missing}/stats`), 404, 'QUE_ID_INVALID', /GET \/v1\/queues/);
    refused(await call('GET', `/v1/queues/${missing}`), 404, 'QUE_ID_INVALID', /GET \/v1\/queues/);
    assert.equal((await listQueues()).some((x) => x.queID === missing), false, 'a PATCH of a missing queue does not create it');
  });

  it('of creates of one queue ID at once (in a cluster, on different nodes), exactly one makes it; the others get 409', async () => {
    const queID = 4242;
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => call('POST', '/v1/queues', { body: { queID, name: `racer ${i}` } })));
    const made = answers.filter((a) => a.status === 201);
    assert.equal(made.length, 1, `one create wins: ${answers.map((a) => a.status).join(',')}`);
    for (const a of answers.filter((x) => x.status !== 201)) refused(a, 409, 'BAD_ARGUMENT', new RegExp(`queue ${queID} exists`));
    assert.deepEqual((await listQueues()).find((x) => x.queID === queID), made[0]!.body.queue, 'the winner is what is kept');
  });

  it('answers a bad body or a bad queue ID with 400 and what to send', async () => {
    const bad: [string, RegExp][] = [
      ['not json', /not JSON.*send \{"name"/],
      ['{}', /name.*required/i],
      ['[]', /expected object/i],
      [JSON.stringify({ name: '' }), /^name: /],
      [JSON.stringify({ name: 'x'.repeat(101) }), /^name: /],
      [JSON.stringify({ name: 'ok', prio: 1.5 }), /^prio: .*integer/],
      [JSON.stringify({ name: 'ok', prio: '1' }), /^prio: /],
      [JSON.stringify({ name: 'ok', queID: 0 }), /^queID: /],
      [JSON.stringify({ name: 'ok', queID: 2 ** 31 }), /^queID: /],
      [JSON.stringify({ name: 'ok', color: 'red' }), /unexpected property/i],
    ];
    const count = (await listQueues()).length;
    for (const [raw, message] of bad) refused(await call('POST', '/v1/queues', { raw }), 400, 'BAD_ARGUMENT', message);
    assert.equal((await listQueues()).length, count, 'no refused body made a queue');

    const q = await createQueue({ name: 'Patchable' });
    for (const [raw, message] of [
      ['{}', /send \{"name"/],
      [JSON.stringify({ queID: 9 }), /unexpected property/i],
      [JSON.stringify({ desc: 'x'.repeat(1001) }), /^desc: /],
      ['{', /not JSON/],
    ] as [string, RegExp][]) {
      refused(await call('PATCH', `/v1/queues/${q.queID}`, { raw }), 400, 'BAD_ARGUMENT', message);
    }
    assert.deepEqual((await listQueues()).find((x) => x.queID === q.queID), q, 'no refused change changed it');
    for (const id of ['abc', '0', '-1', '1.5', '99999999999']) {
      refused(await call('DELETE', `/v1/queues/${id}`), 400, 'BAD_ARGUMENT', /not a queue ID: a whole number/);
    }
    refused(await call('PUT', `/v1/queues/${q.queID}`, { body: { name: 'x' } }), 405, 'UNKNOWN_OP', /use GET, PATCH .* or DELETE/);
    refused(await call('DELETE', '/v1/queues'), 405, 'UNKNOWN_OP', /use GET .* or POST/);
    const big = await call('POST', '/v1/queues', { raw: JSON.stringify({ name: 'x', desc: 'y'.repeat(20_000) }) });
    refused(big, 413, 'FRAME_TOO_LARGE', /over \d+ bytes/);
  });

  it('needs an admin token on every route: 401 without one, 403 with a user token', async () => {
    const q = await createQueue({ name: 'Guarded' });
    const userToken = await ts.token('someone');
    const routes: [string, string, unknown?][] = [
      ['GET', '/v1/queues'],
      ['POST', '/v1/queues', { name: 'Sneaky' }],
      ['GET', `/v1/queues/${q.queID}`],
      ['PATCH', `/v1/queues/${q.queID}`, { name: 'Sneaky' }],
      ['DELETE', `/v1/queues/${q.queID}`],
      ['GET', `/v1/queues/${q.queID}/stats`],
    ];
    for (const [method, path, body] of routes) {
      refused(await call(method, path, { token: null, body }), 401, 'TOKEN_INVALID', /admin token/);
      refused(await call(method, path, { token: 'not-a-jwt', body }), 401, 'TOKEN_INVALID', /token/);
      refused(await call(method, path, { token: userToken, body }), 403, 'TOKEN_INVALID', /callroom token --admin/);
    }
    const now = await listQueues();
    assert.deepEqual(now.find((x) => x.queID === q.queID), q, 'nothing was changed or deleted');
    assert.equal(now.some((x) => x.name === 'Sneaky'), false, 'nothing was created');
  });

  it("gives a queue's figures: counts now, served, waits", async () => {
    const q = await createQueue({ name: 'Figures', prio: 3 });
    const agent = await user('agent');
    await agent.setDnd(true);
    await agent.serveQueue(q.queID);
    const first = await user('cust');
    const second = await user('cust');
    await first.joinQueue(q.queID);
    await second.joinQueue(q.queID);
    const waiting = await call('GET', `/v1/queues/${q.queID}/stats`);
    assert.equal(waiting.status, 200);
    const s1 = waiting.body.stats as QueueStats;
    assert.deepEqual(
      { queID: s1.queID, name: s1.name, prio: s1.prio, agents: s1.agents, waiting: s1.waiting, inService: s1.inService, served: s1.served, abandoned: s1.abandoned, avgWaitMs: s1.avgWaitMs },
      { queID: q.queID, name: 'Figures', prio: 3, agents: 1, waiting: 2, inService: 0, served: 0, abandoned: 0, avgWaitMs: null },
    );
    assert.ok(s1.longestWaitMs >= 0);
    const offered = await agent.nextCustomer();
    assert.equal(offered.userID, first.id);
    await agent.acceptCustomer(q.queID, first.id);
    await second.leaveQueue();
    const s2 = (await call('GET', `/v1/queues/${q.queID}/stats`)).body.stats as QueueStats;
    assert.equal(s2.waiting, 0);
    assert.equal(s2.inService, 1);
    assert.equal(s2.served, 1);
    assert.equal(s2.abandoned, 1);
    assert.equal(typeof s2.avgWaitMs, 'number');
    assert.equal(s2.longestWaitMs, 0);
  });
});

describe('deleting a queue ends its waiting and its service', () => {
  it('tells waiting customers queue.left (removed), the offered agent queue.unassigned, every agent queue.unserved', async () => {
    const q = await createQueue({ name: 'Closing' });
    const other = await createQueue({ name: 'Still open' });
    const offeredAgent = await user('agent');
    const manualAgent = await user('agent');
    const offeredCustomer = await user('cust');
    const waitingCustomer = await user('cust');
    const [ai, mi, oi, wi] = [offeredAgent, manualAgent, offeredCustomer, waitingCustomer].map((c) => inbox(c));
    await manualAgent.setDnd(true);
    await manualAgent.serveQueue(q.queID);
    await manualAgent.serveQueue(other.queID);
    await offeredAgent.serveQueue(q.queID);
    await offeredCustomer.joinQueue(q.queID);
    const offer = await ai!.take('queue.assigned');
    assert.equal(offer.user.userID, offeredCustomer.id);
    await waitingCustomer.joinQueue(q.queID);

    const r = await call('DELETE', `/v1/queues/${q.queID}`);
    assert.equal(r.status, 200);

    assert.deepEqual(await oi!.take('queue.left'), { queID: q.queID, reason: 'removed', agent: null });
    assert.deepEqual(await wi!.take('queue.left'), { queID: q.queID, reason: 'removed', agent: null });
    assert.deepEqual(await ai!.take('queue.unassigned'), { queID: q.queID, userID: offeredCustomer.id, reason: 'removed' });
    assert.deepEqual(await ai!.take('queue.unserved'), { queID: q.queID, reason: 'removed' });
    assert.deepEqual(await mi!.take('queue.unserved'), { queID: q.queID, reason: 'removed' });

    // Nobody is left in it: the customers may queue elsewhere, the agents serve what remains.
    assert.equal((await offeredCustomer.myQueues()).queuing, null);
    assert.equal((await waitingCustomer.joinQueue(other.queID)).queID, other.queID);
    assert.deepEqual((await offeredAgent.myQueues()).serving, []);
    assert.deepEqual((await manualAgent.myQueues()).serving.map((s) => s.queID), [other.queID]);
    refused(await call('GET', `/v1/queues/${q.queID}/stats`), 404, 'QUE_ID_INVALID', /no queue/);
  });
});

describe('queues survive a restart', () => {
  it('keeps created and changed queues, and forgets deleted ones', async () => {
    const kept = await createQueue({ name: 'Durable', desc: 'stays', prio: 2 });
    const changed = await createQueue({ name: 'Renamed later' });
    const deleted = await createQueue({ name: 'Deleted' });
    assert.equal((await call('PATCH', `/v1/queues/${changed.queID}`, { body: { name: 'Renamed', prio: 9 } })).status, 200);
    assert.equal((await call('DELETE', `/v1/queues/${deleted.queID}`)).status, 200);
    const before = await listQueues();
    await ts.restart();
    const after = await listQueues();
    assert.deepEqual(after, before);
    assert.deepEqual(after.find((q) => q.queID === kept.queID), kept);
    assert.deepEqual(after.find((q) => q.queID === changed.queID), { queID: changed.queID, name: 'Renamed', desc: '', prio: 9 });
    assert.equal(after.some((q) => q.queID === deleted.queID), false);
    // A customer can queue in a kept queue after the restart.
    const customer = await user('cust');
    assert.equal((await customer.joinQueue(kept.queID)).position, 1);
  });
});

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/callroom.js queue ...` against the test server, signing with its keys unless told otherwise. */
function cli(args: string[], opts: { keys?: boolean; url?: string } = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, CALLROOM_URL: opts.url ?? ts.url };
  delete env.CALLROOM_API_KEY;
  delete env.CALLROOM_API_SECRET;
  if (opts.keys !== false) Object.assign(env, { CALLROOM_API_KEY: API.apiKey, CALLROOM_API_SECRET: API.apiSecret });
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/callroom.js', 'queue', ...args], { env, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('callroom queue (the CLI, against a running server)', () => {
  it('adds, lists (table and JSON) and removes a queue', async () => {
    const added = await cli(['add', '--name', 'CLI desk', '--desc', 'made by the CLI', '--prio=-3', '--json']);
    assert.equal(added.code, 0, added.stderr);
    const q = JSON.parse(added.stdout) as QueueInfo;
    assert.deepEqual({ name: q.name, desc: q.desc, prio: q.prio }, { name: 'CLI desk', desc: 'made by the CLI', prio: -3 });
    assert.deepEqual((await listQueues()).find((x) => x.queID === q.queID), q, 'the server has it');

    const withID = await cli(['add', '--id', String(q.queID + 50), '--name', 'Numbered']);
    assert.equal(withID.code, 0, withID.stderr);
    assert.match(withID.stdout, new RegExp(`created queue ${q.queID + 50} "Numbered" \\(prio 0\\)`));

    const table = await cli(['list']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID\s+PRIO\s+NAME\s+DESC$/);
    assert.ok(lines.some((l) => new RegExp(`^${q.queID}\\s+-3\\s+CLI desk\\s+made by the CLI$`).test(l)), table.stdout);
    assert.ok(lines.some((l) => new RegExp(`^${q.queID + 50}\\s+0\\s+Numbered$`).test(l)), table.stdout);

    const json = await cli(['list', '--json']);
    assert.deepEqual(JSON.parse(json.stdout), await listQueues());

    const rm = await cli(['rm', String(q.queID)]);
    assert.equal(rm.code, 0, rm.stderr);
    assert.match(rm.stdout, new RegExp(`deleted queue ${q.queID}`));
    assert.equal((await listQueues()).some((x) => x.queID === q.queID), false);
  });

  it("passes on the server's refusals: an ID in use, a missing queue, a bad value", async () => {
    const q = await createQueue({ name: 'Taken' });
    const dup = await cli(['add', '--id', String(q.queID), '--name', 'Again']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, new RegExp(`queue ${q.queID} exists: change it with PATCH`));
    const missing = await cli(['rm', String(q.queID + 1000)]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`no queue ${q.queID + 1000}`));
    const long = await cli(['add', '--name', 'x'.repeat(200)]);
    assert.equal(long.code, 1);
    assert.match(long.stderr, /name: /);
  });

  it('says what to do when the usage is wrong, the token is not an admin one, or the server is not there', async () => {
    const noName = await cli(['add', '--prio', '1']);
    assert.equal(noName.code, 2);
    assert.match(noName.stderr, /add needs --name/);
    const badPrio = await cli(['add', '--name', 'x', '--prio', 'high']);
    assert.equal(badPrio.code, 2);
    assert.match(badPrio.stderr, /--prio must be a whole number/);
    const unknown = await cli(['purge']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown queue command "purge": use add, list or rm/);
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /callroom queue <command>/);

    const noKeys = await cli(['list'], { keys: false });
    assert.equal(noKeys.code, 2);
    assert.match(noKeys.stderr, /no API secret.*CALLROOM_API_SECRET.*--token/);
    const notAdmin = await cli(['list', '--token', await ts.token('someone')]);
    assert.equal(notAdmin.code, 1);
    assert.match(notAdmin.stderr, /not an admin token.*callroom token --admin/);
    const wrongKeys = await cli(['list', '--api-secret', 'some-other-secret-0123456789abcdef012345']);
    assert.equal(wrongKeys.code, 1);
    assert.match(wrongKeys.stderr, /refused the token.*CALLROOM_API_SECRET/);
    const withToken = await cli(['list', '--json', '--token', adminToken], { keys: false });
    assert.equal(withToken.code, 0, withToken.stderr);

    const closed = `http://127.0.0.1:${await freePort()}`;
    const down = await cli(['list'], { url: closed });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach the server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\).*callroom serve.*--url/);
  });
});
