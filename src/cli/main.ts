/** The `callroom` command: serve | token | queue | webhooks | bench. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './serve.js';
import { queue } from './queue.js';
import { token } from './token.js';
import { webhooks } from './webhooks.js';

const HELP = `callroom — self-hosted call service

Usage:
  callroom serve [options]     start the server (callroom serve --help for the options)
  callroom token --user <id>   print a login token (callroom token --help)
  callroom queue add|list|rm   administer the queues of a running server (callroom queue --help)
  callroom webhooks tail       recent webhook deliveries of a running server (callroom webhooks --help)
  callroom bench [options]     run the benchmark (callroom bench --help)
  callroom --version`;

const here = dirname(fileURLToPath(import.meta.url));

async function bench(argv: string[]): Promise<number> {
  const script = resolve(here, '../../bench/run.js');
  if (!existsSync(script)) {
    console.error('callroom bench: the benchmark is not built: run npm run build');
    return 1;
  }
  return new Promise((res) => {
    const child = spawn(process.execPath, [script, ...argv], { stdio: 'inherit' });
    child.on('exit', (code) => res(code ?? 1));
  });
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'serve':
      return serve(rest);
    case 'token':
      return token(rest);
    case 'queue':
      return queue(rest);
    case 'webhooks':
      return webhooks(rest);
    case 'bench':
      return bench(rest);
    case '--version':
    case '-v': {
      const { createRequire } = await import('node:module');
      const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };
      console.log(pkg.version);
      return 0;
    }
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      console.log(HELP);
      return cmd === undefined ? 2 : 0;
    default:
      console.error(`callroom: unknown command "${cmd}"\n\n${HELP}`);
      return 2;
  }
}
