/**
 * Soak: call cycles between many CallClient pairs for a set time while faults are injected —
 * dropped sockets (a TCP proxy cut), killed clients (closed mid-call) and server restarts
 * (SIGKILL, then start again on the same data folder). Afterwards every call must have exactly
 * one outcome on each side, and the call records must match the calls whose invite was
 * acknowledged. Progress goes to stderr, the summary to stdout; exit 1 on any violation.
 *
 *   node dist/bench/soak.js --duration 60 --pairs 12
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CallClient, newCallID, type CallroomError } from '../src/sdk/index.js';
import type { CallRecord, MeetInfo } from '../src/protocol/messages.js';
import { Auth } from '../src/server/gateway/auth.js';
import { DEV_DEFAULTS } from '../src/cli/config.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = resolve(here, '../../bin/callroom.js');
const RING_TIMEOUT_MS = 4000;
const GRACE_MS = 2000;

const { values: opt } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    pairs: { type: 'string', default: '12' },
    restarts: { type: 'string', default: '1' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    port: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opt.help) {
  console.log(`Usage: node dist/bench/soak.js [--duration 60] [--pairs 12] [--restarts 1] [--seed N] [--port P]
Runs call cycles with fault injection against a child server and checks that every call has
exactly one outcome on each side and one call record. Exit 1 on any violation.`);
  process.exit(0);
}
const durationMs = Number(opt.duration) * 1000;
const PAIRS = Number(opt.pairs);
const RESTARTS = Number(opt.restarts);
if (!(durationMs > 0) || !(PAIRS > 0) || !(RESTARTS >= 0)) {
  console.error('soak: --duration and --pairs must be positive numbers, --restarts zero or more');
  process.exit(2);
}

// A small seeded PRNG, so a failing run can be repeated with --seed.
let seed = Number(opt.seed) >>> 0;
const rand = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const between = (a: number, b: number) => a + Math.floor(rand() * (b - a));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const say = (s: string) => process.stderr.write(`soak: ${s}\n`);

// ---------- the server, as a child process ----------
async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

const port = opt.port ? Number(opt.port) : await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'callroom-soak-'));
const serverLog = createWriteStream(join(dataDir, 'server.log'));
const baseUrl = `http://127.0.0.1:${port}`;
let server: ChildProcess | null = null;
let serverErrors = 0;
let killing = false;

async function startServerProcess(): Promise<void> {
  const args = [BIN, 'serve', '--dev', '--port', String(port), '--data', dataDir, '--resume-grace', String(GRACE_MS), '--log-level', 'warn', '--rate-limit', '0', '--ring-timeout', String(RING_TIMEOUT_MS)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  server = child;
  for (const s of [child.stdout, child.stderr]) {
    s.on('data', (b: Buffer) => {
      serverLog.write(b);
      for (const line of b.toString().split('\n')) if (/"level":(50|60)/.test(line)) serverErrors++;
    });
  }
  child.once('exit', (code, sig) => {
    if (server === child && !stopping && !killing) say(`server exited unexpectedly (code ${code}, signal ${sig})`);
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`the server did not come up on ${baseUrl}; see ${join(dataDir, 'server.log')}`);
    await sleep(100);
  }
}

async function killServer(): Promise<void> {
  const child = server;
  if (!child || child.exitCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  killing = true;
  child.kill('SIGKILL');
  await gone;
  killing = false;
}

// Interrupted: take the server child down too, so it is not left running.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    server?.kill('SIGKILL');
    say(`${sig}: stopped; data kept in ${dataDir}`);
    process.exit(130);
  });
}

// ---------- what every side of every call saw ----------
type Side = 'caller' | 'callee';
interface CallTrack {
  callID: string;
  caller: string;
  callee: string;
  invite: 'pending' | 'acked' | 'refused' | 'unknown';
  refusedCode?: number;
  incoming: number;
  accepted: number;
  ends: Record<Side, string[]>;
  /** Why a side may have seen no end: it was killed, or its end request's answer was lost. */
  excused: Partial<Record<Side, 'killed' | 'request-lost'>>;
  /** The side's session was replaced (not resumed) while the call was open. */
  sessionLost: Partial<Record<Side, boolean>>;
  stuck: boolean;
}
const calls = new Map<string, CallTrack>();
const stats = { drops: 0, blocks: 0, kills: 0, restarts: 0, resumed: 0, newSessions: 0, refused: new Map<number, number>() };

