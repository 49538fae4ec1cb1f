/** The bench's verdicts (correctness and the issue's targets) and its readable summary. */
import type { Percentiles } from './histogram.js';
import type { Machine } from './machine.js';
import type { ClusterSummary } from './cluster.js';
import type { QueueSummary } from './queue-scenario.js';
import type { CallsSummary, OpenSummary, ScaleSummary } from './scenarios.js';

export interface Target {
  name: string;
  want: string;
  got: string;
  met: boolean;
}

export interface BenchReport {
  machine: Machine;
  settings: Record<string, unknown>;
  cycle: CallsSummary | null;
  ceiling: (CallsSummary & { callroomRatio: number | null }) | null;
  open: OpenSummary | null;
  scale: ScaleSummary | null;
  cluster: ClusterSummary | null;
  queue: QueueSummary | null;
  targets: Target[];
  /** Correctness failures (lost or duplicated events, errors, dropped sockets): any one fails the run. */
  failures: string[];
  ok: boolean;
}

const n = (v: number) => Math.round(v).toLocaleString('en-US');
const ms = (v: number) => `${v.toFixed(2)} ms`;

/** Correctness checks of a calls scenario: every expected event exactly once, every request answered. */
export function callsFailures(name: string, s: CallsSummary): string[] {
  const out: string[] = [];
  const e = s.events;
  if (e.lost > 0) out.push(`${name}: ${e.lost} event(s) lost of ${e.expected} expected`);
  if (e.duplicated > 0) out.push(`${name}: ${e.duplicated} event(s) duplicated`);
  if (e.seqGaps > 0) out.push(`${name}: ${e.seqGaps} gap(s) in event seq numbers`);
  if (e.unexpected > 0) out.push(`${name}: ${e.unexpected} unexpected frame(s)`);
  if (s.errors > 0) out.push(`${name}: ${s.errors} request(s) failed, e.g. ${s.errorSamples[0] ?? ''}`);
  if (s.unanswered > 0) out.push(`${name}: ${s.unanswered} request(s) never answered`);
  if (s.unexpectedCloses > 0) out.push(`${name}: ${s.unexpectedCloses} socket(s) closed by the server during the run`);
  if (s.cycles === 0) out.push(`${name}: no call cycle completed in the measured window`);
  return out;
}

export function scaleFailures(s: ScaleSummary): string[] {
  const out: string[] = [];
  if (s.failed > 0) out.push(`scale: ${s.failed} login(s) failed, e.g. ${s.failSamples[0] ?? ''}`);
  if (s.unexpectedCloses > 0) out.push(`scale: ${s.unexpectedCloses} idle socket(s) closed by the server`);
  if (s.serverSessions !== null && s.serverSessions < s.loggedIn) {
    out.push(`scale: the server reports ${s.serverSessions} sessions for ${s.loggedIn} logged-in users`);
  }
  return out;
}

export function clusterFailures(c: ClusterSummary): string[] {
  const out = callsFailures('cluster calls', c.calls);
  const h = c.hold;
  if (h.failed > 0) out.push(`cluster: ${h.failed} login(s) failed, e.g. ${h.failSamples[0] ?? ''}`);
  if (h.unexpectedCloses > 0) out.push(`cluster: ${h.unexpectedCloses} idle socket(s) closed by a node`);
  for (const n of h.nodes) {
    if (n.sessions !== null && n.sessions < n.loggedIn) out.push(`cluster: node ${n.nodeId} reports ${n.sessions} sessions for ${n.loggedIn} logged-in users`);
  }
  return out;
}

/** Correctness checks of the queue scenario: each customer offered once, to an idle agent, and served. */
export function queueFailures(q: QueueSummary): string[] {
  const out: string[] = [];
  const c = q.counts;
  const eg = (kind: string) => (q.samples[kind]?.[0] ? `; e.g. ${q.samples[kind][0]}` : '');
  if (c.customerDoubles > 0) out.push(`queue: ${c.customerDoubles} customer(s) offered to a second agent, or twice${eg('customerDoubles')}`);
  if (c.agentDoubles > 0) out.push(`queue: ${c.agentDoubles} offer(s) to an agent that still held a customer${eg('agentDoubles')}`);
  if (c.lost > 0) out.push(`queue: ${c.lost} customer(s) lost: joined, never offered to an agent, and no longer in the queue${eg('lost')}`);
  if (c.stillWaiting > 0) {
    out.push(`queue: ${c.stillWaiting} customer(s) never assigned by the end: still waiting in the queue (the server fell behind the arrivals)${eg('stillWaiting')}`);
  }
  if (c.unfinished > 0) out.push(`queue: ${c.unfinished} customer(s) offered but never served by the end${eg('unfinished')}`);
  if (c.withdrawn > 0) out.push(`queue: ${c.withdrawn} offer(s) withdrawn (queue.unassigned) though every agent accepts at once${eg('withdrawn')}`);
  if (c.duplicated > 0) out.push(`queue: ${c.duplicated} event(s) duplicated`);
  if (c.seqGaps > 0) out.push(`queue: ${c.seqGaps} gap(s) in event seq numbers`);
  if (c.unexpected > 0) out.push(`queue: ${c.unexpected} unexpected frame(s)${eg('unexpected')}`);
  if (q.errors > 0) out.push(`queue: ${q.errors} request(s) failed${eg('errors')}`);
  if (q.unanswered > 0) out.push(`queue: ${q.unanswered} request(s) never answered`);
  if (q.unexpectedCloses > 0) out.push(`queue: ${q.unexpectedCloses} socket(s) closed by the server during the run`);
  if (q.assignments === 0) out.push('queue: no customer was assigned in the measured window');
  return out;
}

