/**
 * A private redis-server for a test: an ephemeral port, a temp folder, AOF on (appendfsync
 * everysec, as docs/operations.md recommends). Never the system service. scripts/redis.sh installs
 * redis-server when it is missing (npm test runs it).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './time.js';

export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  /** SIGKILLs the server (a crash) and starts it again on the same port and folder. */
  crashAndRestart(): Promise<void>;
  /** An outage: stops the server (SIGTERM, so what it acknowledged is on disk) until `up()`. */
  down(): Promise<void>;
  /** Starts the server again on the same port and folder; resolves once it answers. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

export function ensureRedisInstalled(): void {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    execFileSync('bash', ['scripts/redis.sh'], { stdio: 'inherit' });
  }
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Resolves once redis-server answers PING with PONG (not LOADING): an external process's readiness. */
async function waitForPort(port: number, ms = 10_000): Promise<void> {
  await eventually(
    () =>
      new Promise<void>((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => {
          s.write('PING\r\n');
        });
        s.once('data', (d) => {
          s.destroy();
          if (d.toString().startsWith('+PONG')) resolve();
          else reject(new Error(`answered ${JSON.stringify(d.toString().trim())}`));
        });
        s.once('error', reject);
      }),
    { timeoutMs: ms, intervalMs: 50, what: `redis-server answering on port ${port}` },
  );
}

export async function startRedis(): Promise<TestRedis> {
  ensureRedisInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'callroom-redis-'));
  const port = await freePort();
  let proc: ChildProcess;
  const launch = async () => {
    proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--daemonize', 'no', '--logfile', join(dir, 'redis.log')],
      { stdio: 'ignore' },
    );
    await waitForPort(port);
  };
  const kill = (sig: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill(sig);
    });
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async crashAndRestart() {
      await kill('SIGKILL');
      await launch();
    },
    down: () => kill('SIGTERM'),
    up: launch,
    async stop() {
      await kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
