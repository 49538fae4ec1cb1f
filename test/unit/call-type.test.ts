/**
 * Call types (audio or video) below the wire: the record a new call starts with, what the callee
 * is told, and records stored before call types existed (SQLite rows, Redis JSON) reading back as
 * video calls; the page's saved call after a reload.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readCallType, type MeetInfo } from '../../src/protocol/messages.js';
import { incomingNotice } from '../../src/server/rules/calls.js';
import { applyCallEvent, newCall } from '../../src/server/rules/machine.js';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { storedCall } from '../../src/server/store/types.js';
import { parseResumeState } from '../../web/resume-state.js';

const meeting: MeetInfo = { ID: 7, pswd: 'pw', subject: '', pubMeetUrl: 'http://x/?meeting=7', creator: 'alice', memberCount: 0, startTime: 1 };

test('call type: a new call is a video call unless it is made an audio call; transitions keep the type', () => {
  assert.equal(newCall('c1', 'alice', 'bob', 7, 1000).callType, 'video');
  const audio = newCall('c2', 'alice', 'bob', 7, 1000, 'audio');
  assert.equal(audio.callType, 'audio');
  const active = applyCallEvent(audio, 'accept', 1100, 'bob');
  const ended = applyCallEvent(active, 'hangup', 1200, 'alice');
  assert.equal(ended.callType, 'audio');
});

test('call type: the callee is told the type of the call that rings, also when a waiting call rings later', () => {
  const caller = { userID: 'alice', nickName: 'Alice' };
  const audio = incomingNotice(newCall('c1', 'alice', 'bob', 7, 1000, 'audio'), caller, meeting, 'x');
  assert.equal(audio.ev, 'call.incoming');
  assert.deepEqual(audio.payload, { callID: 'c1', caller, meeting, usrExtDat: 'x', callType: 'audio' });
  const waited = incomingNotice(newCall('c2', 'alice', 'bob', 7, 1000), caller, meeting, '', 5_000);
  assert.deepEqual(waited.payload, { callID: 'c2', caller, meeting, usrExtDat: '', callType: 'video', ringsForMs: 5_000 });
});

test('call type: a stored value other than audio or video (a record older than call types) reads as video', () => {
  assert.equal(readCallType('audio'), 'audio');
  assert.equal(readCallType('video'), 'video');
  for (const v of [null, undefined, '', 'fax', 1]) assert.equal(readCallType(v), 'video');
  const { callType: _dropped, ...old } = newCall('c1', 'alice', 'bob', 7, 1000, 'audio');
  assert.equal(storedCall(JSON.stringify(old)).callType, 'video', 'Redis JSON without callType');
  assert.equal(storedCall(JSON.stringify(newCall('c2', 'alice', 'bob', 7, 1000, 'audio'))).callType, 'audio');
});

test('call type: an SQLite file from before call types opens; its calls read as video; new calls keep their type across a reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'callroom-calltype-'));
  const file = join(dir, 'callroom.db');
  try {
    // A file as it was before call types: the current schema without the call_type column.
    await new SqliteStore(file).close();
    const old = new Database(file);
    old.exec(`ALTER TABLE calls DROP COLUMN call_type;
      INSERT INTO calls (call_id, caller, callee, meeting_id, state, created_at, answered_at, ended_at, outcome, ended_by, media)
        VALUES ('old-1', 'alice', 'bob', 1, 'ended', 1000, 1100, 1200, 'completed', 'alice', 'connected');`);
    assert.ok(!(old.prepare('PRAGMA table_info(calls)').all() as { name: string }[]).some((c) => c.name === 'call_type'));
    old.close();

    let store = new SqliteStore(file);
    const rec = await store.getCall('old-1');
    assert.equal(rec?.callType, 'video');
    assert.equal(rec?.media, 'connected', 'the other fields are intact');
    await store.insertCall(newCall('new-audio', 'carol', 'dave', 1, 2000, 'audio'));
    await store.insertCall(newCall('new-video', 'carol', 'erin', 1, 3000));
    await store.updateCall(applyCallEvent((await store.getCall('new-audio'))!, 'accept', 2100, 'dave'));
    await store.close();

    store = new SqliteStore(file);
    assert.deepEqual(
      (await store.listCalls({ limit: 10 })).map((c) => [c.callID, c.callType]),
      [['new-video', 'video'], ['new-audio', 'audio'], ['old-1', 'video']],
    );
    assert.equal((await store.getCall('new-audio'))?.state, 'active');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('call type: the page reads back an audio call saved for a reload; a saved call without a type is accepted, a wrong type is not', () => {
  const NOW = 1_800_000_000_000;
  const base = { userID: 'alice', sessionID: 's-1', lastSeq: 3, savedAt: NOW - 1_000, resumeGraceMs: 20_000, room: null };
  const call = { callID: 'c-1', peer: { userID: 'bob', nickName: 'Bob' }, meeting, answeredAt: NOW - 30_000, creator: true };
  assert.equal(parseResumeState(JSON.stringify({ ...base, call: { ...call, callType: 'audio' } }), NOW)?.call?.callType, 'audio');
  assert.equal(parseResumeState(JSON.stringify({ ...base, call }), NOW)?.call?.callType, undefined);
  assert.equal(parseResumeState(JSON.stringify({ ...base, call: { ...call, callType: 'fax' } }), NOW), null);
});
