import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iceServersFor, parseIceServers, turnCredential, IceConfigError } from '../../src/server/ice.js';
import { ConfigError, parseServeConfig } from '../../src/cli/config.js';

test('ice: the TURN REST credential is base64(HMAC-SHA1(secret, username)), as coturn computes it', () => {
  // Checked against: printf '%s' "1700000000:alice" | openssl dgst -sha1 -hmac "s3cr3t" -binary | base64
  assert.equal(turnCredential('s3cr3t', '1700000000:alice'), '81mjszbESz91Gv1n2xG/SVLX+uY=');
});

test('ice: TURN servers without a username get "<expiry>:<userID>" and its credential; STUN and fixed entries are left alone', () => {
  const cfg = {
    servers: [
      { urls: ['stun:stun.example.com:3478'] },
      { urls: ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349'] },
      { urls: ['turn:fixed.example.com'], username: 'u', credential: 'p' },
    ],
    turnSecret: 's3cr3t',
    turnTtlSeconds: 600,
  };
  const now = 1_700_000_000_000 - 600_000;
  const r = iceServersFor(cfg, 'alice', now);
  assert.deepEqual(r.iceServers[0], { urls: ['stun:stun.example.com:3478'] });
  assert.equal(r.iceServers[1]!.username, '1700000000:alice');
  assert.equal(r.iceServers[1]!.credential, '81mjszbESz91Gv1n2xG/SVLX+uY=');
  assert.deepEqual(r.iceServers[1]!.urls, cfg.servers[1]!.urls);
  assert.deepEqual(r.iceServers[2], { urls: ['turn:fixed.example.com'], username: 'u', credential: 'p' });
  assert.equal(r.expiresAt, 1_700_000_000_000);
  assert.equal(cfg.servers[1]!.urls.length, 2, 'the configuration is not changed');
});

test('ice: without a TURN secret nothing is minted and there is no expiry', () => {
  const r = iceServersFor({ servers: [{ urls: ['turn:t.example.com'] }] }, 'bob', 0);
  assert.deepEqual(r, { iceServers: [{ urls: ['turn:t.example.com'] }], expiresAt: null });
  assert.deepEqual(iceServersFor({ servers: [] }, 'bob', 0), { iceServers: [], expiresAt: null });
});

test('ice: --ice-servers takes a comma list or JSON, and names what is wrong', () => {
  assert.deepEqual(parseIceServers('stun:a.example.com:3478, turn:b.example.com:3478?transport=tcp'), [
    { urls: ['stun:a.example.com:3478'] },
    { urls: ['turn:b.example.com:3478?transport=tcp'] },
  ]);
  assert.deepEqual(parseIceServers('["stun:a.example.com", {"urls": "turn:b.example.com", "username": "u", "credential": "p"}]'), [
    { urls: ['stun:a.example.com'] },
    { urls: ['turn:b.example.com'], username: 'u', credential: 'p' },
  ]);
  assert.deepEqual(parseIceServers(''), []);
  assert.throws(() => parseIceServers('http://x.example.com'), /entry 1: "http:\/\/x.example.com" is not a stun:/);
  assert.throws(() => parseIceServers('[{"urls": []}]'), IceConfigError);
  assert.throws(() => parseIceServers('[{"urls": "turn:x", "username": "u"}]'), /username" and "credential" go together/);
  assert.throws(() => parseIceServers('[oops'), /not valid JSON/);
});

test('config: --ice-servers, --turn-secret and --turn-ttl come from flags or the environment', () => {
  const c = parseServeConfig(['--dev', '--ice-servers', 'stun:s.example.com,turn:t.example.com', '--turn-secret', 'x'], {});
  assert.deepEqual(c.iceServers, [{ urls: ['stun:s.example.com'] }, { urls: ['turn:t.example.com'] }]);
  assert.equal(c.turnSecret, 'x');
  assert.equal(c.turnTtl, 86400);
  const e = parseServeConfig(['--dev'], { CALLROOM_ICE_SERVERS: '["turn:t.example.com"]', CALLROOM_TURN_SECRET: 'y', CALLROOM_TURN_TTL_S: '120' });
  assert.deepEqual(e.iceServers, [{ urls: ['turn:t.example.com'] }]);
  assert.equal(e.turnSecret, 'y');
  assert.equal(e.turnTtl, 120);
  assert.deepEqual(parseServeConfig(['--dev'], {}).iceServers, []);
});

test('config: a bad --ice-servers, or --turn-secret without a TURN URL, stops the start with a message', () => {
  assert.throws(() => parseServeConfig(['--dev', '--ice-servers', 'ftp://x'], {}), (err: unknown) => err instanceof ConfigError && /--ice-servers \(CALLROOM_ICE_SERVERS\)/.test(err.message));
  assert.throws(() => parseServeConfig(['--dev', '--turn-secret', 'x'], {}), (err: unknown) => err instanceof ConfigError && /needs a turn: URL/.test(err.message));
  assert.throws(() => parseServeConfig(['--dev', '--ice-servers', 'stun:s.example.com', '--turn-secret', 'x'], {}), /needs a turn: URL/);
});

test('config: --ice-relay-only (CALLROOM_ICE_RELAY_ONLY) asks for relays only, and needs a turn: URL', () => {
  assert.equal(parseServeConfig(['--dev'], {}).iceRelayOnly, false);
  assert.equal(parseServeConfig(['--dev', '--ice-servers', 'turn:t.example.com', '--ice-relay-only'], {}).iceRelayOnly, true);
  assert.equal(parseServeConfig(['--dev'], { CALLROOM_ICE_SERVERS: 'turn:t.example.com', CALLROOM_ICE_RELAY_ONLY: '1' }).iceRelayOnly, true);
  assert.throws(() => parseServeConfig(['--dev', '--ice-relay-only'], {}), (err: unknown) => err instanceof ConfigError && /--ice-relay-only \(CALLROOM_ICE_RELAY_ONLY\) needs a turn: URL/.test(err.message));
  assert.throws(() => parseServeConfig(['--dev', '--ice-servers', 'stun:s.example.com', '--ice-relay-only'], {}), /needs a turn: URL/);
});
