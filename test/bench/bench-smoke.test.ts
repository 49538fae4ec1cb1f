/**
 * The benchmark itself, in miniature: every scenario with tiny settings against its own server
 * and relay processes (the queue scenario: no customer offered twice, none lost). It checks that the bench runs, loses and duplicates no event, answers
 * every request and reports what docs/performance.md describes; it asserts no timing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QueueCounts } from '../../bench/ipc.js';

/** dist/test/bench → the package root. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const RUN = join(ROOT, 'dist/bench/run.js');

function bench(args: string[], timeoutMs = 150_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [RUN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`bench did not finish within ${timeoutMs / 1000} s; stderr:\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

interface Counts {
  expected: number;
  received: number;
  lost: number;
  duplicated: number;
  seqGaps: number;
  unexpected: number;
}
interface Calls {
  cycles: number;
  cyclesPerSec: number;
  inviteToIncomingMs: { p50: number; p95: number; p99: number; count: number };
  acceptToAcceptedMs: { p50: number; p95: number; p99: number; count: number };
  events: Counts;
  errors: number;
  unanswered: number;
  cpu: { server: number | null };
}

function assertCalls(name: string, s: Calls | null): void {
  assert.ok(s, `${name} ran`);
  assert.ok(s.cycles > 0, `${name}: cycles completed`);
  assert.ok(s.cyclesPerSec > 0, `${name}: cycles per second reported`);
  for (const k of ['p50', 'p95', 'p99'] as const) {
    assert.equal(typeof s.inviteToIncomingMs[k], 'number', `${name}: invite→incoming ${k}`);
    assert.equal(typeof s.acceptToAcceptedMs[k], 'number', `${name}: accept→accepted ${k}`);
  }
  assert.ok(s.inviteToIncomingMs.count > 0, `${name}: latencies recorded`);
  assert.ok(s.events.expected > 0, `${name}: events expected`);
  assert.equal(s.events.received, s.events.expected, `${name}: every expected event received`);
  assert.equal(s.events.lost, 0, `${name}: no event lost`);
  assert.equal(s.events.duplicated, 0, `${name}: no event duplicated`);
  assert.equal(s.events.seqGaps, 0, `${name}: no gap in seq`);
  assert.equal(s.events.unexpected, 0, `${name}: no unexpected frame`);
  assert.equal(s.errors, 0, `${name}: no request failed`);
  assert.equal(s.unanswered, 0, `${name}: every request answered`);
}

test('bench: every scenario with tiny settings exits 0 and loses or duplicates no event', { timeout: 180_000 }, async () => {
  const r = await bench(['--pairs', '5', '--duration', '2', '--warmup', '0.5', '--rate', '200', '--users', '200', '--json']);
  assert.equal(r.code, 0, `exit code; stderr:\n${r.stderr}`);
  const report = JSON.parse(r.stdout) as {
    ok: boolean;
    failures: string[];
    machine: { cpu: string; cores: number; memoryGiB: number; node: string; note: string };
    cycle: Calls | null;
    ceiling: (Calls & { callroomRatio: number | null }) | null;
    open: (Calls & { rate: number; skipped: number; scheduleLagMs: { p99: number } }) | null;
    scale: { users: number; loggedIn: number; failed: number; loginsPerSec: number; serverRssEmptyBytes: number | null; kibPerUser: number | null } | null;
    targets: { name: string; want: string; got: string; met: boolean }[];
  };
  assert.equal(report.ok, true, `no failures: ${report.failures.join('; ')}`);
  assert.deepEqual(report.failures, []);
  assert.ok(report.machine.cpu && report.machine.cores > 0 && report.machine.node.startsWith('v'), 'machine described');
  assert.match(report.machine.note, /share/, 'says that loader and server share the machine');
  assertCalls('cycle', report.cycle);
  assertCalls('ceiling', report.ceiling);
  assertCalls('open', report.open);
  assert.equal(typeof report.ceiling!.callroomRatio, 'number', 'callroom ÷ ceiling reported');
  assert.equal(report.open!.rate, 200);
  assert.equal(typeof report.open!.scheduleLagMs.p99, 'number');
  assert.ok(report.scale, 'scale ran');
  assert.equal(report.scale.users, 200);
  assert.equal(report.scale.loggedIn, 200, 'every user logged in');
  assert.equal(report.scale.failed, 0);
  assert.ok(report.scale.loginsPerSec > 0, 'login rate reported');
  if (process.platform === 'linux') assert.equal(typeof report.scale.kibPerUser, 'number', 'memory per user measured');
  assert.deepEqual(
    report.targets.map((t) => t.name.split(' ')[0]),
    ['call', 'call', 'p99', 'memory', 'login'],
    'the five targets of issue 5 are reported',
  );
  assert.match(r.stderr, /cycle: .*cycles\/s/, 'progress on stderr');
  assert.equal((report as { cluster?: unknown }).cluster, null, 'the cluster scenario is not part of "all"');
});

test('bench: the cluster scenario (Redis and three nodes) with tiny settings exits 0, loses or duplicates no event, holds every user', { timeout: 180_000 }, async () => {
  const r = await bench(['--scenario', 'cluster', '--pairs', '3', '--duration', '2', '--warmup', '0.5', '--cluster-users', '150', '--json']);
  assert.equal(r.code, 0, `exit code; stderr:\n${r.stderr}`);
  const report = JSON.parse(r.stdout) as {
    ok: boolean;
    failures: string[];
    settings: { clusterUsers: number; clusterLoaders: number };
    cycle: unknown;
    scale: unknown;
    cluster: {
      nodes: number;
      redisPersistence: string;
      calls: Calls & { pairs: number };
      hold: {
        users: number;
        loaders: number;
        loggedIn: number;
        failed: number;
        loginsPerSec: number;
        unexpectedCloses: number;
        nodes: { nodeId: string; loggedIn: number; sessions: number | null; rssLoadedBytes: number | null; kibPerUser: number | null }[];
        nodesKibPerUser: number | null;
        redisKibPerUser: number | null;
        totalKibPerUser: number | null;
        oneNodeUsers: number;
        oneNodeFrom: string;
        timesOneNode: number;
      };
    } | null;
    targets: { name: string; want: string; got: string; met: boolean }[];
  };
  assert.equal(report.ok, true, `no failures: ${report.failures.join('; ')}`);
  assert.deepEqual(report.failures, []);
  assert.equal(report.cycle, null, 'only the cluster scenario ran');
  assert.equal(report.scale, null);
  const c = report.cluster;
  assert.ok(c, 'cluster ran');
  assert.equal(c.nodes, 3);
  assert.match(c.redisPersistence, /appendonly yes, appendfsync everysec/);
  assertCalls('cluster calls', c.calls);
  assert.equal(c.calls.pairs, 3);
  const h = c.hold;
  assert.equal(h.users, 150);
  assert.equal(report.settings.clusterUsers, 150);
  assert.equal(h.loaders % 3, 0, 'loader processes a multiple of the nodes');
  assert.equal(h.loggedIn, 150, 'every user logged in');
  assert.equal(h.failed, 0);
  assert.equal(h.unexpectedCloses, 0);
  assert.ok(h.loginsPerSec > 0, 'login rate reported');
  assert.deepEqual(h.nodes.map((n) => n.nodeId), ['n1', 'n2', 'n3']);
  for (const n of h.nodes) {
    assert.equal(n.loggedIn, 50, `node ${n.nodeId} holds a third`);
    assert.equal(n.sessions, 50, `node ${n.nodeId} reports its sessions`);
    if (process.platform === 'linux') assert.equal(typeof n.rssLoadedBytes, 'number', `node ${n.nodeId} memory read`);
  }
  for (const k of ['nodesKibPerUser', 'redisKibPerUser', 'totalKibPerUser'] as const) assert.ok(k in h, `${k} reported`);
  assert.equal(h.oneNodeFrom, '--users setting', 'compared with the --users setting when scale did not run');
  assert.equal(typeof h.timesOneNode, 'number');
  assert.ok(report.targets.some((t) => t.name.startsWith('cluster: idle users held')), 'the cluster target of issue 6 is reported');
  assert.match(r.stderr, /cluster calls: .*cycles\/s/, 'progress on stderr');
  assert.match(r.stderr, /node n3: 50 users/, 'readable summary per node');
});

interface QueueReport {
  ok: boolean;
  failures: string[];
  cycle: unknown;
  queue: {
    agents: number;
    customers: number;
    rate: number | 'max';
    assignments: number;
    assignmentsPerSec: number;
    joinToAssignedMs: { p50: number; p99: number; max: number; count: number };
    /** As the loaders count them (bench/ipc.ts): one definition for the bench and this test. */
    counts: QueueCounts;
    errors: number;
    unanswered: number;
  } | null;
  targets: { name: string }[];
}