const auth = new Auth({ apiKey: DEV_DEFAULTS.apiKey, apiSecret: DEV_DEFAULTS.apiSecret });

/** One user: a CallClient that may be replaced when killed, maybe behind its own proxy. */
class Party {
  client!: CallClient;
  /** Calls this party is in and has not seen end, by callID. */
  readonly open = new Set<string>();
  constructor(
    readonly userID: string,
    readonly proxy: TcpProxy | null,
  ) {}

  side(t: CallTrack): Side {
    return t.caller === this.userID ? 'caller' : 'callee';
  }

  async connect(): Promise<void> {
    const c = new CallClient({ url: this.proxy?.url ?? baseUrl, requestTimeoutMs: 5000 });
    this.client = c;
    const end = (callID: string, what: string) => {
      const t = calls.get(callID);
      if (!t || this.client !== c) return;
      t.ends[this.side(t)].push(what);
      this.open.delete(callID);
    };
    c.on('call.incoming', (e) => {
      const t = calls.get(e.callID);
      if (!t || this.client !== c) return;
      t.incoming++;
      this.open.add(e.callID);
      onIncoming(this, t);
    });
    c.on('call.accepted', (e) => {
      const t = calls.get(e.callID);
      if (!t || this.client !== c) return;
      t.accepted++;
      onAccepted(t);
    });
    c.on('call.rejected', (e) => end(e.callID, `rejected:${e.code}`));
    c.on('call.hungup', (e) => end(e.callID, `hungup:${e.reason ?? ''}`));
    c.on('reconnected', ({ resumed }) => {
      if (resumed) stats.resumed++;
      else {
        stats.newSessions++;
        for (const id of this.open) {
          const t = calls.get(id);
          if (t) t.sessionLost[this.side(t)] = true;
        }
      }
    });
    c.on('closed', (e) => {
      if (this.client === c && !stopping) say(`${this.userID} closed unexpectedly: ${e.code} ${e.name} ${e.message}`);
    });
    await c.login(await auth.mint(this.userID, { ttlSeconds: 24 * 3600 }));
  }

  /** Kills the client mid-call: its socket goes without a goodbye, and a new client logs in. */
  async kill(): Promise<void> {
    stats.kills++;
    for (const id of this.open) {
      const t = calls.get(id);
      if (t) t.excused[this.side(t)] = 'killed';
    }
    this.open.clear();
    const old = this.client;
    // Behind a proxy: cut the wire first, so the server sees a lost socket (grace, then lost).
    if (this.proxy && rand() < 0.5) this.proxy.dropAll();
    old.close();
    await sleep(between(50, 500));
    await retry(() => this.connect(), `${this.userID} log in again`);
  }

  /** Waits until the client is connected (after a drop or a restart). */
  async ready(ms = 20_000): Promise<boolean> {
    const until = Date.now() + ms;
    while (this.client.state !== 'connected' || !this.client.user) {
      if (Date.now() > until || stopping) return false;
      await sleep(50);
    }
    return true;
  }

  /**
   * Accepts, retrying across lost connections. If an answer was lost and the retry finds the
   * call no longer ringing, the first accept may have worked unseen: hang up to settle it, as a
   * real client must.
   */
  async answer(t: CallTrack): Promise<void> {
    let lost = false;
    for (let attempt = 0; attempt < 6 && !stopping; attempt++) {
      if (!(await this.ready()) || !this.open.has(t.callID)) return;
      try {
        await this.client.accept(t.callID);
        return;
      } catch (err) {
        const code = (err as CallroomError).code;
        if (code === 204 || code === 205) {
          lost = true;
          await sleep(200);
          continue;
        }
        if (lost && this.open.has(t.callID)) await this.endCall(t, 'hangup');
        return;
      }
    }
  }

  /** Ends a call from this side (hang up or reject), retrying across lost connections. */
  async endCall(t: CallTrack, op: 'hangup' | 'reject'): Promise<void> {
    const side = this.side(t);
    let lost = false;
    for (let attempt = 0; attempt < 6 && !stopping; attempt++) {
      if (!(await this.ready())) break;
      if (!this.open.has(t.callID) && side === 'callee' && t.ends.callee.length > 0) return;
      try {
        await (op === 'hangup' ? this.client.hangup(t.callID) : this.client.reject(t.callID));
        t.ends[side].push(`self:${op}`);
        this.open.delete(t.callID);
        return;
      } catch (err) {
        const code = (err as CallroomError).code;
        if (code === 204 || code === 205) {
          lost = true;
          await sleep(200);
          continue;
        }
        // 600: the call ended meanwhile (the other side, a timeout, or our lost first attempt).
        if (lost && t.ends[side].length === 0) t.excused[side] = 'request-lost';
        return;
      }
    }
    if (lost && t.ends[side].length === 0) t.excused[side] = 'request-lost';
  }
}

