/**
 * Browser test harness: a real callroom server (in-process, ephemeral port, temporary SQLite
 * folder, --dev so the page gets tokens by name) serving the built page from dist/web, and
 * Debian's Chromium driven by playwright-core with a fake camera and microphone. Every wait is
 * on page state (DOM, WebRTC statistics); nothing sleeps.
 */
import { after, before } from 'node:test';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createServer, type CallroomServer } from '../../src/server/app.js';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import type { IceConfig } from '../../src/server/ice.js';
import type { CallRecord } from '../../src/protocol/messages.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/test/e2e → dist/web */
export const WEB_ROOT = resolve(here, '../../web');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = resolve(process.cwd(), 'test-results/screenshots');
/** Longest wait for any one page state. */
export const WAIT_MS = 20_000;

export const API = { apiKey: 'e2e-key', apiSecret: 'e2e-secret-0123456789abcdef0123456789abcdef' };

export interface E2EServer {
  server: CallroomServer;
  url: string;
  close(): Promise<void>;
}

export interface ServerOpts {
  ringTimeoutMs?: number;
  /** The time an agent has to accept or reject a customer offered (`--assign-timeout`). */
  assignTimeoutMs?: number;
  /** How long the server holds a session whose connection dropped (default 20 s). */
  resumeGraceMs?: number;
  /** STUN/TURN servers, TURN secret and relay-only for `ice.servers` (test/e2e/turn.test.ts). */
  ice?: IceConfig;
}