function assertQueue(report: QueueReport, stderr: string): NonNullable<QueueReport['queue']> {
  assert.equal(report.ok, true, `no failures: ${report.failures.join('; ')}`);
  assert.equal(report.cycle, null, 'only the queue scenario ran');
  const q = report.queue;
  assert.ok(q, 'queue ran');
  const c = q.counts;
  assert.ok(c.joined > 0, 'customers joined');
  assert.equal(c.assigned, c.joined, 'every arrival offered to an agent');
  assert.equal(c.served, c.joined, 'every arrival served');
  assert.equal(c.lost, 0, 'no customer lost');
  assert.equal(c.stillWaiting, 0, 'no customer still waiting at the end');
  assert.equal(c.unfinished, 0, 'no service left unfinished');
  assert.equal(c.customerDoubles, 0, 'no customer offered twice');
  assert.equal(c.agentDoubles, 0, 'no agent offered a customer while holding one');
  assert.equal(c.withdrawn, 0, 'no offer withdrawn');
  assert.equal(c.unexpected + c.duplicated + c.seqGaps, 0, 'no unexpected, duplicated or missing event');
  assert.equal(q.errors, 0, 'no request failed');
  assert.equal(q.unanswered, 0, 'every request answered');
  assert.ok(q.assignments > 0 && q.assignmentsPerSec > 0, 'assignments per second reported');
  assert.ok(q.joinToAssignedMs.count > 0, 'join→assigned latencies recorded');
  assert.ok(q.joinToAssignedMs.p50 <= q.joinToAssignedMs.p99 && q.joinToAssignedMs.p99 <= q.joinToAssignedMs.max, 'percentiles in order');
  assert.ok(c.statusEvents > 0, 'agents heard the queue status');
  assert.match(stderr, /queue: .*assignments\/s/, 'progress on stderr');
  assert.match(stderr, /join→assigned +p50/, 'readable summary');
  return q;
}