export function targets(r: Pick<BenchReport, 'cycle' | 'ceiling' | 'open' | 'scale' | 'cluster' | 'queue'>): Target[] {
  const t: Target[] = [];
  if (r.cycle) {
    t.push({ name: `call cycle, ${r.cycle.pairs} pairs`, want: '≥ 12,000 cycles/s', got: `${n(r.cycle.cyclesPerSec)} cycles/s`, met: r.cycle.cyclesPerSec >= 12_000 });
  }
  if (r.ceiling?.callroomRatio != null) {
    t.push({ name: 'call cycle ÷ ceiling', want: '≥ 0.85', got: r.ceiling.callroomRatio.toFixed(2), met: r.ceiling.callroomRatio >= 0.85 });
  }
  if (r.open) {
    t.push({
      name: `p99 invite→incoming at ${n(r.open.rate)} cycles/s`,
      want: '≤ 5 ms',
      got: ms(r.open.inviteToIncomingMs.p99),
      met: r.open.inviteToIncomingMs.p99 <= 5 && r.open.skipped === 0,
    });
  }
  if (r.scale) {
    const kib = r.scale.kibPerUser;
    t.push({ name: `memory per idle user (${n(r.scale.users)})`, want: '≤ 12 KiB', got: kib === null ? 'not measured' : `${kib.toFixed(2)} KiB`, met: kib !== null && kib <= 12 });
    t.push({ name: 'login rate', want: '≥ 5,000 logins/s', got: `${n(r.scale.loginsPerSec)} logins/s`, met: r.scale.loginsPerSec >= 5_000 });
  }
  const ratio = costRatio(r);
  if (ratio !== null) {
    t.push({ name: 'cluster: cpu per call cycle', want: "≤ 2 × one node's", got: `${ratio} ×`, met: ratio <= 2 });
  }
  if (r.queue) {
    const q = r.queue;
    if (q.rate === 'max' || q.rate >= 1_000) {
      t.push({ name: `queue: assignments/s, ${q.agents} agents`, want: '≥ 1,000/s', got: `${n(q.assignmentsPerSec)}/s`, met: q.assignmentsPerSec >= 1_000 });
    }
    if (q.rate !== 'max') {
      t.push({
        name: `queue: p99 join→assigned at ${n(q.rate)}/s`,
        want: '< 20 ms',
        got: ms(q.joinToAssignedMs.p99),
        met: q.joinToAssignedMs.p99 < 20 && q.counts.skipped === 0,
      });
    }
  }
  if (r.cluster) {
    const h = r.cluster.hold;
    t.push({
      name: `cluster: idle users held, ${r.cluster.nodes} nodes`,
      want: `≥ 3 × one node's (${n(3 * h.oneNodeUsers)})`,
      got: `${n(h.loggedIn)} (${h.timesOneNode.toFixed(2)} ×)`,
      met: h.loggedIn >= 3 * h.oneNodeUsers,
    });
  }
  return t;
}

/** Cluster CPU per call cycle (nodes + Redis) over one node's, in the same run; null without both. */
export function costRatio(r: Pick<BenchReport, 'cycle' | 'cluster'>): number | null {
  const one = r.cycle?.cpuPerCycleUs.server ?? null;
  const many = r.cluster?.calls.cpuPerCycleUs.server ?? null;
  return one === null || many === null || one === 0 ? null : Math.round((many / one) * 100) / 100;
}

function pct(p: Percentiles): string {
  return `p50 ${ms(p.p50)}  p95 ${ms(p.p95)}  p99 ${ms(p.p99)}  max ${ms(p.max)}`;
}

