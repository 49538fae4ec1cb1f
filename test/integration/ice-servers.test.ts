import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startServer } from '../helpers/server.js';

test('ice.servers: a logged-in client gets the STUN URLs and fresh coturn credentials for its own user ID', async () => {
  const t = await startServer({
    ice: { servers: [{ urls: ['stun:stun.example.com:3478'] }, { urls: ['turn:turn.example.com:3478'] }], turnSecret: 'coturn-secret', turnTtlSeconds: 3600 },
  });
  try {
    const c = await t.client('alice');
    const before = Math.floor(Date.now() / 1000);
    const r = await c.request('ice.servers', {});
    assert.deepEqual(r.iceServers[0], { urls: ['stun:stun.example.com:3478'] });
    const turn = r.iceServers[1]!;
    const [expiry, user] = turn.username!.split(':');
    assert.equal(user, 'alice');
    assert.ok(Number(expiry) >= before + 3600 && Number(expiry) <= before + 3601);
    assert.equal(turn.credential, createHmac('sha1', 'coturn-secret').update(turn.username!).digest('base64'));
    assert.equal(r.expiresAt, Number(expiry) * 1000);
    assert.equal(r.iceTransportPolicy, 'all', 'every candidate type unless the operator asks for relays only');
    assert.deepEqual(await c.getIceServers(), r.iceServers);
  } finally {
    await t.close();
  }
});

test('ice.servers: a server without ICE configuration answers with an empty list', async () => {
  const t = await startServer();
  try {
    const c = await t.client('bob');
    assert.deepEqual(await c.request('ice.servers', {}), { iceServers: [], expiresAt: null, iceTransportPolicy: 'all' });
  } finally {
    await t.close();
  }
});

test("ice.servers: with relay-only media (--ice-relay-only) the answer says iceTransportPolicy 'relay', and getIceConfig passes it on", async () => {
  const t = await startServer({ ice: { servers: [{ urls: ['turn:turn.example.com:3478'] }], turnSecret: 'coturn-secret', relayOnly: true } });
  try {
    const c = await t.client('carol');
    const r = await c.request('ice.servers', {});
    assert.equal(r.iceTransportPolicy, 'relay');
    assert.match(r.iceServers[0]!.username!, /^\d+:carol$/);
    const cfg = await c.getIceConfig();
    assert.equal(cfg.iceTransportPolicy, 'relay');
    assert.deepEqual(cfg.iceServers, r.iceServers);
  } finally {
    await t.close();
  }
});