test('bench: the queue scenario at a fixed rate offers every customer once, to a free agent, and serves them all', { timeout: 120_000 }, async () => {
  const r = await bench(['--scenario', 'queue', '--agents', '4', '--customers', '30', '--rate', '100', '--duration', '2', '--warmup', '0.5', '--handle-ms', '5', '--json']);
  assert.equal(r.code, 0, `exit code; stderr:\n${r.stderr}`);
  const report = JSON.parse(r.stdout) as QueueReport;
  const q = assertQueue(report, r.stderr);
  assert.equal(q.agents, 4);
  assert.equal(q.customers, 30);
  assert.equal(q.rate, 100);
  // 100/s for 2.5 s (warm-up included): each arrival takes a free customer (reused once served),
  // or, on a machine too busy to serve them in time, is counted as finding none.
  const arrivals = q.counts.joined + q.counts.skipped;
  assert.ok(arrivals >= 200, `about 250 arrivals scheduled, got ${q.counts.joined} joined + ${q.counts.skipped} with no free customer`);
  assert.ok(report.targets.some((t) => t.name.startsWith('queue: p99 join→assigned at 100/s')), 'the latency target is reported');
});

test('bench: the queue scenario with --rate max keeps every agent busy and still offers no customer twice', { timeout: 120_000 }, async () => {
  const r = await bench(['--scenario', 'queue', '--agents', '3', '--rate', 'max', '--duration', '1', '--warmup', '0.5', '--json']);
  assert.equal(r.code, 0, `exit code; stderr:\n${r.stderr}`);
  const report = JSON.parse(r.stdout) as QueueReport;
  const q = assertQueue(report, r.stderr);
  assert.equal(q.rate, 'max');
  assert.equal(q.customers, 6, 'twice the agents by default');
  assert.ok(q.counts.joined > q.customers, 'customers rejoined once served');
  assert.ok(report.targets.some((t) => t.name.startsWith('queue: assignments/s')), 'the throughput target is reported');
});

test('bench: --help explains the scenarios; a bad flag exits 2 with a message', async () => {
  const help = await bench(['--help']);
  assert.equal(help.code, 0);
  for (const word of ['cycle', 'ceiling', 'open', 'scale', 'cluster', 'queue', '--agents', '--customers', '--handle-ms', '--cluster-users', '--pairs', '--duration', '--rate', '--users', '--url', '--json']) {
    assert.ok(help.stdout.includes(word), `help mentions ${word}`);
  }
  const bad = await bench(['--pairs', 'many']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--pairs must be a whole number/);
  const unknown = await bench(['--scenario', 'warp']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown scenario "warp"/);
  const maxElsewhere = await bench(['--scenario', 'open', '--rate', 'max']);
  assert.equal(maxElsewhere.code, 2);
  assert.match(maxElsewhere.stderr, /--rate max is for the queue scenario only/);
});
