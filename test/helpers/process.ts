/**
 * A callroom server as a child process (`node bin/callroom.js serve ...`), so that a test can
 * SIGKILL it: the single-node restart tests and the cluster's node-death tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { API } from './server.js';
import { freePort } from './redis.js';
import { eventually, GiveUp } from './time.js';

export interface ChildServer {
  url: string;
  port: number;
  proc: ChildProcess;
  /** SIGKILL: no shutdown work at all, as in a crash. */
  kill(): Promise<void>;
  /** SIGTERM, the orderly stop. */
  stop(): Promise<void>;
}

/** Starts `callroom serve <args>` on `port` (a free one by default) and waits for /healthz. */
export async function spawnServer(name: string, args: string[], port?: number): Promise<ChildServer> {
  const p = port ?? (await freePort());
  const proc = spawn(process.execPath, ['bin/callroom.js', 'serve', '--port', String(p), '--log-level', 'warn', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CALLROOM_API_KEY: API.apiKey, CALLROOM_API_SECRET: API.apiSecret },
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = `http://127.0.0.1:${p}`;
  // An external process starting: nothing to await but its answer on /healthz.
  await eventually(
    async () => {
      if (proc.exitCode !== null) throw new GiveUp(`${name} exited: ${err}`);
      const r = await fetch(`${url}/healthz`);
      if (!r.ok) throw new Error(`/healthz answered ${r.status}`);
    },
    { timeoutMs: 15_000, intervalMs: 100, what: `${name} answering /healthz` },
  ).catch((e: Error) => {
    throw e instanceof GiveUp ? e : new Error(`${name} did not start: ${e.message}; stderr: ${err}`);
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    url,
    port: p,
    proc,
    async kill() {
      proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}
