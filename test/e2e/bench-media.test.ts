/**
 * The media benchmark (bench/media.ts) in miniature: two calls, its JSON report. It checks that
 * the bench runs and reports what docs/performance.md describes; it asserts no timing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, ['dist/bench/media.js', ...args], { cwd: ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('bench:media makes its calls and reports Accept → first frame on both sides, with the machine', { timeout: 150_000 }, async () => {
  const r = await bench(['--calls', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    calls: number;
    machine: { cpu: string; cores: number };
    acceptToFirstFrameMs: Record<'callee' | 'caller', { median: number; worst: number; best: number }>;
  };
  assert.equal(report.calls, 2);
  assert.ok(report.machine.cores > 0 && report.machine.cpu.length > 0);
  for (const side of ['callee', 'caller'] as const) {
    const f = report.acceptToFirstFrameMs[side];
    assert.ok(f.best >= 0 && f.best <= f.median && f.median <= f.worst, `${side}: ordered figures ${JSON.stringify(f)}`);
  }
  assert.match(r.stderr, /call 2\/2: bob \(callee\) \d+ ms/, 'progress on stderr');
});

test('bench:media: --help, and a bad --calls exits 2 with a message', async () => {
  const help = await bench(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--calls <n>/);
  const bad = await bench(['--calls', 'lots']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--calls must be a whole number/);
});