async function retry(fn: () => Promise<void>, what: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= 30 || stopping) throw new Error(`${what}: ${(err as Error).message}`);
      await sleep(300);
    }
  }
}

const parties = new Map<string, Party>();
let stopping = false;
let violationsLive = 0;

/** Callee behaviour: mostly accept, sometimes reject, now and then let it ring out. */
function onIncoming(callee: Party, t: CallTrack): void {
  const r = rand();
  if (r < 0.04) return; // no answer: the ring timeout ends it
  void (async () => {
    await sleep(between(100, 600));
    if (!callee.open.has(t.callID)) return;
    if (r < 0.14) return callee.endCall(t, 'reject');
    await callee.answer(t);
  })();
}

/** Once answered: talk a while, then one side hangs up or a client is killed. */
function onAccepted(t: CallTrack): void {
  const caller = parties.get(t.caller)!;
  const callee = parties.get(t.callee)!;
  void (async () => {
    await sleep(between(300, 1500));
    const r = rand();
    if (r < 0.06) return (rand() < 0.5 ? caller : callee).kill().catch((e: Error) => say(e.message));
    await Promise.all([caller.ready(), callee.ready()]);
    if (r < 0.7) await caller.endCall(t, 'hangup');
    else await callee.endCall(t, 'hangup');
  })();
}

function settled(t: CallTrack): boolean {
  return (['caller', 'callee'] as const).every((s) => t.ends[s].length > 0 || t.excused[s] !== undefined);
}

async function cycle(caller: Party, callee: Party, meeting: MeetInfo, deadline: number): Promise<void> {
  while (Date.now() < deadline && !stopping) {
    await Promise.all([caller.ready(), callee.ready()]);
    const t: CallTrack = {
      callID: newCallID(),
      caller: caller.userID,
      callee: callee.userID,
      invite: 'pending',
      incoming: 0,
      accepted: 0,
      ends: { caller: [], callee: [] },
      excused: {},
      sessionLost: {},
      stuck: false,
    };
    calls.set(t.callID, t);
    caller.open.add(t.callID);
    try {
      await caller.client.call(callee.userID, meeting, { callID: t.callID });
      t.invite = 'acked';
    } catch (err) {
      const code = (err as CallroomError).code;
      if (code === 204 || code === 205) t.invite = 'unknown';
      else {
        t.invite = 'refused';
        t.refusedCode = code;
        stats.refused.set(code, (stats.refused.get(code) ?? 0) + 1);
        caller.open.delete(t.callID);
        await sleep(300);
        continue;
      }
    }
    // Now and then the caller gives up while it rings.
    if (rand() < 0.05) {
      await sleep(between(50, 300));
      if (t.accepted === 0) await caller.endCall(t, 'hangup');
    }
    const until = Date.now() + RING_TIMEOUT_MS + GRACE_MS + 15_000;
    let lookAt = Date.now() + RING_TIMEOUT_MS + GRACE_MS;
    while (!settled(t) && Date.now() < until && !stopping) {
      await sleep(50);
      // A side whose session was replaced cannot be told what its old session missed: once the
      // record says the call ended, that side is settled by the record (checked again at the end).
      if (Date.now() >= lookAt && (t.sessionLost.caller || t.sessionLost.callee)) {
        lookAt = Date.now() + 1000;
        const rec = (await records(t.caller, await adminToken(), 20).catch(() => [])).find((r) => r.callID === t.callID);
        if (rec?.state === 'ended') break;
      }
    }
    if (!settled(t) && !stopping && (t.sessionLost.caller || t.sessionLost.callee)) {
      const rec = (await records(t.caller, await adminToken(), 20).catch(() => [])).find((r) => r.callID === t.callID);
      if (rec?.state === 'ended') continue;
    }
    if (!settled(t) && !stopping) {
      t.stuck = true;
      say(`call ${t.callID} (${t.caller} → ${t.callee}) not settled: ${JSON.stringify({ ends: t.ends, excused: t.excused, invite: t.invite })}`);
    }
    await sleep(between(20, 200));
  }
}

