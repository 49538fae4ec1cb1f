import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRequest, peekRequestID, utf8Length } from '../../src/protocol/decode.js';
import { ErrorCodes } from '../../src/protocol/errors.js';
import { Limits } from '../../src/protocol/messages.js';

function fails(text: string, error: keyof typeof ErrorCodes, id: number | null, maxBytes?: number) {
  const d = decodeRequest(text, maxBytes);
  assert.equal(d.ok, false, `expected ${text.slice(0, 80)} to be refused`);
  if (d.ok) return;
  assert.equal(d.error, error, `${text.slice(0, 80)}: ${d.message}`);
  assert.equal(d.id, id);
  assert.ok(d.message.length > 0, 'the refusal says why');
  return d;
}

test('decode: a valid request passes with its fields', () => {
  const d = decodeRequest(JSON.stringify({ id: 7, op: 'call.invite', callID: 'c-1', callee: 'bob', meetingID: 3, usrExtDat: 'hi' }));
  assert.equal(d.ok, true);
  if (!d.ok) return;
  assert.deepEqual(d.request, { id: 7, op: 'call.invite', callID: 'c-1', callee: 'bob', meetingID: 3, usrExtDat: 'hi' });
});

test('decode: malformed JSON is BAD_FRAME (6) without an id', () => {
  fails('{"id":1,"op":"ping"', 'BAD_FRAME', null);
  fails('not json at all', 'BAD_FRAME', null);
  fails('', 'BAD_FRAME', null);
});

test('decode: JSON that is not an object is BAD_FRAME (6)', () => {
  for (const t of ['[1,2]', '"ping"', '42', 'null', 'true', '[{"id":1,"op":"ping"}]']) fails(t, 'BAD_FRAME', null);
});

test('decode: a missing or invalid id is BAD_FRAME (6) with id null', () => {
  fails('{"op":"ping"}', 'BAD_FRAME', null);
  fails('{"id":"1","op":"ping"}', 'BAD_FRAME', null);
  fails('{"id":-1,"op":"ping"}', 'BAD_FRAME', null);
  fails('{"id":1.5,"op":"ping"}', 'BAD_FRAME', null);
  fails('{"id":null,"op":"ping"}', 'BAD_FRAME', null);
  fails(`{"id":${Number.MAX_SAFE_INTEGER + 2},"op":"ping"}`, 'BAD_FRAME', null);
});

test('decode: a missing or non-string op is BAD_FRAME (6) keeping the id', () => {
  fails('{"id":3}', 'BAD_FRAME', 3);
  fails('{"id":3,"op":5}', 'BAD_FRAME', 3);
});

test('decode: an unknown op is UNKNOWN_OP (4) keeping the id', () => {
  const d = fails('{"id":9,"op":"call.teleport"}', 'UNKNOWN_OP', 9);
  assert.match(d!.message, /call\.teleport/);
  fails('{"id":10,"op":"__proto__"}', 'UNKNOWN_OP', 10);
  fails('{"id":11,"op":"toString"}', 'UNKNOWN_OP', 11);
  assert.equal(ErrorCodes.UNKNOWN_OP, 4);
});

test('decode: schema failures are BAD_ARGUMENT (5) keeping the id and naming the field', () => {
  const wrongType = fails('{"id":1,"op":"call.invite","callID":"c","callee":"bob","meetingID":"3"}', 'BAD_ARGUMENT', 1);
  assert.match(wrongType!.message, /meetingID/);
  const missing = fails('{"id":2,"op":"call.invite","callID":"c","meetingID":3}', 'BAD_ARGUMENT', 2);
  assert.match(missing!.message, /callee/);
  fails('{"id":3,"op":"ping","extra":1}', 'BAD_ARGUMENT', 3);
  fails('{"id":4,"op":"dnd.set","dnd":1}', 'BAD_ARGUMENT', 4);
  fails('{"id":5,"op":"call.accept","callID":"has space"}', 'BAD_ARGUMENT', 5);
  fails('{"id":6,"op":"call.invite","callID":"c","callee":"","meetingID":3}', 'BAD_ARGUMENT', 6);
  fails('{"id":7,"op":"call.invite","callID":"c","callee":"bob","meetingID":0}', 'BAD_ARGUMENT', 7);
  fails('{"id":8,"op":"call.invite","callID":"c","callee":"a\\u0000b","meetingID":3}', 'BAD_ARGUMENT', 8);
  fails('{"id":9,"op":"meeting.signal","meetingID":1,"to":"bob","kind":"bye","payload":null}', 'BAD_ARGUMENT', 9);
  assert.equal(ErrorCodes.BAD_ARGUMENT, 5);
});

test('decode: usrExtDat is limited to 4096 characters', () => {
  const at = (n: number) => JSON.stringify({ id: 1, op: 'call.hangup', callID: 'c', usrExtDat: 'x'.repeat(n) });
  assert.equal(decodeRequest(at(Limits.usrExtDat)).ok, true);
  fails(at(Limits.usrExtDat + 1), 'BAD_ARGUMENT', 1);
});

test('decode: a frame over the cap is FRAME_TOO_LARGE (901) keeping the id', () => {
  const big = JSON.stringify({ id: 42, op: 'meeting.message', meetingID: 1, text: 'x'.repeat(Limits.frameBytes) });
  const d = fails(big, 'FRAME_TOO_LARGE', 42);
  assert.equal(ErrorCodes.FRAME_TOO_LARGE, 901);
  assert.match(d!.message, /65536/);
  // Also when the frame is not even valid JSON: the size is checked first.
  fails(`{"id": 43, "op": "x", "junk": "${'y'.repeat(Limits.frameBytes)}`, 'FRAME_TOO_LARGE', 43);
  // No id to keep when the frame does not start with one.
  fails(`["${'z'.repeat(Limits.frameBytes)}"]`, 'FRAME_TOO_LARGE', null);
});

test('decode: the cap counts UTF-8 bytes, not characters', () => {
  // 30 000 euro signs are 30 000 characters but 90 000 bytes.
  const text = JSON.stringify({ id: 5, op: 'meeting.message', meetingID: 1, text: '€'.repeat(30_000) });
  assert.ok(text.length < Limits.frameBytes);
  fails(text, 'FRAME_TOO_LARGE', 5);
});

test('decode: a frame exactly at the cap passes, one byte more does not', () => {
  const head = '{"id":1,"op":"ping"';
  const pad = (n: number) => `${head}${' '.repeat(n - head.length - 1)}}`;
  assert.equal(pad(100).length, 100);
  assert.equal(decodeRequest(pad(100), 100).ok, true);
  fails(pad(101), 'FRAME_TOO_LARGE', 1, 100);
});

test('utf8Length counts 1-4 bytes per code point like Buffer does', () => {
  for (const s of ['', 'abc', 'é', '€', '😀', 'a€😀é\u0000']) {
    assert.equal(utf8Length(s), Buffer.byteLength(s, 'utf8'), JSON.stringify(s));
  }
});

test('peekRequestID reads a leading id without parsing, and nothing else', () => {
  assert.equal(peekRequestID('{"id":12,"op":"ping"}'), 12);
  assert.equal(peekRequestID('{ "id" : 7 }'), 7);
  assert.equal(peekRequestID(`{"id":3,"op":"x","pad":"${'y'.repeat(100)}`), 3, 'a cut-off frame still has its id');
  assert.equal(peekRequestID('{"op":"ping","id":12}'), null, 'only a leading id is read');
  assert.equal(peekRequestID('{"id":-1}'), null);
  assert.equal(peekRequestID('{"id":"1"}'), null);
  assert.equal(peekRequestID('not json'), null);
});
