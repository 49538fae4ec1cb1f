#!/usr/bin/env node
// Builds everything: TypeScript to dist/, the browser SDK bundle and the web page to dist/web/.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const step = (s) => process.stderr.write(`build: ${s}\n`);
step('TypeScript (tsc)');
rmSync('dist/web', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], { stdio: 'inherit' });

step('browser SDK bundle → dist/web/callroom-sdk.js');
mkdirSync('dist/web', { recursive: true });
await build({
  entryPoints: ['src/sdk/browser.ts'],
  bundle: true,
  format: 'iife',
  globalName: 'Callroom',
  platform: 'browser',
  target: ['es2020'],
  minify: true,
  sourcemap: true,
  outfile: 'dist/web/callroom-sdk.js',
  logLevel: 'warning',
});

if (existsSync('web/app.ts')) {
  step('web page: type check (tsc -p web)');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'web'], { stdio: 'inherit' });
  step('web page → dist/web/');
  await build({
    entryPoints: ['web/app.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    sourcemap: true,
    outfile: 'dist/web/app.js',
    logLevel: 'warning',
  });
}
if (existsSync('web/static')) cpSync('web/static', 'dist/web', { recursive: true });
step('done');
