/**
 * Structured logs: one JSON object per line (pino). `pretty` prints the same events as one
 * readable line each, for a person at a terminal.
 */
import { pino, type Logger } from 'pino';
import { Writable } from 'node:stream';

export type { Logger };
export type LogFormat = 'json' | 'pretty';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const OPTIONS = {
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label: string) => ({ level: label }) },
};
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

function prettyLine(line: string): string {
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const t = typeof o.time === 'string' ? o.time.slice(11, 23) : '';
    const extra = Object.entries(o)
      .filter(([k]) => !SKIP.has(k))
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${t} ${String(o.level).toUpperCase().padEnd(5)} ${String(o.msg ?? '')}${extra ? '  ' + extra : ''}\n`;
  } catch {
    return line + '\n';
  }
}

export function createLogger(opts: { level: LogLevel; format: LogFormat; out?: NodeJS.WritableStream }): Logger {
  const out = opts.out ?? process.stdout;
  if (opts.format === 'json') return pino({ level: opts.level, ...OPTIONS }, pino.destination({ fd: 1, sync: false }));
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) out.write(prettyLine(line));
      cb();
    },
  });
  return pino({ level: opts.level, ...OPTIONS }, stream);
}

export const silentLogger: Logger = pino({ level: 'silent' });