function cpu(s: CallsSummary, serverName: string): string {
  const f = (v: number | null) => (v === null ? 'n/a' : `${Math.round(v * 100)}%`);
  const us = (v: number | null) => (v === null ? 'n/a' : `${v} µs`);
  const loader = `loader${s.loaders > 1 ? 's' : ''}`;
  const cores = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(2)} cores`);
  return (
    `  cpu: ${serverName} ${f(s.cpu.server)} of a core, ${loader} ${f(s.cpu.loaders)}, whole machine ${cores(s.cpu.machine)}; ` +
    `per cycle ${serverName} ${us(s.cpuPerCycleUs.server)} (kernel ${us(s.cpuPerCycleUs.serverKernel)}), ${loader} ${us(s.cpuPerCycleUs.loaders)}`
  );
}

function callsLines(title: string, s: CallsSummary, serverName: string): string[] {
  return [
    title,
    `  ${n(s.cyclesPerSec)} cycles/s  (${n(s.cycles)} cycles in ${s.durationS} s, after ${s.warmupS} s warm-up; ${s.pairs} pairs, ${s.loaders} loader process${s.loaders > 1 ? 'es' : ''})`,
    `  invite→incoming  ${pct(s.inviteToIncomingMs)}`,
    `  accept→accepted  ${pct(s.acceptToAcceptedMs)}`,
    `  events: ${n(s.events.expected)} expected, ${n(s.events.received)} received, ${s.events.lost} lost, ${s.events.duplicated} duplicated`,
    cpu(s, serverName),
  ];
}

export function summaryText(r: BenchReport): string {
  const m = r.machine;
  const lines = [
    'callroom bench',
    `  machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, node ${m.node}`,
    `  note: ${m.note}; load average at start ${m.loadAverage}`,
    '',
  ];
  if (r.cycle) lines.push(...callsLines('cycle — callroom, closed loop', r.cycle, 'server'), '');
  if (r.ceiling) {
    lines.push(...callsLines('ceiling — the same frames through a bare ws relay, same loader', r.ceiling, 'relay'));
    if (r.ceiling.callroomRatio !== null) lines.push(`  callroom ÷ ceiling = ${r.ceiling.callroomRatio.toFixed(2)}`);
    lines.push('');
  }
  if (r.open) {
    const o = r.open;
    lines.push(
      `open loop — ${n(o.rate)} cycles/s started on ${o.pairs} pairs`,
      `  ${n(o.cyclesPerSec)} cycles/s completed; ${o.skipped} scheduled starts found no idle pair`,
      `  invite→incoming  ${pct(o.inviteToIncomingMs)}`,
      `  accept→accepted  ${pct(o.acceptToAcceptedMs)}`,
      `  loader schedule lag  ${pct(o.scheduleLagMs)}`,
      `  events: ${n(o.events.expected)} expected, ${n(o.events.received)} received, ${o.events.lost} lost, ${o.events.duplicated} duplicated`,
      cpu(o, 'server'),
      '',
    );
  }
  if (r.scale) {
    const s = r.scale;
    const perLogin = (v: number | null) => (v === null || s.loggedIn === 0 ? 'n/a' : `${Math.round((v * 1e6) / s.loggedIn)} µs`);
    const mib = (b: number | null) => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(1)} MiB`);
    lines.push(
      `scale — ${n(s.users)} idle users, ${s.loaders} loader processes`,
      `  ${n(s.loggedIn)} logged in in ${s.seconds.toFixed(2)} s = ${n(s.loginsPerSec)} logins/s (${s.failed} failed)`,
      `  cpu meanwhile: server ${s.serverCpuSeconds ?? 'n/a'} s (${perLogin(s.serverCpuSeconds)} per login), loaders ${s.loaderCpuSeconds ?? 'n/a'} s, whole machine ${s.machineCpuSeconds ?? 'n/a'} s`,
      `  connect  ${pct(s.connectMs)}`,
      `  login    ${pct(s.loginMs)}`,
      `  server resident memory: ${r.settings.url ? 'before (a server in use: not empty)' : 'empty'} ${mib(s.serverRssEmptyBytes)}, loaded ${mib(s.serverRssLoadedBytes)}` +
        (s.kibPerUser === null ? '' : ` → ${s.kibPerUser.toFixed(2)} KiB per logged-in user`),
      '',
    );
  }
  if (r.cluster) {
    const c = r.cluster;
    const h = c.hold;
    const mib = (b: number | null) => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(1)} MiB`);
    const k = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(2)} KiB`);
    lines.push(
      ...callsLines(
        `cluster — ${c.nodes} nodes and redis-server ${c.redisVersion ?? ''} (${c.redisPersistence}) on this machine; calls across nodes`,
        c.calls,
        `${c.nodes} nodes + redis`,
      ),
      `  redis round trips per cycle (storage scripts, all nodes): ${c.calls.redisScriptsPerCycle ?? 'n/a'}`,
      ...(r.cycle ? [`  cpu per cycle: ${c.calls.cpuPerCycleUs.server ?? 'n/a'} µs (nodes + redis) against one node's ${r.cycle.cpuPerCycleUs.server ?? 'n/a'} µs = ${costRatio(r) ?? 'n/a'} ×`] : []),
      '',
      `cluster — ${n(h.users)} idle users over ${c.nodes} nodes, ${h.loaders} loader processes`,
      `  ${n(h.loggedIn)} logged in in ${h.seconds.toFixed(2)} s = ${n(h.loginsPerSec)} logins/s (${h.failed} failed)`,
      `  connect  ${pct(h.connectMs)}`,
      `  login    ${pct(h.loginMs)}`,
      ...h.nodes.map(
        (x) => `  node ${x.nodeId}: ${n(x.loggedIn)} users (${x.sessions ?? 'n/a'} sessions), resident memory empty ${mib(x.rssEmptyBytes)}, loaded ${mib(x.rssLoadedBytes)} → ${k(x.kibPerUser)} per user`,
      ),
      `  redis: resident memory empty ${mib(h.redisRssEmptyBytes)}, loaded ${mib(h.redisRssLoadedBytes)} → ${k(h.redisKibPerUser)} per user`,
      `  per user: nodes ${k(h.nodesKibPerUser)} + redis ${k(h.redisKibPerUser)} = ${k(h.totalKibPerUser)}`,
      `  cpu meanwhile: nodes ${h.nodesCpuSeconds ?? 'n/a'} s, redis ${h.redisCpuSeconds ?? 'n/a'} s, loaders ${h.loaderCpuSeconds ?? 'n/a'} s, whole machine ${h.machineCpuSeconds ?? 'n/a'} s`,
      `  held ${n(h.loggedIn)} = ${h.timesOneNode.toFixed(2)} × one node's ${n(h.oneNodeUsers)} (${h.oneNodeFrom})`,
      '',
    );
  }
  if (r.queue) lines.push(...queueLines(r.queue), '');
  if (r.targets.length > 0) {
    lines.push('targets (loader and server on the same machine)');
    for (const t of r.targets) lines.push(`  ${t.met ? 'met   ' : 'MISSED'}  ${t.name.padEnd(40)} ${t.want.padEnd(18)} ${t.got}`);
    lines.push('');
  }
  if (r.ok) lines.push(`result: OK — no event lost or duplicated, every request answered${r.queue ? '; every customer offered once, to a free agent, and served' : ''}`);
  else lines.push('result: FAILED', ...r.failures.map((f) => `  ${f}`));
  return lines.join('\n');
}

