/**
 * A real coturn (Debian's `coturn` package, installed by scripts/system-deps.sh) for the browser
 * tests: `turnserver` on a free loopback port with a temporary configuration in coturn's
 * `use-auth-secret` mode (docs/operations.md, "A coturn setup"), relaying between loopback
 * peers. Ready when its log says the UDP listener is open; its log is kept for the test to read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis.js';

export const TURNSERVER = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';

export interface Coturn {
  port: number;
  /** The TURN URL for --ice-servers (UDP). */
  url: string;
  /** What coturn logged so far. */
  log(): string;
  /** Resolves when coturn's log matches `re`; rejects, with the log, when coturn exits first or after `withinMs`. */
  logged(re: RegExp, withinMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startCoturn(secret: string): Promise<Coturn> {
  if (!existsSync(TURNSERVER)) throw new Error(`no turnserver at ${TURNSERVER}: run "bash scripts/system-deps.sh" (Debian package coturn)`);
  const dir = mkdtempSync(join(tmpdir(), 'callroom-coturn-'));
  const port = await freePort();
  const conf = join(dir, 'turnserver.conf');
  writeFileSync(
    conf,
    [
      'listening-ip=127.0.0.1',
      'relay-ip=127.0.0.1',
      `listening-port=${port}`,
      'realm=callroom.test',
      'use-auth-secret',
      `static-auth-secret=${secret}`,
      'no-tls',
      'no-dtls',
      'no-cli',
      'no-rfc5780',
      'fingerprint',
      // Both browsers are on this machine: their relayed media goes to loopback addresses.
      'allow-loopback-peers',
      `userdb=${join(dir, 'turndb')}`,
      `pidfile=${join(dir, 'turnserver.pid')}`,
      'log-file=stdout',
      'simple-log',
      'verbose',
      '',
    ].join('\n'),
  );
  const proc: ChildProcess = spawn(TURNSERVER, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters: { re: RegExp; resolve(): void; reject(e: Error): void }[] = [];
  let exited = false;
  const onData = (d: Buffer) => {
    text += d.toString();
    for (const w of [...waiters]) {
      if (w.re.test(text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const gone = new Promise<void>((r) =>
    proc.once('exit', (code, signal) => {
      exited = true;
      for (const w of waiters.splice(0)) w.reject(new Error(`turnserver exited (${code ?? signal}) before logging ${w.re}; its log:\n${text.slice(-4000)}`));
      r();
    }),
  );
  const logged = (re: RegExp, withinMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      if (re.test(text)) return resolve();
      if (exited) return reject(new Error(`turnserver exited before logging ${re}`));
      // A bound on the wait, so that a missing line fails the test with the log to read.
      const t = setTimeout(() => {
        const i = waiters.indexOf(w);
        if (i >= 0) waiters.splice(i, 1);
        reject(new Error(`turnserver did not log ${re} within ${withinMs} ms; its log ends:\n${text.slice(-3000)}`));
      }, withinMs);
      const w = {
        re,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
        reject: (e: Error) => {
          clearTimeout(t);
          reject(e);
        },
      };
      waiters.push(w);
    });
  await logged(/UDP listener opened on: 127\.0\.0\.1:\d+/);
  return {
    port,
    url: `turn:127.0.0.1:${port}?transport=udp`,
    log: () => text,
    logged,
    async stop() {
      if (!exited) proc.kill('SIGTERM');
      await gone;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