// ---------- faults ----------
async function faults(deadline: number, started: number): Promise<void> {
  const proxied = [...parties.values()].filter((p) => p.proxy);
  const restartAt = Array.from({ length: RESTARTS }, (_, i) => started + ((i + 1) * durationMs) / (RESTARTS + 1));
  while (Date.now() < deadline && !stopping) {
    await sleep(between(1500, 3500));
    if (restartAt.length > 0 && Date.now() >= restartAt[0]!) {
      restartAt.shift();
      say('fault: SIGKILL the server and start it again');
      await killServer();
      await sleep(between(200, 800));
      await startServerProcess();
      stats.restarts++;
      continue;
    }
    const p = proxied[between(0, proxied.length)];
    if (!p?.proxy) continue;
    if (rand() < 0.7) {
      stats.drops++;
      p.proxy.dropAll();
    } else {
      stats.blocks++;
      p.proxy.block(true);
      p.proxy.dropAll();
      await sleep(between(300, 900));
      p.proxy.block(false);
    }
  }
}

// ---------- checks ----------
let admin: string | null = null;
async function adminToken(): Promise<string> {
  admin ??= await auth.mint('ops', { admin: true, ttlSeconds: 24 * 3600 });
  return admin;
}

async function records(userID: string, admin: string, limit = 1000): Promise<CallRecord[]> {
  const out: CallRecord[] = [];
  let before: number | undefined;
  for (;;) {
    const q = new URLSearchParams({ user: userID, limit: String(limit), ...(before !== undefined ? { before: String(before) } : {}) });
    const res = await fetch(`${baseUrl}/v1/calls?${q}`, { headers: { authorization: `Bearer ${admin}` } });
    if (!res.ok) throw new Error(`GET /v1/calls: HTTP ${res.status} ${await res.text()}`);
    const page = ((await res.json()) as { calls: CallRecord[] }).calls;
    out.push(...page);
    if (page.length < limit || limit < 1000) return out;
    before = page[page.length - 1]!.createdAt;
  }
}

async function check(): Promise<{ violations: string[]; summary: Record<string, unknown> }> {
  const violations: string[] = [];
  const admin = await adminToken();
  const recs = new Map<string, CallRecord>();
  for (const p of parties.values()) if (p.userID.startsWith('caller')) for (const r of await records(p.userID, admin)) recs.set(r.callID, r);
  let acked = 0;
  let unknownPersisted = 0;
  let refused = 0;
  let sideOutcomes = 0;
  let killedSides = 0;
  let lostSessionSides = 0;
  let requestLostSides = 0;
  const outcomes = new Map<string, number>();
  for (const t of calls.values()) {
    const rec = recs.get(t.callID);
    const v = (s: string) => violations.push(`${t.callID} (${t.caller} → ${t.callee}, invite ${t.invite}, record ${rec ? `${rec.state}/${rec.outcome}` : 'none'}): ${s}`);
    if (t.invite === 'refused') {
      refused++;
      if (rec) v('a refused invite left a call record');
      if (t.incoming + t.ends.caller.length + t.ends.callee.length > 0) v('a refused invite produced events');
      continue;
    }
    if (t.invite === 'acked') acked++;
    if (t.invite === 'pending') continue; // stopped mid-invite at the very end
    if (!rec) {
      if (t.invite === 'acked') v('acknowledged but no call record');
      else if (t.incoming + t.ends.callee.length > 0) v('no call record, yet the callee heard of it');
      continue;
    }
    if (t.invite === 'unknown') unknownPersisted++;
    if (rec.state !== 'ended') v('the call never ended');
    outcomes.set(rec.outcome ?? 'none', (outcomes.get(rec.outcome ?? 'none') ?? 0) + 1);
    if (t.incoming > 1) v(`the callee was told of the call ${t.incoming} times`);
    if (t.accepted > 1) v(`the caller was told of the answer ${t.accepted} times`);
    if (t.stuck) v('the call did not settle in time');
    for (const side of ['caller', 'callee'] as const) {
      const n = t.ends[side].length;
      if (n === 1) sideOutcomes++;
      else if (n > 1) v(`${side} saw ${n} outcomes: ${t.ends[side].join(', ')}`);
      else if (t.excused[side] === 'killed') killedSides++;
      else if (t.excused[side] === 'request-lost' && rec.state === 'ended') requestLostSides++;
      // A session that could not be resumed (the server was killed) cannot replay what its
      // predecessor missed: the record is the outcome for that side.
      else if (t.sessionLost[side] && rec.state === 'ended') lostSessionSides++;
      else if (side === 'callee' && t.incoming === 0 && t.ends.caller.some((e) => e.startsWith('self:') || e.startsWith('rejected:603'))) {
        sideOutcomes++; // cancelled before the callee was told, or the callee was gone: nothing to tell
      } else v(`${side} saw no outcome (${JSON.stringify({ ends: t.ends, excused: t.excused, sessionLost: t.sessionLost })})`);
    }
  }
  const ourIDs = new Set(calls.keys());
  const strays = [...recs.keys()].filter((id) => !ourIDs.has(id));
  if (strays.length > 0) violations.push(`${strays.length} call records for calls the soak never made`);
  const expectedRecords = acked + unknownPersisted;
  if (recs.size !== expectedRecords) violations.push(`call records ${recs.size} ≠ acknowledged ${acked} + unacknowledged-but-stored ${unknownPersisted}`);
  if (serverErrors > 0) violations.push(`the server logged ${serverErrors} errors (see server.log)`);
  return {
    violations,
    summary: {
      durationS: durationMs / 1000,
      pairs: PAIRS,
      seed: Number(opt.seed),
      invites: calls.size,
      acked,
      ackLostButStored: unknownPersisted,
      refused,
      refusedByCode: Object.fromEntries(stats.refused),
      records: recs.size,
      outcomes: Object.fromEntries(outcomes),
      sidesWithOneOutcome: sideOutcomes,
      sidesKilled: killedSides,
      sidesSessionLost: lostSessionSides,
      sidesRequestLost: requestLostSides,
      faults: { drops: stats.drops, blocks: stats.blocks, kills: stats.kills, restarts: stats.restarts },
      reconnects: { resumed: stats.resumed, newSession: stats.newSessions },
      violations: violations.length,
    },
  };
}

