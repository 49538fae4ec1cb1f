/** `callroom webhooks tail`: the recent webhook deliveries of a running server and their status (GET /v1/webhooks/deliveries). */
import { parseArgs } from 'node:util';
import { ADMIN_OPTIONS, AdminApi, AdminApiError } from './admin-api.js';
import { cliAdminToken } from './keys.js';
import { DEFAULT_URL } from './queue.js';

const HELP = `Usage: callroom webhooks tail [options]

Shows the most recent webhook deliveries of a running server, newest first: the event, its
type, the URL, the status (pending, sent, failed = given up), the attempts and the last answer.

Options:
  --limit <n>        how many deliveries (default 20, at most 1000)
  --follow           print new and changed deliveries as they happen (Ctrl-C to stop)
  --url <url>        the server (default ${DEFAULT_URL}, or CALLROOM_URL)
  --token <jwt>      an admin token (callroom token --admin); without it one is signed with
                     CALLROOM_API_KEY / CALLROOM_API_SECRET (or --api-key / --api-secret)
  --dev              sign with the --dev server's keys
  --json             print JSON
  -h, --help         show this help`;

/** A delivery as GET /v1/webhooks/deliveries answers it. */
export interface DeliveryLine {
  seq: number;
  eventID: string;
  type: string;
  url: string;
  key: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  createdAt: number;
  nextAt: number;
  sentAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  inFlight: boolean;
}

interface DeliveriesAnswer {
  enabled: boolean;
  pending: number;
  deliveries: DeliveryLine[];
}

function when(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function statusText(d: DeliveryLine): string {
  if (d.status === 'pending') return d.inFlight ? 'sending' : d.attempts === 0 ? 'pending' : `retry ${when(d.nextAt).slice(11)}`;
  return d.status;
}

/** The deliveries as a table, oldest first so that the newest is at the bottom as in a log. */
export function deliveryTable(ds: readonly DeliveryLine[]): string {
  if (ds.length === 0) return 'no webhook deliveries yet';
  const rows = [
    ['CREATED', 'TYPE', 'EVENT', 'STATUS', 'TRIES', 'LAST', 'URL'],
    ...[...ds].reverse().map((d) => [when(d.createdAt), d.type, d.eventID.slice(0, 8), statusText(d), String(d.attempts), d.lastError ?? (d.lastStatus !== null ? String(d.lastStatus) : '-'), d.url]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

export async function webhooks(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...ADMIN_OPTIONS,
        limit: { type: 'string' },
        follow: { type: 'boolean' },
      },
    });
  } catch (err) {
    console.error(`callroom webhooks: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const v = parsed.values;
  const [cmd, ...args] = parsed.positionals;
  if (v.help || cmd === 'help') {
    console.log(HELP);
    return 0;
  }
  if (cmd !== 'tail' || args.length > 0) {
    console.error(`callroom webhooks: ${cmd === undefined ? 'say what to do: tail' : `unknown command "${[cmd, ...args].join(' ')}": use tail`}\n\n${HELP}`);
    return 2;
  }
  const url = v.url ?? process.env.CALLROOM_URL ?? DEFAULT_URL;
  const limitText = v.limit ?? '20';
  if (!/^\d{1,4}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000) {
    console.error(`callroom webhooks: --limit must be 1..1000, got "${limitText}". See callroom webhooks --help`);
    return 2;
  }
  if (!/^https?:\/\/[^\s/]+/.test(url)) {
    console.error(`callroom webhooks: --url must be an http(s) URL like ${DEFAULT_URL}, got "${url}"`);
    return 2;
  }
  const token = await cliAdminToken(v, process.env);
  if (typeof token !== 'string') {
    console.error(`callroom webhooks: ${token.error}`);
    return 2;
  }
  const api = new AdminApi(url, token);
  try {
    const first = await api.request<DeliveriesAnswer>('GET', `/v1/webhooks/deliveries?limit=${limitText}`);
    if (!first.enabled && !v.json) console.error('callroom webhooks: this server has no --webhook-url: it sends no webhooks');
    console.log(v.json ? JSON.stringify(first, null, 2) : `${deliveryTable(first.deliveries)}\n(${first.pending} not yet delivered)`);
    if (!v.follow) return 0;
    // Following: ask again every 2 s and print what is new or changed since.
    const seen = new Map(first.deliveries.map((d) => [d.seq, JSON.stringify(d)]));
    for (;;) {
      await new Promise((r) => setTimeout(r, 2_000));
      const next = await api.request<DeliveriesAnswer>('GET', `/v1/webhooks/deliveries?limit=${limitText}`);
      const changed = next.deliveries.filter((d) => seen.get(d.seq) !== JSON.stringify(d));
      for (const d of next.deliveries) seen.set(d.seq, JSON.stringify(d));
      if (changed.length > 0) console.log(v.json ? changed.map((d) => JSON.stringify(d)).join('\n') : deliveryTable(changed).split('\n').slice(1).join('\n'));
    }
  } catch (err) {
    if (err instanceof AdminApiError) {
      console.error(`callroom webhooks tail: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
