/**
 * The four scenarios, driven from the bench process: start the server (or relay), fork the
 * loader processes, hand each its share, start them together, watch progress, gather and
 * merge their results, stop everything.
 */
import { performance } from 'node:perf_hooks';
import { Histogram, type HistogramData, type Percentiles } from './histogram.js';
import type { CallsJob, CallsResult, EventCounts, Keys, ScaleResult } from './ipc.js';
import type { BenchOptions } from './options.js';
import { cpus } from 'node:os';
import { externalCallroom, Loader, machineCpu, sleep, startCallroom, startRelay, type Probe, type Service } from './procs.js';

const SETUP_TIMEOUT_MS = 120_000;
const DRAIN_MS = 5_000;
/** After the scale logins, let the server settle before reading its memory. */
const SCALE_SETTLE_MS = 3_000;

/** The login figures of a scale-like run, from each loader's result. */
export function loginFigures(rs: ScaleResult[], loggedIn: number, seconds: number) {
  return {
    loggedIn,
    failed: rs.reduce((n, r) => n + r.failed, 0),
    failSamples: rs.flatMap((r) => r.failSamples).slice(0, 5),
    seconds: Math.round(seconds * 1000) / 1000,
    loginsPerSec: seconds > 0 ? Math.round(loggedIn / seconds) : 0,
    connectMs: merge(rs.map((r) => r.connectMs)),
    loginMs: merge(rs.map((r) => r.loginMs)),
  };
}

export interface CallsSummary {
  target: 'callroom' | 'relay';
  loop: 'closed' | 'open';
  pairs: number;
  loaders: number;
  durationS: number;
  warmupS: number;
  /** Cycles completed inside the measured window, and per second. */
  cycles: number;
  cyclesPerSec: number;
  inviteToIncomingMs: Percentiles;
  acceptToAcceptedMs: Percentiles;
  events: EventCounts;
  errors: number;
  errorSamples: string[];
  unanswered: number;
  unexpectedCloses: number;
  /**
   * CPU used during the window, in cores: the server, the loaders, and the whole machine (all
   * processes, the kernel's loopback work and whatever else runs here; at most the core count).
   */
  cpu: { server: number | null; loaders: number | null; machine: number | null };
  /**
   * CPU time per completed cycle (µs): the server's cost of one cycle, which holds still when
   * other work on the machine takes cores away and cycles per second drop.
   */
  cpuPerCycleUs: { server: number | null; serverKernel: number | null; loaders: number | null };
  /** Cluster: storage scripts run in Redis per cycle (each a round trip), all nodes together; else null. */
  redisScriptsPerCycle: number | null;
}

export interface OpenSummary extends CallsSummary {
  rate: number;
  /** Scheduled starts that found every pair busy (the server fell behind). */
  skipped: number;
  /** How late the loader sent invites against the schedule. */
  scheduleLagMs: Percentiles;
}

export interface ScaleSummary {
  users: number;
  loaders: number;
  loggedIn: number;
  failed: number;
  failSamples: string[];
  seconds: number;
  loginsPerSec: number;
  /** Per user: WebSocket connect (TCP + upgrade), then login request → response. */
  connectMs: Percentiles;
  loginMs: Percentiles;
  /** Resident memory of the server before the logins (empty, unless --url) and after them. */
  serverRssEmptyBytes: number | null;
  serverRssLoadedBytes: number | null;
  bytesPerUser: number | null;
  kibPerUser: number | null;
  /** Sessions the server reports (/healthz) once all are logged in. */
  serverSessions: number | null;
  /** CPU seconds spent while the users logged in: the server, the loaders, the whole machine (all cores). */
  serverCpuSeconds: number | null;
  loaderCpuSeconds: number | null;
  machineCpuSeconds: number | null;
  unexpectedCloses: number;
}

export interface Context {
  opts: BenchOptions;
  keys: Keys;
  runID: string;
  say(line: string): void;
}