// ---------- run ----------
say(`server on ${baseUrl}, data ${dataDir}, ${PAIRS} pairs, ${durationMs / 1000} s, ${RESTARTS} restart(s), seed ${opt.seed}`);
let exitCode = 1;
try {
  await startServerProcess();
  const pairs: [Party, Party, MeetInfo][] = [];
  for (let i = 0; i < PAIRS; i++) {
    const mk = async (id: string, proxied: boolean) => {
      const p = new Party(id, proxied ? await startTcpProxy(port) : null);
      parties.set(id, p);
      await p.connect();
      return p;
    };
    const caller = await mk(`caller${i}`, i % 2 === 0);
    const callee = await mk(`callee${i}`, i % 3 === 0);
    pairs.push([caller, callee, await caller.client.createMeeting({ subject: `soak ${i}` })]);
  }
  const started = Date.now();
  const deadline = started + durationMs;
  const progress = setInterval(() => {
    const all = [...calls.values()];
    const done = all.filter(settled).length;
    say(`${Math.round((Date.now() - started) / 1000)}/${durationMs / 1000} s: ${all.length} invites, ${all.filter((t) => t.invite === 'acked').length} acked, ${done} settled; drops ${stats.drops + stats.blocks}, kills ${stats.kills}, restarts ${stats.restarts}`);
  }, 5000);
  await Promise.all([...pairs.map(([a, b, m]) => cycle(a, b, m, deadline)), faults(deadline, started)]);
  clearInterval(progress);
  say('cycles done; letting the last calls settle');
  await sleep(GRACE_MS + 1000);
  stopping = true;
  const { violations, summary } = await check();
  console.log(JSON.stringify(summary, null, 2));
  for (const v of violations.slice(0, 50)) console.log(`VIOLATION ${v}`);
  if (violations.length > 50) console.log(`... and ${violations.length - 50} more`);
  say(violations.length === 0 ? 'PASS: every call had one outcome on each side and one record' : `FAIL: ${violationsLive + violations.length} violations`);
  exitCode = violations.length === 0 ? 0 : 1;
} catch (err) {
  say(`error: ${(err as Error).stack ?? String(err)}`);
} finally {
  stopping = true;
  for (const p of parties.values()) {
    p.client?.close();
    await p.proxy?.close();
  }
  const child = server as ChildProcess | null;
  if (child && child.exitCode === null) {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([gone, sleep(5000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  serverLog.end();
  if (exitCode === 0) rmSync(dataDir, { recursive: true, force: true });
  else say(`kept ${dataDir} (server.log, callroom.db) for a look`);
}
process.exit(exitCode);