export async function startServer(opts: ServerOpts = {}): Promise<E2EServer> {
  if (!existsSync(join(WEB_ROOT, 'index.html'))) throw new Error(`the page is not built (${WEB_ROOT}): run npm run build`);
  const dir = mkdtempSync(join(tmpdir(), 'callroom-e2e-'));
  const server = createServer({
    host: '127.0.0.1',
    port: 0,
    store: new SqliteStore(join(dir, 'callroom.db')),
    auth: API,
    dev: true,
    webRoot: WEB_ROOT,
    ringTimeoutMs: opts.ringTimeoutMs ?? 30_000,
    ...(opts.assignTimeoutMs !== undefined ? { assignTimeoutMs: opts.assignTimeoutMs } : {}),
    ...(opts.resumeGraceMs !== undefined ? { limits: { resumeGraceMs: opts.resumeGraceMs } } : {}),
    ...(opts.ice ? { ice: opts.ice } : {}),
  });
  const { url } = await server.start();
  return {
    server,
    url,
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The flags this machine's Chromium needs (see docs): headless, no network chatter, fake devices. */
export const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  '--allow-loopback-in-peer-connection',
];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: run "bash scripts/system-deps.sh" (or set CHROMIUM_PATH)`);
  }
  // playwright-core gives each launch a fresh, empty --user-data-dir and adds --headless and --no-sandbox.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, chromiumSandbox: false, args: CHROMIUM_ARGS, timeout: 60_000 });
}

export interface UserPage {
  name: string;
  page: Page;
  context: BrowserContext;
  /** Console errors the page printed (shown when a test fails). */
  errors: string[];
}

export interface OpenOptions {
  viewport?: { width: number; height: number };
  locale?: string;
  /** A script run before the page's own (e.g. to refuse devices). */
  initScript?: string;
  /** Open this path instead of `/` (e.g. a room link). */
  path?: string;
  /** Log in with this name at once (default true). */
  login?: boolean;
}

export async function openUser(browser: Browser, baseUrl: string, name: string, o: OpenOptions = {}): Promise<UserPage> {
  const context = await browser.newContext({ viewport: o.viewport ?? { width: 1024, height: 720 }, locale: o.locale ?? 'en-US' });
  if (o.initScript) await context.addInitScript(o.initScript);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(new URL(o.path ?? '/', baseUrl).toString());
  const u = { name, page, context, errors };
  if (o.login !== false) await login(u);
  return u;
}

/** Logs in by name on the login screen; waits for the screen the page should land on. */
export async function login(u: UserPage, landOn = 'home'): Promise<void> {
  await u.page.getByLabel('Your name').fill(u.name);
  await u.page.getByRole('button', { name: 'Log in', exact: true }).click();
  await onScreen(u, landOn);
}

export async function screenshot(u: UserPage, file: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await u.page.screenshot({ path: join(SCREENSHOTS, file), fullPage: false });
}

/** Waits until the home screen's notice says `text`. */
export async function noticeSays(u: UserPage, text: string | RegExp): Promise<void> {
  const n = u.page.locator('#notice');
  await n.waitFor({ state: 'visible' });
  await u.page.waitForFunction(
    ([want, isRe]) => {
      const t = document.getElementById('notice')?.textContent ?? '';
      return isRe ? new RegExp(want).test(t) : t.includes(want);
    },
    [typeof text === 'string' ? text : text.source, typeof text !== 'string'] as const,
  );
}

/** `from` calls the user `to` by typing the ID and pressing Call. */
export async function dial(from: UserPage, to: string): Promise<void> {
  await from.page.getByLabel('User ID').fill(to);
  await from.page.locator('#call-form').getByRole('button', { name: 'Call', exact: true }).click();
}

/** `caller` calls `callee`, who accepts (the button's name in the callee's language); both reach the call screen. */
export async function connectCall(caller: UserPage, callee: UserPage, acceptLabel = 'Accept'): Promise<void> {
  await dial(caller, callee.name);
  await onScreen(callee, 'incoming');
  await callee.page.getByRole('button', { name: acceptLabel }).click();
  await Promise.all([onScreen(caller, 'call'), onScreen(callee, 'call')]);
}

/** Waits until a reloaded page has logged in again (resuming or not) and is on `screen`. */
export async function backOn(u: UserPage, screen = 'call'): Promise<void> {
  await u.page.waitForFunction(() => (globalThis as unknown as { callroom: { client: { user: unknown } | null } }).callroom.client?.user != null);
  await onScreen(u, screen);
}

/** The call records as the page's session reads them (`calls.list`), newest first. */
export function pageCalls(u: UserPage): Promise<CallRecord[]> {
  return u.page.evaluate(() => (globalThis as unknown as { callroom: { client: { listCalls(): Promise<CallRecord[]> } } }).callroom.client.listCalls());
}

/** Waits for the screen named (login, home, outgoing, incoming, call). */
export async function onScreen(u: UserPage, screen: string): Promise<void> {
  await u.page.waitForFunction((s) => document.body.dataset.screen === s, screen);
}

/** The tone playing (ringback, ringtone) or '' (silence). */
export function tone(u: UserPage): Promise<string> {
  return u.page.evaluate(() => document.body.dataset.tone ?? '');
}

export async function silent(u: UserPage): Promise<void> {
  await u.page.waitForFunction(() => !document.body.dataset.tone);
}

type Stat = 'framesDecoded' | 'packetsReceived' | 'bytesReceived';

/** Sum of an inbound-rtp counter for what `from` sends to this page. */
export function inbound(u: UserPage, from: string, kind: 'audio' | 'video', stat: Stat): Promise<number> {
  return u.page.evaluate(
    async ([from, kind, stat]) => {
      const room = (globalThis as unknown as { callroom: { room: { getStats(id: string): Promise<RTCStatsReport | null> } | null } }).callroom.room;
      const report = room ? await room.getStats(from) : null;
      let n = 0;
      report?.forEach((s: Record<string, unknown>) => {
        if (s.type === 'inbound-rtp' && s.kind === kind) n += Number(s[stat] ?? 0);
      });
      return n;
    },
    [from, kind, stat] as const,
  );
}

/**
 * Waits until the counter is above zero and then grows again: media keeps arriving.
 * (waitForFunction does not wait for a promise, so the predicate starts getStats and reads the
 * last value it got.)
 */
export async function inboundGrows(u: UserPage, from: string, kind: 'audio' | 'video', stat: Stat): Promise<{ first: number; later: number }> {
  const fn = ([from, kind, stat, above]: readonly [string, string, string, number]) => {
    const g = globalThis as unknown as {
      callroom: { room: { getStats(id: string): Promise<RTCStatsReport | null> } | null };
      __inbound?: Record<string, { value: number; pending: boolean }>;
    };
    const key = `${from}/${kind}/${stat}`;
    const box = ((g.__inbound ??= {})[key] ??= { value: 0, pending: false });
    if (!box.pending && g.callroom.room) {
      box.pending = true;
      g.callroom.room.getStats(from).then(
        (report) => {
          let n = 0;
          report?.forEach((s: Record<string, unknown>) => {
            if (s.type === 'inbound-rtp' && s.kind === kind) n += Number(s[stat] ?? 0);
          });
          box.value = n;
          box.pending = false;
        },
        () => (box.pending = false),
      );
    }
    return box.value > above ? box.value : false;
  };
  const first = Number(await (await u.page.waitForFunction(fn, [from, kind, stat, 0] as const, { polling: 100 })).jsonValue());
  const later = Number(await (await u.page.waitForFunction(fn, [from, kind, stat, first] as const, { polling: 100 })).jsonValue());
  return { first, later };
}

/** Waits for `from`'s video tile to show decoded video (videoWidth > 0); returns when the first frame was seen (ms, epoch). */
export async function remoteVideoShown(u: UserPage, from: string): Promise<number> {
  const sel = `#tiles .tile[data-user="${from}"]`;
  await u.page.waitForFunction((s) => {
    const tile = document.querySelector<HTMLElement>(s);
    const v = tile?.querySelector('video');
    return !!tile && !!v && v.videoWidth > 0 && tile.dataset.video === 'on';
  }, sel);
  return Number(await u.page.locator(sel).getAttribute('data-first-frame-at'));
}