export function merge(parts: HistogramData[]): Percentiles {
  const h = new Histogram();
  for (const p of parts) h.merge(p);
  return h.percentiles();
}

export async function cpuOf(probes: Probe[]): Promise<number | null> {
  let sum = 0;
  for (const p of probes) {
    const v = await p.cpuSeconds();
    if (v === null) return null;
    sum += v;
  }
  return sum;
}

export const round2 = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
export const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : round2(b - a));

const perCycle = (a: number | null, b: number | null, cycles: number) =>
  a === null || b === null || cycles === 0 ? null : Math.round(((b - a) * 1e6) / cycles);

/** Busy CPU seconds of the whole machine between two machineCpu() readings. */
export function machineSeconds(a: ReturnType<typeof machineCpu>, b: ReturnType<typeof machineCpu>): number | null {
  if (!a || !b || b.total === a.total) return null;
  const elapsedS = (b.total - a.total) / cpus().length / 100;
  return ((b.busy - a.busy) / (b.total - a.total)) * cpus().length * elapsedS;
}

export const share = (total: number, parts: number, i: number) => Math.floor(total / parts) + (i < total % parts ? 1 : 0);

function startService(ctx: Context, target: 'callroom' | 'relay'): Promise<Service> {
  if (target === 'relay') return startRelay({ cpuProfDir: ctx.opts.cpuProf });
  if (ctx.opts.url) return Promise.resolve(externalCallroom(ctx.opts.url));
  return startCallroom({ ...ctx.keys, cpuProfDir: ctx.opts.cpuProf });
}

