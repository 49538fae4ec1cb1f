#!/usr/bin/env node
// The whole test suite: builds, makes sure the system packages the tests need are present
// (scripts/system-deps.sh), then runs unit, integration and browser tests with node's runner.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const say = (s) => process.stderr.write(`test: ${s}\n`);
say('building');
execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (existsSync('scripts/system-deps.sh')) {
  say('checking system packages');
  execFileSync('bash', ['scripts/system-deps.sh'], { stdio: 'inherit' });
}
if (existsSync('scripts/redis.sh')) {
  say('checking redis-server (cluster tests start their own)');
  execFileSync('bash', ['scripts/redis.sh'], { stdio: 'inherit' });
}
const dirs = ['dist/test/unit', 'dist/test/integration', 'dist/test/e2e', 'dist/test/bench'].filter(existsSync);
say(`running ${dirs.join(', ')}`);
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...dirs], { stdio: 'inherit' });
process.exit(r.status ?? 1);
