/**
 * The soak in CI: a short run of bench/soak (call cycles with dropped sockets, killed clients
 * and a server SIGKILL + restart) must end with exit 0 — every call one outcome per side and
 * one record per acknowledged call. SOAK_SECONDS sets the length (default 60, the one-minute run CI makes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SOAK = fileURLToPath(new URL('../../bench/soak.js', import.meta.url));
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);

test(`soak: ${SECONDS} s of call cycles with faults and a server restart keep every outcome and record`, { timeout: (SECONDS + 120) * 1000 }, async () => {
  const child = spawn(process.execPath, [SOAK, '--duration', String(SECONDS), '--pairs', '8', '--seed', '20261126'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, `soak failed:\n${out}\n${err.split('\n').slice(-30).join('\n')}`);
  const summary = JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1)) as { acked: number; records: number; faults: { restarts: number; kills: number } };
  assert.ok(summary.acked > 20, `enough calls were made: ${summary.acked}`);
  assert.equal(summary.faults.restarts, 1, 'the server was restarted');
});
