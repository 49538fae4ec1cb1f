#!/usr/bin/env node
import { existsSync } from 'node:fs';
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('callroom: not built yet: run "npm install" (or "npm run build") in the callroom folder');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
