import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { DuplicateCallError } from '../../src/server/store/types.js';
import { newCall, applyCallEvent } from '../../src/server/rules/machine.js';

function tempStore(): { store: SqliteStore; file: string; done(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'callroom-store-'));
  const file = join(dir, 'callroom.db');
  const store = new SqliteStore(file);
  return {
    store,
    file,
    async done() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('sqlite store: a write resolves only once it is committed (another connection sees it)', async () => {
  const t = tempStore();
  try {
    const other = new Database(t.file, { readonly: true });
    await t.store.insertCall(newCall('c1', 'alice', 'bob', 1, 1000));
    const row = other.prepare('SELECT state FROM calls WHERE call_id = ?').get('c1') as { state: string } | undefined;
    assert.equal(row?.state, 'ringing');
    other.close();
  } finally {
    await t.done();
  }
});

test('sqlite store: a duplicate call in a group fails alone; the rest of the group commits', async () => {
  const t = tempStore();
  try {
    await t.store.insertCall(newCall('dup', 'alice', 'bob', 1, 1000));
    // Queued in the same turn: one group commit.
    const results = await Promise.allSettled([
      t.store.insertCall(newCall('a', 'alice', 'carol', 1, 2000)),
      t.store.insertCall(newCall('dup', 'dave', 'erin', 1, 2000)),
      t.store.insertCall(newCall('b', 'frank', 'grace', 1, 2000)),
      t.store.updateCall(applyCallEvent(newCall('dup', 'alice', 'bob', 1, 1000), 'accept', 3000, 'bob')),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    assert.ok((results[1] as PromiseRejectedResult).reason instanceof DuplicateCallError);
    assert.equal((await t.store.getCall('a'))?.callee, 'carol');
    assert.equal((await t.store.getCall('b'))?.callee, 'grace');
    const dup = await t.store.getCall('dup');
    assert.equal(dup?.caller, 'alice', 'the duplicate did not overwrite the first call');
    assert.equal(dup?.state, 'active', 'the update after the failed write in the group committed');
  } finally {
    await t.done();
  }
});

test('sqlite store: writes after close are refused', async () => {
  const t = tempStore();
  await t.done();
  await assert.rejects(t.store.insertCall(newCall('late', 'alice', 'bob', 1, 1000)), /closed/);
});

test('sqlite store: every acknowledged write is there after close and reopen', async () => {
  const t = tempStore();
  try {
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 500; i++) writes.push(t.store.insertCall(newCall(`c${i}`, `u${i % 7}`, `v${i % 11}`, 1, 1000 + i)));
    await Promise.all(writes);
    await new Promise((r) => setTimeout(r, 300)); // let the checkpointer run once
    await t.store.close();
    const again = new SqliteStore(t.file);
    assert.equal((await again.listCalls({ limit: 1000 })).length, 500);
    assert.equal((await again.getCall('c499'))?.caller, 'u2');
    await again.close();
  } finally {
    await t.done();
  }
});

test('sqlite store: a version-0 database (calls keyed by call_id) is migrated with its calls intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'callroom-store-'));
  const file = join(dir, 'callroom.db');
  try {
    const old = new Database(file);
    old.exec(`CREATE TABLE calls (call_id TEXT PRIMARY KEY, caller TEXT NOT NULL, callee TEXT NOT NULL,
      meeting_id INTEGER NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL, answered_at INTEGER,
      ended_at INTEGER, outcome TEXT, ended_by TEXT) WITHOUT ROWID;
      CREATE INDEX calls_caller ON calls(caller, created_at);
      CREATE INDEX calls_open ON calls(state) WHERE state <> 'ended';
      INSERT INTO calls VALUES ('z-first', 'alice', 'bob', 1, 'ended', 1000, 1100, 1200, 'completed', 'alice');
      INSERT INTO calls VALUES ('a-second', 'bob', 'carol', 1, 'ringing', 2000, NULL, NULL, NULL, NULL);`);
    old.close();
    const store = new SqliteStore(file);
    assert.deepEqual((await store.listCalls({ limit: 10 })).map((c) => c.callID), ['a-second', 'z-first']);
    assert.deepEqual((await store.listOpenCalls()).map((c) => c.callID), ['a-second']);
    assert.equal((await store.getCall('z-first'))?.outcome, 'completed');
    await assert.rejects(store.insertCall(newCall('z-first', 'x', 'y', 1, 3000)), DuplicateCallError);
    await store.close();
    const check = new Database(file, { readonly: true });
    assert.equal(check.pragma('user_version', { simple: true }), 1);
    check.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite store: webhook outbox rows are committed with the call write they come with; a duplicate call writes none; heads keep each key in order', async () => {
  const t = tempStore();
  let commits = 0;
  t.store.onOutboxCommit(() => (commits += 1));
  const row = (eventID: string, key: string, url = 'http://backend/h') => ({ eventID, url, key, type: 'call.ringing' as const, body: `{"id":"${eventID}"}`, createdAt: 1000 });
  try {
    const other = new Database(t.file, { readonly: true });
    const count = () => (other.prepare('SELECT count(*) AS n FROM webhook_outbox').get() as { n: number }).n;
    const c1 = newCall('c1', 'alice', 'bob', 1, 1000);
    await t.store.insertCall(c1, [row('e1', 'call:c1')]);
    assert.equal(count(), 1, 'the row is visible to another connection once the call write resolved');
    assert.equal(commits, 1, 'listeners are told after the commit');
    await assert.rejects(t.store.insertCall(c1, [row('e-dup', 'call:c1')]), DuplicateCallError);
    assert.equal(count(), 1, 'a call write that fails writes no event');
    await t.store.updateCall(applyCallEvent(c1, 'reject', 1100, 'bob'), [row('e2', 'call:c1'), row('e3', 'call:c1')]);
    await t.store.appendOutbox([row('e4', 'user:alice'), row('e5', 'call:c1', 'http://other/h')]);
    assert.deepEqual(t.store.outboxHeads(10).map((d) => d.eventID), ['e1', 'e4', 'e5'], 'one head per (url, key), oldest first');
    await t.store.updateDelivery(t.store.outboxHeads(10)[0]!.seq, { status: 'sent', attempts: 1, nextAt: 1200, lastStatus: 200, lastError: null, sentAt: 1200 });
    assert.deepEqual(t.store.outboxHeads(10).map((d) => d.eventID), ['e2', 'e4', 'e5'], 'the next event of the call comes up once the first is sent');
    assert.equal(t.store.outboxDepth(), 4);
    assert.deepEqual(t.store.recentDeliveries(2).map((d) => d.eventID), ['e5', 'e4']);
    assert.equal(await t.store.pruneDeliveries(2000), 1, 'only done rows are pruned');
    other.close();
  } finally {
    await t.done();
  }
});
