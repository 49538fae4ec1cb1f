/**
 * The processes the bench starts and watches: a callroom server (`callroom serve` in its own
 * process, so its memory and CPU are its own), the bare relay, and the loader processes.
 * Memory and CPU come from /proc/<pid> on Linux, else from the server's /metrics.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { connect as netConnect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DriverMessage, WorkerMessage } from './ipc.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/bench → the package root. */
const ROOT = resolve(here, '../..');
const CALLROOM_BIN = join(ROOT, 'bin/callroom.js');
const RELAY = join(here, 'relay.js');
const WORKER = join(here, 'loader/worker.js');
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
/** Linux clock ticks per second for /proc/<pid>/stat (CLK_TCK; 100 on every common kernel). */
const CLK_TCK = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What to undo if the bench is interrupted (Ctrl-C, SIGTERM) or exits early: kill the child
 * processes it started and remove their temp folders. Synchronous, so it can run from a signal
 * handler or process.on('exit'). Each entry is removed again once its owner stopped normally.
 */
const cleanups = new Set<() => void>();

export function onCleanup(fn: () => void): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Kills every child process still registered and removes its temp folders (see onCleanup). */
export function cleanupNow(): void {
  for (const fn of [...cleanups]) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      // best effort: the rest still runs
    }
  }
}

/** The cleanup of a child (SIGKILL) and, if any, its temp folder. */
function killAndRemove(child: ChildProcess, dir: string | null): () => void {
  return () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
}

/** Resident memory (bytes) and CPU time (seconds) of one process. */
export interface Probe {
  rss(): Promise<number | null>;
  cpuSeconds(): Promise<number | null>;
  /** The part of cpuSeconds spent in the kernel (system time): syscalls, here mostly socket I/O. */
  kernelSeconds(): Promise<number | null>;
}

function procProbe(pid: number): Probe {
  const times = (): { user: number; system: number } | null => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14 and 15 of stat (utime, stime); the slice starts at field 3.
      return { user: Number(f[11]) / CLK_TCK, system: Number(f[12]) / CLK_TCK };
    } catch {
      return null;
    }
  };
  return {
    async rss() {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        return m ? Number(m[1]) * 1024 : null;
      } catch {
        return null;
      }
    },
    async cpuSeconds() {
      const t = times();
      return t && t.user + t.system;
    },
    async kernelSeconds() {
      return times()?.system ?? null;
    },
  };
}

