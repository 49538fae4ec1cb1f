/**
 * The SDK's reconnect policy is a small replaceable object: the client asks it for each delay,
 * and gives up (closed, 204) when it answers null.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallClient } from '../../src/sdk/index.js';
import { next, startServer } from '../helpers/server.js';
import { startProxy } from '../helpers/proxy.js';

test('a reconnect policy is asked for each delay; when it gives up, the client closes with 204', async () => {
  const ts = await startServer();
  const proxy = await startProxy(ts.url);
  try {
    const asked: number[] = [];
    const c = new CallClient({
      url: proxy.url,
      reconnectPolicy: { nextDelayMs: (attempt) => (asked.push(attempt), attempt < 2 ? 10 : null) },
    });
    await c.login(await ts.token('alice'));
    const tries: number[] = [];
    c.on('reconnecting', (e) => tries.push(e.attempt));
    const closed = next(c, 'closed');
    // The network is gone for good: every attempt is refused.
    proxy.block(true);
    proxy.dropAll();
    const why = await closed;
    assert.equal(why.code, 204);
    assert.deepEqual(asked, [0, 1, 2], 'asked before each attempt, and once more to give up');
    assert.deepEqual(tries, [1, 2]);
    assert.equal(c.state, 'closed');
  } finally {
    await proxy.close();
    await ts.close();
  }
});
