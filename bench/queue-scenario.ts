/**
 * The queue scenario, driven from the bench process: a fresh server whose data folder already
 * holds the bench's queue (queue-seed.ts), one loader process with every agent and customer
 * (loader/queue.ts: one clock for join → assigned), progress each second, the merged figures.
 */
import { performance } from 'node:perf_hooks';
import type { Percentiles } from './histogram.js';
import type { QueueCounts, QueueJob, QueueResult } from './ipc.js';
import { Loader, machineCpu, sleep, startCallroom } from './procs.js';
import { seedQueue } from './queue-seed.js';
import { machineSeconds, merge, type Context } from './scenarios.js';

const QUEUE_ID = 1;
const SETUP_TIMEOUT_MS = 120_000;
/** After the window: time for the customers still waiting or in service. */
const DRAIN_MS = 10_000;

export interface QueueSummary {
  agents: number;
  customers: number;
  /** Arrivals per second, or 'max' (every customer rejoins as soon as served). */
  rate: number | 'max';
  handleMs: number;
  durationS: number;
  warmupS: number;
  /** queue.assigned received inside the measured window, and per second. */
  assignments: number;
  assignmentsPerSec: number;
  joinToAssignedMs: Percentiles;
  joinResponseMs: Percentiles;
  scheduleLagMs: Percentiles;
  counts: QueueCounts;
  errors: number;
  unanswered: number;
  unexpectedCloses: number;
  samples: Record<string, string[]>;
  /** CPU over the window, in cores, and per assignment (µs). */
  cpu: { server: number | null; loader: number | null; machine: number | null };
  cpuPerAssignmentUs: { server: number | null; loader: number | null };
}

export async function runQueue(ctx: Context): Promise<QueueSummary> {
  const { opts } = ctx;
  const svc = await startCallroom({
    ...ctx.keys,
    cpuProfDir: ctx.opts.cpuProf,
    seed: (dir) => seedQueue(dir, { queID: QUEUE_ID, name: 'bench', desc: 'npm run bench -- --scenario queue', prio: 0 }),
  });
  const loader = new Loader(0);
  try {
    const job: QueueJob = {
      kind: 'queue',
      url: svc.wsUrl,
      keys: ctx.keys,
      runID: `${ctx.runID}q`,
      queID: QUEUE_ID,
      agents: opts.agents,
      customers: opts.customers,
      loop: opts.queueRate === 'max' ? { type: 'max' } : { type: 'open', rate: opts.queueRate },
      handleMs: opts.handleMs,
      warmupMs: opts.warmupS * 1000,
      durationMs: opts.durationS * 1000,
      drainMs: DRAIN_MS,
    };
    loader.send({ type: 'job', job });
    await loader.next('ready', SETUP_TIMEOUT_MS);
    const rateText = opts.queueRate === 'max' ? 'as fast as served' : `${opts.queueRate}/s`;
    ctx.say(`queue: ${opts.agents} agents serving, ${opts.customers} customers logged in, joining ${rateText}; ${opts.warmupS} s warm-up, then ${opts.durationS} s measured`);
    const result = loader.next('queue-result', (opts.warmupS + opts.durationS) * 1000 + DRAIN_MS + 30_000);
    const t0 = performance.now();
    loader.send({ type: 'go' });
    await sleep(opts.warmupS * 1000);
    const [s0, l0, m0] = [await svc.probe.cpuSeconds(), await loader.probe.cpuSeconds(), machineCpu()];
    let last = loader.done;
    const ticker = setInterval(() => {
      const at = (performance.now() - t0) / 1000;
      const phase = at < opts.warmupS ? 'warm-up' : at <= opts.warmupS + opts.durationS ? 'measuring' : 'draining';
      ctx.say(`queue: ${at.toFixed(1)} s (${phase})  ${(loader.done - last).toLocaleString('en-US')} assignments/s`);
      last = loader.done;
    }, 1000);
    let r: QueueResult;
    let end: [number | null, number | null, ReturnType<typeof machineCpu>];
    try {
      await sleep(opts.durationS * 1000);
      end = [await svc.probe.cpuSeconds(), await loader.probe.cpuSeconds(), machineCpu()];
      r = await result;
    } finally {
      clearInterval(ticker);
    }
    const [s1, l1, m1] = end;
    loader.send({ type: 'close' });
    const closed = await loader.next('closed', 30_000);
    const cores = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.round(((b - a) / opts.durationS) * 100) / 100);
    const per = (a: number | null, b: number | null) => (a === null || b === null || r.assignedInWindow === 0 ? null : Math.round(((b - a) * 1e6) / r.assignedInWindow));
    const machine = machineSeconds(m0, m1);
    return {
      agents: opts.agents,
      customers: opts.customers,
      rate: opts.queueRate,
      handleMs: opts.handleMs,
      durationS: opts.durationS,
      warmupS: opts.warmupS,
      assignments: r.assignedInWindow,
      assignmentsPerSec: Math.round(r.assignedInWindow / opts.durationS),
      joinToAssignedMs: merge([r.joinToAssigned]),
      joinResponseMs: merge([r.joinResponse]),
      scheduleLagMs: merge([r.scheduleLag]),
      counts: r.counts,
      errors: r.errors,
      unanswered: r.unanswered,
      unexpectedCloses: closed.unexpectedCloses,
      samples: r.samples,
      cpu: { server: cores(s0, s1), loader: cores(l0, l1), machine: machine === null ? null : Math.round((machine / opts.durationS) * 100) / 100 },
      cpuPerAssignmentUs: { server: per(s0, s1), loader: per(l0, l1) },
    };
  } finally {
    await loader.stop();
    await svc.stop();
  }
}
