#!/usr/bin/env node
// The whole test suite: builds, makes sure the system packages the tests need are present
// (scripts/system-deps.sh), then runs unit, integration and browser tests with node's runner.
// Then it runs the contract suites, meeting data, the resume and the restart tests a second time in cluster
// mode (CALLROOM_TEST_MODE=cluster: three nodes on one Redis behind a non-sticky round-robin
// proxy, see test/helpers/cluster-server.ts). It fails if either run fails.
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

/** Runs node's test runner over `files` with `env` added; returns its exit status. */
const run = (files, env = {}, flags = []) =>
  spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...flags, ...files], { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

const dirs = ['dist/test/unit', 'dist/test/integration', 'dist/test/e2e', 'dist/test/bench'].filter(existsSync);
say(`running ${dirs.join(', ')} (one node)`);
const single = run(dirs, { CALLROOM_TEST_MODE: 'single' });

/** The suites that must hold in both modes (DESIGN.md §5b). */
const BOTH_MODES = [
  'contract-modern', 'contract-facade', 'guide-snippets', 'meeting-data', 'enter-race', 'resume', 'restart', 'held-requests', 'silent-outage', 'page-reload',
  'contract-queues', 'queue-races', 'queue-admin', 'facade-queues', 'call-media', 'races', 'call-type', 'add-person', 'webhooks',
].map(
  (name) => `dist/test/integration/${name}.test.js`,
);
say(`running ${BOTH_MODES.map((f) => f.replace(/^.*\//, '')).join(', ')} again in cluster mode (3 nodes, Redis, round-robin proxy)`);
// A bound per test: against a server that loses an event, a wait the suite never bounded must
// fail, not hold up the whole run.
const cluster = run(BOTH_MODES, { CALLROOM_TEST_MODE: 'cluster' }, ['--test-timeout=120000']);

const verdict = (status) => (status === 0 ? 'passed' : `FAILED (exit ${status})`);
say(`one node: ${verdict(single)}; cluster mode: ${verdict(cluster)}`);
process.exit(single !== 0 ? single : cluster);
