/**
 * A loader process, forked by bench/run.ts. It receives one job, sets it up, reports `ready`,
 * runs it on `go`, reports the result, and closes its sockets on `close`. Loader work is spread
 * over such processes so that no single one is the bottleneck or runs out of open files.
 */
import type { DriverMessage, Job, WorkerMessage } from '../ipc.js';
import { CallsRun } from './calls.js';
import { QueueRun } from './queue.js';
import { ScaleRun } from './scale.js';

function send(m: WorkerMessage): void {
  process.send?.(m);
}

function next(type: DriverMessage['type']): Promise<DriverMessage> {
  return new Promise((resolve) => {
    const on = (m: DriverMessage) => {
      if (m.type !== type) return;
      process.off('message', on);
      resolve(m);
    };
    process.on('message', on);
  });
}

async function main(): Promise<void> {
  if (!process.send) {
    console.error('bench/loader/worker: this is a loader process started by bench/run.js; run "npm run bench" instead');
    process.exit(2);
  }
  // The driver going away (Ctrl-C, crash) ends the loader too.
  process.on('disconnect', () => process.exit(0));
  const m = await next('job');
  const job = (m as { job: Job }).job;
  const progress = (done: number) => send({ type: 'progress', done });
  const run = job.kind === 'calls' ? new CallsRun(job, progress) : job.kind === 'queue' ? new QueueRun(job, progress) : new ScaleRun(job, progress);
  await run.setup();
  send({ type: 'ready' });
  await next('go');
  send(await run.run());
  await next('close');
  await run.close();
  send({ type: 'closed', unexpectedCloses: run.unexpectedCloses });
  process.disconnect();
  setTimeout(() => process.exit(0), 100).unref();
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  setTimeout(() => process.exit(1), 100);
});
