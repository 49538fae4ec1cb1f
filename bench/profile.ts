/**
 * Summarises a V8 CPU profile (from `npm run bench -- --cpu-prof <dir>`): where the server's
 * time went, by function (self time) and by area (callroom's own modules, each library,
 * Node internals, GC, idle). The flame graph itself: open the .cpuprofile in Chrome DevTools
 * (Performance panel) or https://www.speedscope.app.
 *
 * Usage: node dist/bench/profile.js <file.cpuprofile> [--top <n>]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Which area a frame belongs to: callroom module, library, Node internals or a V8 pseudo-frame. */
export function areaOf(f: CallFrame): string {
  const url = f.url;
  if (!url) {
    if (f.functionName === '(garbage collector)') return 'GC';
    if (f.functionName === '(idle)') return 'idle';
    if (f.functionName === '(program)') return 'V8/native (program)';
    return `native: ${f.functionName || '(anonymous)'}`;
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `lib: ${nm[1]}`;
  const own = /\/dist\/(src\/[^?#]+)\.js/.exec(url);
  if (own) return `callroom: ${own[1]}`;
  if (url.startsWith('node:')) {
    const mod = url.slice(5).split('/').slice(0, 2).join('/');
    return `node: ${mod}`;
  }
  return url;
}

/** A function's name and place, e.g. `flush dist/src/server/store/sqlite.js:214`. */
function keyOf(f: CallFrame): string {
  const where = f.url ? `${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
}

/**
 * What the server was doing in each sample, judged from the whole stack: writing to sockets
 * (ws framing and the writev syscalls, which on loopback include the kernel's delivery), the
 * SQLite group commit, callroom's own request handling, reading sockets, GC, idle, the rest.
 */
const ACTIVITIES: [string, (frames: CallFrame[]) => boolean][] = [
  ['socket writes (ws send, writev)', (fs) => fs.some((f) => f.functionName === 'writev' || (f.functionName === 'send' && f.url.includes('/ws/lib/')))],
  ['SQLite group commit (store flush)', (fs) => fs.some((f) => f.functionName === 'flush' && f.url.includes('/store/sqlite'))],
  ['callroom request handling (decode, validate, calls, presence, metrics, JSON)', (fs) => fs.some((f) => /\/dist\/src\/(server|protocol)\//.test(f.url))],
  ['socket reads (ws receive, frame parsing)', (fs) => fs.some((f) => f.url.includes('/ws/lib/') || f.url === 'node:net' || f.url.startsWith('node:internal/stream'))],
  ['garbage collection', (fs) => fs[0]?.functionName === '(garbage collector)'],
  ['idle', (fs) => fs[0]?.functionName === '(idle)'],
];

export function summarise(p: Profile, top = 25): string {
  const byID = new Map<number, ProfileNode>();
  for (const n of p.nodes) byID.set(n.id, n);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const total = p.endTime - p.startTime;
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byID.get(id)!.callFrame;
    const key = keyOf(f);
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const area = areaOf(f);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  // Total (inclusive) time: each sample counts once for every distinct function on its stack.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const key = keyOf(byID.get(n)!.callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  const busy = total - (byArea.get('idle') ?? 0);
  const activity = new Map<string, number>();
  for (const [id, us] of self) {
    const frames: CallFrame[] = [];
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) frames.push(byID.get(n)!.callFrame);
    const name = ACTIVITIES.find(([, match]) => match(frames))?.[0] ?? 'other (timers, microtasks, Node internals)';
    activity.set(name, (activity.get(name) ?? 0) + us);
  }
  const lines = [`profile: ${(total / 1e6).toFixed(2)} s, busy ${pct(busy)} (the rest idle)`, '', 'by activity (of all samples; busy share in brackets):'];
  for (const [k, v] of [...activity].sort((a, b) => b[1] - a[1])) {
    lines.push(`  ${pct(v)}  ${k === 'idle' ? '' : `[${((v / busy) * 100).toFixed(0).padStart(2)}%] `}${k}`);
  }
  lines.push('', 'by area (self time):');
  for (const [k, v] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`);
  lines.push('', `top ${top} functions (self time):`);
  for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`);
  lines.push('', `top ${top} functions (total time, callees included):`);
  for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`);
  return lines.join('\n');
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  const file = positionals[0];
  if (!file) {
    console.error('usage: node dist/bench/profile.js <file.cpuprofile> [--top <n>]');
    process.exitCode = 2;
    return;
  }
  console.log(summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(values.top)));
}

main();