/** Cycle, ceiling and open loop. */
export async function runCalls(
  ctx: Context,
  name: string,
  target: 'callroom' | 'relay',
  loop: 'closed' | 'open',
  /** Cluster: the nodes (started and stopped by the caller) and a probe over all of them. */
  on?: { svc: Service; nodeUrls: string[]; redisScripts?: () => Promise<number | null> },
): Promise<CallsSummary | OpenSummary> {
  const { opts } = ctx;
  const svc = on ? on.svc : await startService(ctx, target);
  const loaders = Array.from({ length: opts.loaders }, (_, i) => new Loader(i));
  try {
    let firstPair = 0;
    loaders.forEach((l, i) => {
      const pairs = share(opts.pairs, loaders.length, i);
      const job: CallsJob = {
        kind: 'calls',
        target,
        url: svc.wsUrl,
        nodeUrls: on?.nodeUrls ?? null,
        keys: ctx.keys,
        runID: `${ctx.runID}${name[0]}`,
        firstPair,
        pairs,
        loop: loop === 'closed' ? { type: 'closed' } : { type: 'open', rate: opts.rate / loaders.length },
        warmupMs: opts.warmupS * 1000,
        durationMs: opts.durationS * 1000,
        drainMs: DRAIN_MS,
      };
      firstPair += pairs;
      l.send({ type: 'job', job });
    });
    await Promise.all(loaders.map((l) => l.next('ready', SETUP_TIMEOUT_MS)));
    ctx.say(`${name}: ${opts.pairs} pairs connected${target === 'callroom' ? ' and logged in' : ''}; ${opts.warmupS} s warm-up, then ${opts.durationS} s measured`);

    const results = Promise.all(loaders.map((l) => l.next('calls-result', (opts.warmupS + opts.durationS) * 1000 + DRAIN_MS + 30_000)));
    const t0 = performance.now();
    for (const l of loaders) l.send({ type: 'go' });
    // CPU over the measured window only.
    const loaderProbes = loaders.map((l) => l.probe);
    await sleep(opts.warmupS * 1000);
    const [s0, k0, l0, m0] = [await svc.probe.cpuSeconds(), await svc.probe.kernelSeconds(), await cpuOf(loaderProbes), machineCpu()];
    const r0 = (await on?.redisScripts?.()) ?? null;
    let lastDone = 0;
    let lastAt = performance.now();
    const ticker = setInterval(() => {
      const done = loaders.reduce((n, l) => n + l.done, 0);
      const now = performance.now();
      const rate = ((done - lastDone) * 1000) / (now - lastAt);
      [lastDone, lastAt] = [done, now];
      const at = (now - t0) / 1000;
      const phase = at < opts.warmupS ? 'warm-up' : at <= opts.warmupS + opts.durationS ? 'measuring' : 'draining';
      ctx.say(`${name}: ${at.toFixed(1)} s (${phase})  ${Math.round(rate).toLocaleString('en-US')} cycles/s`);
    }, 1000);
    await sleep(opts.durationS * 1000);
    const [s1, k1, l1, m1] = [await svc.probe.cpuSeconds(), await svc.probe.kernelSeconds(), await cpuOf(loaderProbes), machineCpu()];
    const r1 = (await on?.redisScripts?.()) ?? null;
    let rs: CallsResult[];
    try {
      rs = await results;
    } finally {
      clearInterval(ticker);
    }
    for (const l of loaders) l.send({ type: 'close' });
    const closed = await Promise.all(loaders.map((l) => l.next('closed', 30_000)));
    const frac = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.round(((b - a) / opts.durationS) * 100) / 100);
    const sum = (f: (r: CallsResult) => number) => rs.reduce((n, r) => n + f(r), 0);
    const cycles = sum((r) => r.cyclesInWindow);
    const events: EventCounts = { expected: 0, received: 0, lost: 0, duplicated: 0, seqGaps: 0, unexpected: 0 };
    for (const r of rs) for (const k of Object.keys(events) as (keyof EventCounts)[]) events[k] += r.events[k];
    const summary: CallsSummary = {
      target,
      loop,
      pairs: opts.pairs,
      loaders: loaders.length,
      durationS: opts.durationS,
      warmupS: opts.warmupS,
      cycles,
      cyclesPerSec: Math.round(cycles / opts.durationS),
      inviteToIncomingMs: merge(rs.map((r) => r.inviteToIncoming)),
      acceptToAcceptedMs: merge(rs.map((r) => r.acceptToAccepted)),
      events,
      errors: sum((r) => r.errors),
      errorSamples: rs.flatMap((r) => r.errorSamples).slice(0, 5),
      unanswered: sum((r) => r.unanswered),
      unexpectedCloses: closed.reduce((n, c) => n + c.unexpectedCloses, 0),
      cpu: { server: frac(s0, s1), loaders: frac(l0, l1), machine: frac(0, machineSeconds(m0, m1)) },
      cpuPerCycleUs: { server: perCycle(s0, s1, cycles), serverKernel: perCycle(k0, k1, cycles), loaders: perCycle(l0, l1, cycles) },
      redisScriptsPerCycle: r0 === null || r1 === null || cycles === 0 ? null : Math.round(((r1 - r0) / cycles) * 100) / 100,
    };
    if (loop === 'closed') return summary;
    return { ...summary, rate: opts.rate, skipped: sum((r) => r.skipped), scheduleLagMs: merge(rs.map((r) => r.scheduleLag)) };
  } finally {
    await Promise.all(loaders.map((l) => l.stop()));
    if (!on) await svc.stop();
  }
}

export async function healthSessions(httpBase: string | null): Promise<number | null> {
  if (!httpBase) return null;
  try {
    const body = (await (await fetch(`${httpBase}/healthz`)).json()) as { sessions?: number };
    return typeof body.sessions === 'number' ? body.sessions : null;
  } catch {
    return null;
  }
}

