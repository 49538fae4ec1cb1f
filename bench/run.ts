/**
 * `npm run bench` / `callroom bench`: call throughput, latency and scale of callroom (issue 5),
 * and call-centre queue assignment (--scenario queue).
 * Runs the chosen scenarios one after another, each against a fresh server process, prints
 * progress to stderr and a summary (or, with --json, one JSON object on stdout).
 * Exit code: 0 ok, 1 a correctness failure (lost or duplicated event, failed request) or a
 * crash, 2 bad usage. A missed performance target is reported but does not fail the run.
 */
import { randomBytes } from 'node:crypto';
import { describeMachine } from './machine.js';
import { HELP, parseOptions, UsageError, type BenchOptions } from './options.js';
import { runCluster } from './cluster.js';
import { cleanupNow } from './procs.js';
import { runQueue } from './queue-scenario.js';
import { callsFailures, clusterFailures, queueFailures, scaleFailures, summaryText, targets, type BenchReport } from './report.js';
import { runCalls, runScale, type Context, type OpenSummary } from './scenarios.js';

function say(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

async function bench(opts: BenchOptions): Promise<BenchReport> {
  const machine = describeMachine();
  say(`${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}; load average ${machine.loadAverage}`);
  say(`scenarios: ${opts.scenarios.join(', ')}${opts.url ? ` against ${opts.url}` : ' (each against its own fresh server process)'}`);
  const ctx: Context = {
    opts,
    keys: {
      apiKey: opts.apiKey ?? 'bench',
      apiSecret: opts.apiSecret ?? randomBytes(32).toString('hex'),
    },
    runID: `b${Date.now().toString(36)}${randomBytes(2).toString('hex')}`,
    say,
  };
  const r: BenchReport = {
    machine,
    settings: {
      scenarios: opts.scenarios,
      pairs: opts.pairs,
      durationS: opts.durationS,
      warmupS: opts.warmupS,
      rate: opts.rate,
      users: opts.users,
      loaders: opts.loaders,
      scaleLoaders: opts.scaleLoaders,
      clusterUsers: opts.clusterUsers,
      clusterLoaders: opts.clusterLoaders,
      concurrency: opts.concurrency,
      agents: opts.agents,
      customers: opts.customers,
      queueRate: opts.queueRate,
      handleMs: opts.handleMs,
      url: opts.url,
    },
    cycle: null,
    ceiling: null,
    open: null,
    scale: null,
    cluster: null,
    queue: null,
    targets: [],
    failures: [],
    ok: false,
  };
  for (const scenario of opts.scenarios) {
    say(`--- ${scenario}`);
    if (scenario === 'cycle') {
      r.cycle = await runCalls(ctx, 'cycle', 'callroom', 'closed');
      r.failures.push(...callsFailures('cycle', r.cycle));
    } else if (scenario === 'ceiling') {
      const c = await runCalls(ctx, 'ceiling', 'relay', 'closed');
      r.ceiling = { ...c, callroomRatio: null };
      r.failures.push(...callsFailures('ceiling', c));
    } else if (scenario === 'open') {
      r.open = (await runCalls(ctx, 'open', 'callroom', 'open')) as OpenSummary;
      r.failures.push(...callsFailures('open', r.open));
    } else if (scenario === 'scale') {
      r.scale = await runScale(ctx);
      r.failures.push(...scaleFailures(r.scale));
    } else if (scenario === 'queue') {
      r.queue = await runQueue(ctx);
      r.failures.push(...queueFailures(r.queue));
    } else {
      r.cluster = await runCluster(ctx, r.scale ? r.scale.loggedIn : null);
      r.failures.push(...clusterFailures(r.cluster));
    }
  }
  if (r.ceiling && r.cycle && r.ceiling.cyclesPerSec > 0) {
    r.ceiling.callroomRatio = Math.round((r.cycle.cyclesPerSec / r.ceiling.cyclesPerSec) * 100) / 100;
  }
  r.targets = targets(r);
  r.ok = r.failures.length === 0;
  return r;
}


async function main(argv: string[]): Promise<number> {
  // Output piped into head(1) and the like: stop quietly when the reader goes away.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  let opts: BenchOptions | 'help';
  try {
    opts = parseOptions(argv, process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`callroom bench: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (opts === 'help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  // Ctrl-C or a kill: stop the servers, Redis and relay we started and remove their temp
  // folders (the loader processes end themselves when their IPC channel goes away).
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\ncallroom bench: ${sig}: stopping the processes it started\n`);
      cleanupNow();
      process.exit(130);
    });
  }
  process.once('exit', cleanupNow);
  const report = await bench(opts);
  const text = summaryText(report);
  if (opts.json) {
    process.stderr.write(`\n${text}\n`);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`\n${text}\n`);
  }
  return report.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`callroom bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
