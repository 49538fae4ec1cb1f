/**
 * HTTP against a hostile browser or client (issue 12, points 9 and 10): security headers and CSP
 * on the page, no source maps outside --dev, a malformed URL is a 400, /metrics behind a token,
 * and in --dev neither dev tokens nor sockets for pages of foreign origins.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../helpers/server.js';
import { Hostile } from '../helpers/hostile.js';

/** dist/web, built next to dist/test. */
const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../web');

/** A GET with the path sent exactly as given (fetch would normalise it). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the page carries a CSP with frame-ancestors, nosniff and a referrer policy; source maps are not served', async () => {
  assert.ok(existsSync(join(WEB_ROOT, 'index.html')) && existsSync(join(WEB_ROOT, 'app.js.map')), 'the web page and its map are built');
  const ts = await startServer({ webRoot: WEB_ROOT });
  try {
    const page = await fetch(`${ts.url}/`);
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /object-src 'none'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.equal((await fetch(`${ts.url}/app.js.map`)).status, 404);
    assert.equal((await fetch(`${ts.url}/callroom-sdk.js.map`)).status, 404);
    assert.equal((await fetch(`${ts.url}/app.js`)).status, 200, 'control: the script itself is served');
    const bad = await rawGet(ts.url, '/%E0%A4%A');
    assert.equal(bad.status, 400, 'a malformed URL is the client\'s fault');
    assert.equal((JSON.parse(bad.body) as { name: string }).name, 'BAD_ARGUMENT');
  } finally {
    await ts.close();
  }
  const dev = await startServer({ webRoot: WEB_ROOT, dev: true });
  try {
    assert.equal((await fetch(`${dev.url}/app.js.map`)).status, 200, 'in --dev the maps are there for the developer');
  } finally {
    await dev.close();
  }
});

test('/metrics with --metrics-token needs the token', async () => {
  const ts = await startServer({ metricsToken: 'scrape-0123456789abcdef' });
  try {
    assert.equal((await fetch(`${ts.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${ts.url}/metrics`, { headers: { authorization: 'Bearer wrong-0123456789abcde' } })).status, 401);
    const ok = await fetch(`${ts.url}/metrics`, { headers: { authorization: 'Bearer scrape-0123456789abcdef' } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /callroom_connections/);
  } finally {
    await ts.close();
  }
});

test('--dev: a page of a foreign origin gets no dev token and no socket; loopback pages get both', async () => {
  const ts = await startServer({ dev: true });
  try {
    const port = new URL(ts.url).port;
    const devToken = (origin?: string) =>
      fetch(`${ts.url}/v1/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', ...(origin ? { origin } : {}) },
        body: JSON.stringify({ userID: 'alice' }),
      });
    assert.equal((await devToken('https://evil.example')).status, 403);
    assert.equal((await devToken('http://127.0.0.1.evil.example')).status, 403);
    assert.equal((await devToken(`http://127.0.0.1:${port}`)).status, 200);
    assert.equal((await devToken(`http://localhost:${port}`)).status, 200);
    assert.equal((await devToken()).status, 200, 'curl sends no Origin');
    await assert.rejects(Hostile.open(ts.url, { Origin: 'https://evil.example' }), (e: { status?: number }) => e.status === 403);
    const page = await Hostile.open(ts.url, { Origin: `http://127.0.0.1:${port}` });
    page.close();
  } finally {
    await ts.close();
  }
});