/** N idle logged-in users on one server process. */
export async function runScale(ctx: Context): Promise<ScaleSummary> {
  const { opts } = ctx;
  const svc = await startService(ctx, 'callroom');
  const loaders = Array.from({ length: opts.scaleLoaders }, (_, i) => new Loader(i));
  try {
    await sleep(1000);
    const rssEmpty = await svc.probe.rss();
    const loopback = /^wss?:\/\/(127\.|localhost)/.test(svc.wsUrl) && process.platform === 'linux';
    let firstUser = 0;
    loaders.forEach((l, i) => {
      const users = share(opts.users, loaders.length, i);
      l.send({
        type: 'job',
        job: {
          kind: 'scale',
          url: svc.wsUrl,
          keys: ctx.keys,
          runID: `${ctx.runID}s`,
          firstUser,
          users,
          concurrency: opts.concurrency,
          // Each loader its own loopback source address: its own range of ephemeral ports.
          localAddress: loopback ? `127.0.0.${10 + i}` : null,
        },
      });
      firstUser += users;
    });
    ctx.say(`scale: minting ${opts.users.toLocaleString('en-US')} tokens in ${loaders.length} loader processes`);
    await Promise.all(loaders.map((l) => l.next('ready', SETUP_TIMEOUT_MS)));
    const loaderProbes = loaders.map((l) => l.probe);
    const [cpu0, l0, m0] = [await svc.probe.cpuSeconds(), await cpuOf(loaderProbes), machineCpu()];
    const results = Promise.all(loaders.map((l) => l.next('scale-result', SETUP_TIMEOUT_MS)));
    const t0 = performance.now();
    for (const l of loaders) l.send({ type: 'go' });
    const ticker = setInterval(() => {
      const done = loaders.reduce((n, l) => n + l.done, 0);
      const s = (performance.now() - t0) / 1000;
      ctx.say(`scale: ${done.toLocaleString('en-US')} / ${opts.users.toLocaleString('en-US')} logged in after ${s.toFixed(1)} s`);
    }, 1000);
    let rs: ScaleResult[];
    try {
      rs = await results;
    } finally {
      clearInterval(ticker);
    }
    const [cpu1, l1, m1] = [await svc.probe.cpuSeconds(), await cpuOf(loaderProbes), machineCpu()];
    const loggedIn = rs.reduce((n, r) => n + r.loggedIn, 0);
    const seconds = (Math.max(...rs.map((r) => r.lastDone)) - Math.min(...rs.map((r) => r.firstStart))) / 1000;
    ctx.say(`scale: ${loggedIn.toLocaleString('en-US')} logged in; letting the server settle ${SCALE_SETTLE_MS / 1000} s before reading its memory`);
    await sleep(SCALE_SETTLE_MS);
    const rssLoaded = await svc.probe.rss();
    const serverSessions = await healthSessions(svc.httpBase);
    for (const l of loaders) l.send({ type: 'close' });
    const closed = await Promise.all(loaders.map((l) => l.next('closed', 60_000)));
    // Against a server already in use (--url) the "empty" figure is whatever it held before;
    // a drop (its garbage collected meanwhile) says nothing per user.
    const delta = rssEmpty !== null && rssLoaded !== null && loggedIn > 0 ? Math.round((rssLoaded - rssEmpty) / loggedIn) : null;
    const perUser = delta !== null && delta > 0 ? delta : null;
    return {
      users: opts.users,
      loaders: loaders.length,
      ...loginFigures(rs, loggedIn, seconds),
      serverRssEmptyBytes: rssEmpty,
      serverRssLoadedBytes: rssLoaded,
      bytesPerUser: perUser,
      kibPerUser: perUser === null ? null : Math.round((perUser / 1024) * 100) / 100,
      serverSessions,
      serverCpuSeconds: diff(cpu0, cpu1),
      loaderCpuSeconds: diff(l0, l1),
      machineCpuSeconds: round2(machineSeconds(m0, m1)),
      unexpectedCloses: closed.reduce((n, c) => n + c.unexpectedCloses, 0),
    };
  } finally {
    await Promise.all(loaders.map((l) => l.stop()));
    await svc.stop();
  }
}
