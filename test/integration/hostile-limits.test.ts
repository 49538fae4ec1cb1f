/**
 * Hostile clients against limits that must hold over time, across sockets and reconnects
 * (issue 12, point 1): meeting-password guessing per user and per meeting, failed logins and
 * wrong app secrets per address with backoff, a user's request rate and login rate. The server's
 * clock stands still unless the test moves it, so each count is exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ErrorCodes } from '../../src/protocol/errors.js';
import { API } from '../helpers/server.js';
import { Hostile, frozenServer, loggedIn, type Frame } from '../helpers/hostile.js';

const answer = (f: Frame) => ({ code: f.code, name: f.name, message: (f as { message?: string }).message });

test('password guessing over reconnects is held to the per-user limit; the lock stops even the right password', async () => {
  const { ts, clock } = await frozenServer({ passwordFailuresPerMinute: 5, passwordFailuresPerMeetingPerMinute: 1000, loginsPerUserPerMinute: 0 });
  try {
    const alice = await ts.client('alice');
    const m = await alice.createMeeting({ pswd: '12345678' });
    let wrong = 0;
    let limited = 0;
    // 15 sockets, one after another, 10 guesses each: 150 guesses, as a reconnecting attacker would.
    for (let socket = 0; socket < 15; socket++) {
      const h = await loggedIn(ts, 'mallory');
      for (let g = 0; g < 10; g++) {
        const r = await h.request('meeting.enter', { meetingID: m.ID, pswd: String(socket * 10 + g).padStart(8, '0') });
        if (r.code === ErrorCodes.WRONG_PASSWORD) wrong++;
        else if (r.code === ErrorCodes.RATE_LIMITED) limited++;
        else assert.fail(`unexpected answer ${JSON.stringify(r)}`);
      }
      h.close();
    }
    assert.equal(wrong, 5, 'exactly the per-user limit of passwords was tried');
    assert.equal(limited, 145);
    const h = await loggedIn(ts, 'mallory');
    const right = await h.request('meeting.enter', { meetingID: m.ID, pswd: '12345678' });
    assert.equal(right.code, ErrorCodes.RATE_LIMITED, 'while locked, the password is not even tried');
    assert.match(String((right as { message?: string }).message), /try again in \d+ s/);
    clock.advance(60_000);
    assert.equal((await h.request('meeting.enter', { meetingID: m.ID, pswd: '12345678' })).ok, true, 'after the lockout, the right password works');
    h.close();
  } finally {
    await ts.close();
  }
});

test("a meeting's own limit holds against many users; its creator and invitees still get in", async () => {
  const { ts, clock } = await frozenServer({ passwordFailuresPerMinute: 5, passwordFailuresPerMeetingPerMinute: 12 });
  try {
    const alice = await ts.client('alice');
    const carol = await ts.client('carol');
    const m = await alice.createMeeting({ pswd: 'sesame' });
    const invite = await alice.call('carol', m);
    await carol.accept(invite.callID);
    await alice.hangup(invite.callID);
    let wrong = 0;
    for (let u = 0; u < 6; u++) {
      const h = await loggedIn(ts, `eve-${u}`);
      for (let g = 0; g < 5; g++) {
        const r = await h.request('meeting.enter', { meetingID: m.ID, pswd: `guess-${u}-${g}` });
        if (r.code === ErrorCodes.WRONG_PASSWORD) wrong++;
        else assert.equal(r.code, ErrorCodes.RATE_LIMITED);
      }
      h.close();
    }
    assert.equal(wrong, 12, 'six users with five guesses each tried only the twelve the meeting allows');
    const bob = await loggedIn(ts, 'bob');
    assert.equal((await bob.request('meeting.enter', { meetingID: m.ID, pswd: 'sesame' })).code, ErrorCodes.RATE_LIMITED, 'locked for everyone who needs the password');
    await alice.enterMeeting(m.ID, 'whatever');
    await carol.enterMeeting(m.ID, 'whatever');
    clock.advance(60_000);
    assert.equal((await bob.request('meeting.enter', { meetingID: m.ID, pswd: 'sesame' })).ok, true);
  } finally {
    await ts.close();
  }
});

test('meeting.enter: a wrong password is 801 and a missing meeting 800 (IDs are sequential, the password is the secret); call.invite answers 800 for both', async () => {
  const { ts } = await frozenServer();
  try {
    const alice = await ts.client('alice');
    const m = await alice.createMeeting({ pswd: 'sesame' });
    const h = await loggedIn(ts, 'mallory');
    const exists = await h.request('meeting.enter', { meetingID: m.ID, pswd: 'nope' });
    const missing = await h.request('meeting.enter', { meetingID: m.ID + 1000, pswd: 'nope' });
    assert.equal(exists.code, ErrorCodes.WRONG_PASSWORD);
    assert.equal(missing.code, ErrorCodes.MEETING_NOT_FOUND);
    const bareExists = await h.request('meeting.enter', { meetingID: m.ID });
    const bareMissing = await h.request('meeting.enter', { meetingID: m.ID + 1000 });
    assert.equal(bareExists.code, ErrorCodes.MEETING_NOT_FOUND);
    assert.deepEqual(answer(bareMissing), answer(bareExists));
    // call.invite keeps its one answer, 800, for both, and counts the guess the same way.
    const inv = await h.request('call.invite', { callID: 'c-1', callee: 'alice', meetingID: m.ID, pswd: 'nope' });
    const inv2 = await h.request('call.invite', { callID: 'c-2', callee: 'alice', meetingID: m.ID + 1000, pswd: 'nope' });
    assert.equal(inv.code, ErrorCodes.MEETING_NOT_FOUND);
    assert.deepEqual(answer(inv2), answer(inv));
    h.close();
  } finally {
    await ts.close();
  }
});

test('failed logins from one address lock it out, with a lockout that doubles; wrong app secrets count too', async () => {
  const { ts, clock } = await frozenServer({ loginFailuresPerMinute: 5 });
  try {
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) {
      const h = await Hostile.open(ts.url);
      codes.push((await h.request('login', { token: `forged.${i}.token` })).code ?? 0);
      h.close();
    }
    assert.deepEqual(codes, [21, 21, 21, 21, 21, 900, 900, 900]);
    const good = await Hostile.open(ts.url);
    const locked = await good.request('login', { token: await ts.token('alice', { now: clock.now() }) });
    assert.equal(locked.code, ErrorCodes.RATE_LIMITED, 'the address is locked, even for a good token');
    good.close();
    clock.advance(60_000);
    const later = await Hostile.open(ts.url);
    assert.equal((await later.request('login', { token: await ts.token('alice', { now: clock.now() }) })).ok, true);
    later.close();

    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const app = async (secret: string) => {
      const h = await Hostile.open(ts.url);
      const r = await h.request('login', { appID: API.appID, appSecret: md5(secret), userID: 'bob' });
      h.close();
      return r.code ?? 0;
    };
    const guesses: number[] = [];
    for (let i = 0; i < 7; i++) guesses.push(await app(`guess-${i}`));
    assert.deepEqual(guesses, [7, 7, 7, 7, 7, 900, 900], 'five wrong app secrets, then the lockout');
    assert.equal(await app(API.appSecret), 900, 'the right secret waits out the lockout too');
    clock.advance(60_000);
    assert.equal(await app(API.appSecret), 900, 'the second lockout is two minutes');
    clock.advance(60_000);
    assert.equal(await app(API.appSecret), 0, 'and then the right secret logs in');
  } finally {
    await ts.close();
  }
});

test("a user's request rate and login rate hold across reconnects", async () => {
  const { ts, clock } = await frozenServer({ ratePerSecond: 5, rateBurst: 10, loginsPerUserPerMinute: 3 });
  try {
    const first = await loggedIn(ts, 'flooder', clock.now());
    const answers: (number | undefined)[] = [];
    for (let i = 0; i < 12; i++) answers.push((await first.request('ping')).code);
    assert.equal(answers.filter((c) => c === undefined).length, 10, 'the burst');
    assert.equal(answers.filter((c) => c === ErrorCodes.RATE_LIMITED).length, 2);
    first.close();
    const second = await loggedIn(ts, 'flooder', clock.now());
    assert.equal((await second.request('ping')).code, ErrorCodes.RATE_LIMITED, 'a new socket does not bring a new burst');
    clock.advance(1_000);
    let ok = 0;
    for (let i = 0; i < 8; i++) if ((await second.request('ping')).ok) ok++;
    assert.equal(ok, 5, 'the sustained rate, shared by the sockets of the user');
    second.close();
    await loggedIn(ts, 'flooder', clock.now());
    const fourth = await Hostile.open(ts.url);
    const r = await fourth.request('login', { token: await ts.token('flooder', { now: clock.now() }) });
    assert.equal(r.code, ErrorCodes.RATE_LIMITED, 'the fourth login within a minute');
    fourth.close();
    clock.advance(60_000);
    const fifth = await Hostile.open(ts.url);
    assert.equal((await fifth.request('login', { token: await ts.token('flooder', { now: clock.now() }) })).ok, true);
    fifth.close();
  } finally {
    await ts.close();
  }
});