/** CPU time of the whole machine so far (jiffies): busy (everything but idle and iowait) and total. */
export function machineCpu(): { busy: number; total: number } | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** Reads the server's own process metrics (callroom_process_*) from /metrics. */
export function metricsProbe(httpBase: string): Probe {
  const read = async (name: string): Promise<number | null> => {
    try {
      const text = await (await fetch(`${httpBase}/metrics`)).text();
      const m = new RegExp(`^${name} (\\S+)`, 'm').exec(text);
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  };
  return {
    rss: () => read('callroom_process_resident_memory_bytes'),
    cpuSeconds: () => read('callroom_process_cpu_seconds_total'),
    kernelSeconds: () => read('callroom_process_cpu_system_seconds_total'),
  };
}

export function probeFor(pid: number | undefined, httpBase: string | null): Probe {
  if (pid !== undefined && process.platform === 'linux') return procProbe(pid);
  if (httpBase) return metricsProbe(httpBase);
  return { rss: async () => null, cpuSeconds: async () => null, kernelSeconds: async () => null };
}

/** A server the bench talks to: its own child process, or one given with --url. */
export interface Service {
  /** ws:// URL to connect to. */
  wsUrl: string;
  /** http:// base (callroom only). */
  httpBase: string | null;
  pid: number | undefined;
  probe: Probe;
  stop(): Promise<void>;
}

function waitForLine(child: ChildProcess, stream: NodeJS.ReadableStream, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  const tail: string[] = [];
  return new Promise((resolveLine, reject) => {
    const timer = setTimeout(() => fail(`${what} did not start within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    const lines = createInterface({ input: stream });
    const onExit = (code: number | null) => fail(`${what} exited (code ${code}) before it was ready`);
    function fail(msg: string) {
      clearTimeout(timer);
      lines.close();
      child.off('exit', onExit);
      reject(new Error(`${msg}${tail.length ? `; its last output:\n${tail.join('\n')}` : ''}`));
    }
    lines.on('line', (line) => {
      const m = pattern.exec(line);
      if (!m) {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        return;
      }
      clearTimeout(timer);
      lines.close();
      child.off('exit', onExit);
      resolveLine(m);
    });
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Forwards a child's output lines to our stderr with a prefix (the server logs warnings and errors only). */
function forward(stream: NodeJS.ReadableStream | null, prefix: string, skip: (line: string) => boolean = () => false): void {
  if (!stream) return;
  createInterface({ input: stream }).on('line', (line) => {
    if (line.trim() && !skip(line)) process.stderr.write(`${prefix}${line}\n`);
  });
}

/** The rest of `callroom serve`'s start banner and its stop messages: not worth repeating. */
const serveChatter = (line: string) => /^\s/.test(line) || /^callroom: (SIGTERM|SIGINT|stopped)/.test(line);

export interface StartOptions {
  apiKey: string;
  apiSecret: string;
  /** Write a V8 CPU profile of the process into this folder when it stops. */
  cpuProfDir: string | null;
  /** Cluster mode: the Redis URL and this node's name (then --dev and --rate-limit 0). */
  cluster?: { redisUrl: string; nodeId: string };
  /** Prefix of the server's forwarded output lines. */
  label?: string;
  /** Prepares the fresh data folder before the server starts on it (e.g. defines a queue). */
  seed?: (dataDir: string) => Promise<void>;
}

/** `callroom serve` in its own process on a free loopback port, with a throwaway data folder. */
export async function startCallroom(o: StartOptions): Promise<Service> {
  const data = mkdtempSync(join(tmpdir(), 'callroom-bench-'));
  if (o.seed) {
    try {
      await o.seed(data);
    } catch (err) {
      rmSync(data, { recursive: true, force: true });
      throw err;
    }
  }
  const nodeArgs = o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir, '--cpu-prof-name', `callroom-${Date.now()}.cpuprofile`] : [];
  if (o.cpuProfDir) mkdirSync(o.cpuProfDir, { recursive: true });
  const args = [
    ...nodeArgs,
    CALLROOM_BIN,
    'serve',
    '--host', '127.0.0.1',
    '--port', '0',
    '--data', data,
    '--api-key', o.apiKey,
    '--api-secret', o.apiSecret,
    '--rate-limit', o.cluster ? '0' : '1000000',
    '--max-conns-per-ip', '0',
    '--log-level', 'warn',
    '--log-format', 'json',
    ...(o.cluster ? ['--dev', '--redis', o.cluster.redisUrl, '--node-id', o.cluster.nodeId] : []),
  ];
  const label = o.label ?? 'server';
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const forget = onCleanup(killAndRemove(child, data));
  forward(child.stdout, `${label}: `);
  const m = await waitForLine(child, child.stderr!, /callroom is listening on (http:\/\/\S+)/, `the callroom server${o.label ? ` ${o.label}` : ''}`).catch((err) => {
    child.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
    forget();
    throw err;
  });
  forward(child.stderr, `${label}: `, serveChatter);
  const httpBase = m[1]!;
  return {
    wsUrl: `${httpBase.replace(/^http/, 'ws')}/v1/ws`,
    httpBase,
    pid: child.pid,
    probe: probeFor(child.pid, httpBase),
    async stop() {
      await stopChild(child);
      rmSync(data, { recursive: true, force: true, maxRetries: 3 });
      forget();
    },
  };
}

/** A server given with --url: not started or stopped by us; its memory and CPU come from /metrics. */
export function externalCallroom(url: string): Service {
  const u = new URL(url);
  const httpBase = `${u.protocol.replace('ws', 'http')}//${u.host}`;
  return {
    wsUrl: `${httpBase.replace(/^http/, 'ws')}/v1/ws`,
    httpBase,
    pid: undefined,
    probe: metricsProbe(httpBase),
    stop: async () => {},
  };
}

export async function startRelay(o: Pick<StartOptions, 'cpuProfDir'>): Promise<Service> {
  const nodeArgs = o.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir, '--cpu-prof-name', `relay-${Date.now()}.cpuprofile`] : [];
  if (o.cpuProfDir) mkdirSync(o.cpuProfDir, { recursive: true });
  const child = spawn(process.execPath, [...nodeArgs, RELAY, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const forget = onCleanup(killAndRemove(child, null));
  forward(child.stderr, 'relay: ');
  const m = await waitForLine(child, child.stdout!, /relay listening on (\d+)/, 'the relay').catch((err) => {
    child.kill('SIGKILL');
    throw err;
  });
  return {
    wsUrl: `ws://127.0.0.1:${m[1]}`,
    httpBase: null,
    pid: child.pid,
    probe: probeFor(child.pid, null),
    async stop() {
      await stopChild(child);
      forget();
    },
  };
}

/** One loader process (bench/loader/worker.ts) and its IPC channel. */
export class Loader {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<string, { resolve(m: WorkerMessage): void; reject(e: Error): void }>();
  private failure: Error | null = null;
  readonly probe: Probe;
  /** The last progress figure this loader reported. */
  done = 0;

  constructor(readonly index: number) {
    this.child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.probe = probeFor(this.child.pid, null);
    this.child.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') {
        this.done = m.done;
        return;
      }
      if (m.type === 'failed') return this.fail(new Error(`loader ${index}: ${m.message}`));
      const w = this.waiting.get(m.type);
      if (w) {
        this.waiting.delete(m.type);
        w.resolve(m);
      }
    });
    this.child.on('exit', (code) => {
      if (this.waiting.size > 0) this.fail(new Error(`loader ${index} exited (code ${code}) while the bench waited for it`));
    });
  }

  private fail(e: Error): void {
    this.failure = e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  send(m: DriverMessage): void {
    if (this.child.connected) this.child.send(m);
  }

  /** Resolves with the next message of `type` (rejects if the loader fails first or `timeoutMs` passes). */
  next<T extends WorkerMessage['type']>(type: T, timeoutMs: number): Promise<Extract<WorkerMessage, { type: T }>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((res, rej) => {
      const timer = setTimeout(() => {
        this.waiting.delete(type);
        rej(new Error(`loader ${this.index}: no "${type}" within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.waiting.set(type, {
        resolve: (m) => {
          clearTimeout(timer);
          res(m as Extract<WorkerMessage, { type: T }>);
        },
        reject: (e) => {
          clearTimeout(timer);
          rej(e);
        },
      });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    if (this.child.connected) this.child.disconnect();
    await exited;
    clearTimeout(timer);
  }
}

/** A private redis-server for the cluster scenario. */
export interface RedisService {
  url: string;
  pid: number | undefined;
  probe: Probe;
  version: string | null;
  stop(): Promise<void>;
}

/** Resolves once redis-server answers PING with PONG (not LOADING). */
async function redisPong(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    try {
      await new Promise<void>((res, rej) => {
        const s = netConnect(port, '127.0.0.1', () => s.write('PING\r\n'));
        s.once('data', (d) => {
          s.destroy();
          if (d.toString().startsWith('+PONG')) res();
          else rej(new Error(`answered ${JSON.stringify(d.toString().trim())}`));
        });
        s.once('error', rej);
      });
      return;
    } catch (err) {
      last = (err as Error).message;
      await sleep(50);
    }
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs / 1000} s (${last})`);
}

async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * redis-server on an ephemeral loopback port with a temp folder, AOF on with appendfsync
 * everysec (the setting docs/operations.md asks of a cluster), no RDB snapshots. Never the
 * system service. scripts/redis.sh installs redis-server when it is missing.
 */
export async function startRedis(): Promise<RedisService> {
  let version: string | null = null;
  try {
    version = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? null;
  } catch {
    throw new Error('redis-server is not installed: the cluster scenario needs it (bash scripts/redis.sh installs it)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'callroom-bench-redis-'));
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec',
      '--daemonize', 'no', '--logfile', join(dir, 'redis.log')],
    { stdio: 'ignore' },
  );
  const forget = onCleanup(killAndRemove(child, dir));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await Promise.race([redisPong(port, START_TIMEOUT_MS), exited.then(() => Promise.reject(new Error(`redis-server exited at start; see its log`)))]);
  } catch (err) {
    let log = '';
    try {
      log = readFileSync(join(dir, 'redis.log'), 'utf8').split('\n').slice(-10).join('\n');
    } catch {
      // no log yet
    }
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    forget();
    throw new Error(`${(err as Error).message}${log ? `\n${log}` : ''}`);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    probe: probeFor(child.pid, null),
    version,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      forget();
    },
  };
}

export { sleep };