function queueLines(q: QueueSummary): string[] {
  const c = q.counts;
  const f = (v: number | null) => (v === null ? 'n/a' : `${Math.round(v * 100)}%`);
  const us = (v: number | null) => (v === null ? 'n/a' : `${v} µs`);
  const arrivals = q.rate === 'max' ? 'every customer rejoining as soon as served' : `${n(q.rate)} customers/s arriving`;
  return [
    `queue — ${q.agents} agents (DND off), ${n(q.customers)} customers, ${arrivals}; handling ${q.handleMs} ms; the agent calls the customer and hangs up`,
    `  ${n(q.assignmentsPerSec)} assignments/s  (${n(q.assignments)} in ${q.durationS} s, after ${q.warmupS} s warm-up)`,
    `  join→assigned  ${pct(q.joinToAssignedMs)}`,
    `  join→response  ${pct(q.joinResponseMs)}`,
    ...(q.rate === 'max' ? [] : [`  loader schedule lag  ${pct(q.scheduleLagMs)}; ${c.skipped} arrivals found no free customer`]),
    `  customers: ${n(c.joined)} joined, ${n(c.assigned)} offered, ${n(c.served)} served; ${c.lost} lost, ${c.stillWaiting} still waiting, ${c.unfinished} unfinished, ` +
      `${c.customerDoubles} offered twice, ${c.agentDoubles} offers to a busy agent, ${c.withdrawn} withdrawn`,
    `  fan-out: ${n(c.statusEvents)} queue.status to agents, ${n(c.positionEvents)} queue.position to customers` +
      (c.assigned > 0 ? ` (${(c.statusEvents / c.assigned).toFixed(1)} and ${(c.positionEvents / c.assigned).toFixed(1)} per assignment)` : ''),
    `  cpu: server ${f(q.cpu.server)} of a core, loader ${f(q.cpu.loader)}, whole machine ${q.cpu.machine === null ? 'n/a' : `${q.cpu.machine.toFixed(2)} cores`}; ` +
      `per assignment server ${us(q.cpuPerAssignmentUs.server)}, loader ${us(q.cpuPerAssignmentUs.loader)}`,
  ];
}