export async function closeAll(users: UserPage[]): Promise<void> {
  for (const u of users) await u.context.close().catch(() => undefined);
}

/** Prints what the pages logged as errors (to help read a failure). */
export function reportErrors(users: UserPage[]): void {
  for (const u of users) if (u.errors.length) console.log(`console errors on ${u.name}'s page:\n  ${u.errors.join('\n  ')}`);
}

/**
 * For a file whose tests drive bare pages with the SDK bundle loaded (no softphone page): starts
 * a server and a browser before the file's tests and closes everything after them.
 */
export function bundlePages(): { server(): E2EServer; page(): Promise<Page> } {
  let srv: E2EServer;
  let browser: Browser;
  const pages: Page[] = [];
  before(async () => {
    srv = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    for (const p of pages) await p.context().close().catch(() => undefined);
    await browser?.close();
    await srv?.close();
  });
  return {
    server: () => srv,
    /** A page of the server's origin with the SDK bundle loaded (window.Callroom, window.RTCSDK). */
    async page() {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      page.setDefaultTimeout(WAIT_MS);
      pages.push(page);
      await page.goto(`${srv.url}/healthz`);
      await page.addScriptTag({ url: '/callroom-sdk.js' });
      return page;
    },
  };
}

/**
 * For a file whose tests drive the softphone page: a server and a browser started before its
 * tests; after them, the pages' errors reported and everything closed. Push the pages a test
 * opens onto `users`.
 */
export function softphonePages(opts: ServerOpts = {}): { readonly srv: E2EServer; readonly browser: Browser; readonly users: UserPage[] } {
  const suite = { srv: undefined as unknown as E2EServer, browser: undefined as unknown as Browser, users: [] as UserPage[] };
  before(async () => {
    suite.srv = await startServer(opts);
    suite.browser = await launchBrowser();
  });
  after(async () => {
    reportErrors(suite.users);
    await closeAll(suite.users);
    await suite.browser?.close();
    await suite.srv?.close();
  });
  return suite;
}
