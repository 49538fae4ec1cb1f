/** `callroom queue add|list|rm`: administers the queues of a running server over its REST API. */
import { parseArgs } from 'node:util';
import type { QueueInfo } from '../protocol/queues.js';
import { ADMIN_OPTIONS, AdminApi, AdminApiError } from './admin-api.js';
import { cliAdminToken } from './keys.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

const HELP = `Usage: callroom queue <command> [options]

Administers the call-centre queues of a running server (its REST API, /v1/queues).

Commands:
  list                         the queues, most important first (--json: as JSON)
  add --name <name> [--id <queID>] [--desc <text>] [--prio <n>]
                               create a queue; without --id it gets the next free ID.
                               prio: the smaller, the more important (default 0;
                               a negative one as --prio=-1)
  rm <queID>                   delete a queue: its waiting customers are told (queue.left,
                               reason removed), its agents serve it no more (queue.unserved)

Options:
  --url <url>        the server (default ${DEFAULT_URL}, or CALLROOM_URL)
  --token <jwt>      an admin token (callroom token --admin); without it one is signed with
                     CALLROOM_API_KEY / CALLROOM_API_SECRET (or --api-key / --api-secret)
  --dev              sign with the --dev server's keys
  --json             print JSON (list, add)
  -h, --help         show this help

Examples:
  callroom queue add --dev --name Sales --desc "new customers" --prio 1
  callroom queue list --dev
  callroom queue rm --dev 1`;

type Values = {
  url?: string | undefined;
  token?: string | undefined;
  dev?: boolean | undefined;
  'api-key'?: string | undefined;
  'api-secret'?: string | undefined;
  json?: boolean | undefined;
  id?: string | undefined;
  name?: string | undefined;
  desc?: string | undefined;
  prio?: string | undefined;
  help?: boolean | undefined;
};

class UsageError extends Error {}

function integer(text: string, what: string): number {
  if (!/^-?\d{1,10}$/.test(text.trim())) throw new UsageError(`${what} must be a whole number, got "${text}"`);
  return Number(text);
}

/** The queues as a table: ID, PRIO, NAME, DESC (a long desc is cut). */
export function queueTable(queues: readonly QueueInfo[]): string {
  if (queues.length === 0) return 'no queues yet: create one with callroom queue add --name <name>';
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const rows = [['ID', 'PRIO', 'NAME', 'DESC'], ...queues.map((q) => [String(q.queID), String(q.prio), cut(q.name, 40), cut(q.desc.replace(/\s+/g, ' '), 60)])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

async function adminToken(v: Values): Promise<string> {
  const t = await cliAdminToken(v, process.env);
  if (typeof t !== 'string') throw new UsageError(t.error);
  return t;
}

async function run(cmd: string, args: string[], v: Values): Promise<number> {
  const url = v.url ?? process.env.CALLROOM_URL ?? DEFAULT_URL;
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new UsageError(`--url must be an http(s) URL like ${DEFAULT_URL}, got "${url}"`);
  if (cmd === 'list') {
    if (args.length > 0) throw new UsageError(`list takes no arguments, got "${args.join(' ')}"`);
    const api = new AdminApi(url, await adminToken(v));
    const { queues } = await api.request<{ queues: QueueInfo[] }>('GET', '/v1/queues');
    console.log(v.json ? JSON.stringify(queues, null, 2) : queueTable(queues));
    return 0;
  }
  if (cmd === 'add') {
    if (args.length > 0) throw new UsageError(`add takes its values as options (--name, --id, --desc, --prio), got "${args.join(' ')}"`);
    if (v.name === undefined) throw new UsageError('add needs --name <name>');
    const body = {
      name: v.name,
      ...(v.id !== undefined ? { queID: integer(v.id, '--id') } : {}),
      ...(v.desc !== undefined ? { desc: v.desc } : {}),
      ...(v.prio !== undefined ? { prio: integer(v.prio, '--prio') } : {}),
    };
    const api = new AdminApi(url, await adminToken(v));
    const { queue } = await api.request<{ queue: QueueInfo }>('POST', '/v1/queues', body);
    console.log(v.json ? JSON.stringify(queue, null, 2) : `created queue ${queue.queID} "${queue.name}" (prio ${queue.prio})`);
    return 0;
  }
  if (cmd === 'rm') {
    const idText = args[0] ?? v.id;
    if (idText === undefined || args.length > 1) throw new UsageError('rm takes one queue ID: callroom queue rm <queID>');
    const queID = integer(idText, 'the queue ID');
    const api = new AdminApi(url, await adminToken(v));
    await api.request<{ queID: number }>('DELETE', `/v1/queues/${queID}`);
    console.log(`deleted queue ${queID}: its waiting customers and its agents were told`);
    return 0;
  }
  throw new UsageError(`unknown queue command "${cmd}": use add, list or rm`);
}

export async function queue(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...ADMIN_OPTIONS,
        id: { type: 'string' },
        name: { type: 'string' },
        desc: { type: 'string' },
        prio: { type: 'string' },
      },
    });
  } catch (err) {
    console.error(`callroom queue: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const v: Values = parsed.values;
  const [cmd, ...args] = parsed.positionals;
  if (v.help || cmd === 'help') {
    console.log(HELP);
    return 0;
  }
  if (cmd === undefined) {
    console.error(`callroom queue: say what to do: add, list or rm\n\n${HELP}`);
    return 2;
  }
  try {
    return await run(cmd, args, v);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`callroom queue: ${err.message}. See callroom queue --help`);
      return 2;
    }
    if (err instanceof AdminApiError) {
      console.error(`callroom queue ${cmd}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
