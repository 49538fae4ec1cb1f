/**
 * The RTCSDK facade beyond the call table: logins, LineOff, cookies, callbacks that throw,
 * results that come after the function returns, meetings, status and the CRVideo_ globals.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRTCSDK } from '../../src/sdk/index.js';
import { installGlobals } from '../../src/sdk/compat/rtcsdk.js';
import { facadeParty, watch } from '../helpers/facade.js';
import { API, inbox, startServer, uid, type TestServer } from '../helpers/server.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('RTCSDK facade', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });

  test('Login with the app ID and the MD5 of the app secret: LoginSuccess(UID, cookie)', async () => {
    const id = uid('alice');
    const f = ts.facade();
    const cb = watch(f);
    f.Login(API.appID, md5(API.appSecret), 'Alice A.', id, '', 'ck-login');
    assert.deepEqual(await cb.take('LoginSuccess'), [id, 'ck-login']);
    assert.equal(ts.server.core.sessions.get(id)?.nickName, 'Alice A.');
  });

  test('Login with a wrong app secret or app ID: LoginFail(7, cookie)', async () => {
    const f = ts.facade();
    const cb = watch(f);
    f.Login(API.appID, md5('wrong'), 'x', uid('alice'), '', 'ck-1');
    assert.deepEqual(await cb.take('LoginFail'), [7, 'ck-1']);
    f.Login('other-app', md5(API.appSecret), 'x', uid('alice'), '', 'ck-2');
    assert.deepEqual(await cb.take('LoginFail'), [7, 'ck-2']);
    f.CreateMeeting('', 'ck-3');
    assert.deepEqual(await cb.take('CreateMeetingFail'), [12, 'ck-3'], 'still not logged in');
  });

  test('LoginByToken: an expired token is LoginFail(18), a bad one or one for another UID is 21', async () => {
    const id = uid('bob');
    const f = ts.facade();
    const cb = watch(f);
    f.LoginByToken(await ts.token(id, { ttlSeconds: 1, now: Date.now() - 60_000 }), '', id, '', 'c1');
    assert.deepEqual(await cb.take('LoginFail'), [18, 'c1']);
    f.LoginByToken('garbage', '', id, '', 'c2');
    assert.deepEqual(await cb.take('LoginFail'), [21, 'c2']);
    f.LoginByToken(await ts.token(uid('carol')), '', id, '', 'c3');
    assert.deepEqual(await cb.take('LoginFail'), [21, 'c3']);
    assert.equal(cb.log.filter((e) => e.name === 'LoginSuccess').length, 0);
  });

  test('without a server address, LoginFail(204) comes after the function returns', async () => {
    const f = createRTCSDK();
    const cb = watch(f);
    f.LoginByToken(await ts.token(uid('dan')), '', '', '', 'ck');
    assert.deepEqual(cb.log, []);
    assert.deepEqual(await cb.take('LoginFail'), [204, 'ck']);
  });

  test('a guide-style CallFail that reads the callID Call returned sees it set', async () => {
    type Outcome = { same: boolean; code: number } | { threw: string };
    let settle: (o: Outcome) => void = () => {};
    const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
    const RTCSDK = createRTCSDK({ onCallbackError: (_name, err) => settle({ threw: String(err) }) });
    RTCSDK.SetServerAddr(ts.url);
    RTCSDK.CallFail.callback = function (id, sdkErr) {
      settle({ same: id === callID, code: sdkErr });
    };
    const callID = RTCSDK.Call('bob', { ID: 1 }, '', '');
    assert.deepEqual(await outcome, { same: true, code: 12 });
  });

  test('a second login of the same user: LineOff(10) on the first, whose functions then fail with 12', async () => {
    const first = await facadeParty(ts, 'erin');
    const second = ts.facade();
    const cb2 = watch(second);
    second.LoginByToken(await ts.token(first.id), '', first.id);
    await cb2.take('LoginSuccess');
    assert.deepEqual(await first.cb.take('LineOff'), [10]);
    first.f.CreateMeeting('', 'ck');
    assert.deepEqual(await first.cb.take('CreateMeetingFail'), [12, 'ck']);
    second.CreateMeeting('', 'ck2');
    assert.deepEqual((await cb2.take('CreateMeetingSuccess'))[1], 'ck2');
    assert.equal(first.cb.log.filter((e) => e.name === 'LineOff').length, 1);
  });

  test('a token that expires: LineOff(18)', async () => {
    const id = uid('fay');
    const f = ts.facade();
    const cb = watch(f);
    f.LoginByToken(await ts.token(id, { ttlSeconds: 3 }), '', id);
    await cb.take('LoginSuccess');
    assert.deepEqual(await cb.take('LineOff', 15_000), [18]);
  });

  test('Logout: no LineOff, the user is offline, and functions fail with 12', async () => {
    const p = await facadeParty(ts, 'gus');
    const watcher = await ts.client(uid('watcher'));
    const seen = inbox(watcher);
    await watcher.subscribeStatus();
    p.f.Logout();
    p.f.SetDNDStatus(1, 'ck');
    assert.deepEqual(await p.cb.take('SetDNDStatusFail'), [12, 'ck']);
    assert.deepEqual(await seen.takeWhere('user.status', (s) => s.userID === p.id), { userID: p.id, status: 0, dnd: false });
    assert.deepEqual(p.cb.unreadOf('LineOff'), []);
  });

  test('a callback that throws is reported, and the SDK carries on', async () => {
    const errors: { name: string; err: unknown }[] = [];
    const id = uid('hal');
    const f = ts.facade({ onCallbackError: (name, err) => errors.push({ name, err }) });
    const cb = watch(f, ['LoginSuccess', 'CreateMeetingSuccess', 'NotifyCallRejected']);
    f.LoginByToken(await ts.token(id), '', id);
    await cb.take('LoginSuccess');
    const bob = await facadeParty(ts, 'bob');
    f.CreateMeeting();
    const [meetObj] = await cb.take('CreateMeetingSuccess');
    f.CallSuccess.callback = () => {
      throw new Error('app bug');
    };
    const callID = f.Call(bob.id, meetObj);
    await bob.cb.take('NotifyCallIn');
    bob.f.RejectCall(callID, 'later');
    assert.deepEqual(await cb.take('NotifyCallRejected'), [callID, 606, 'later']);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.name, 'CallSuccess');
    assert.match(String(errors[0]!.err), /app bug/);
    f.CreateMeeting('', 'again');
    assert.equal((await cb.take('CreateMeetingSuccess'))[1], 'again');
  });

  test('meetings through the facade: enter, members come and go, messages, destroy', async () => {
    const alice = await facadeParty(ts, 'alice');
    const bob = await facadeParty(ts, 'bob');
    alice.f.CreateMeeting('talk', 'ck-c');
    const [meetObj] = await alice.cb.take('CreateMeetingSuccess');
    alice.f.EnterMeeting2(meetObj.ID, alice.id, 'Alice', 'ck-a');
    assert.deepEqual(await alice.cb.take('EnterMeetingRslt'), [0, 'ck-a']);
    bob.f.EnterMeeting(meetObj.ID, 'wrong', bob.id, 'Bob', 'ck-w');
    assert.deepEqual(await bob.cb.take('EnterMeetingRslt'), [801, 'ck-w']);
    bob.f.EnterMeeting2(meetObj.ID, bob.id, 'Bob', 'ck-n');
    assert.deepEqual(await bob.cb.take('EnterMeetingRslt'), [800, 'ck-n']);
    bob.f.EnterMeeting(meetObj.ID, meetObj.pswd, bob.id, 'Bob', 'ck-b');
    assert.deepEqual(await bob.cb.take('EnterMeetingRslt'), [0, 'ck-b']);
    assert.deepEqual(await alice.cb.take('UserEnterMeeting'), [bob.id]);
    bob.f.SendMeetingCustomMsg('hi all', 'ck-m');
    assert.deepEqual(await bob.cb.take('SendMeetingCustomMsgRslt'), [0, 'ck-m']);
    assert.deepEqual(await alice.cb.take('NotifyMeetingCustomMsg'), [bob.id, 'hi all']);
    bob.f.DestroyMeeting(meetObj.ID, 'ck-d1');
    assert.deepEqual(await bob.cb.take('DestroyMeetingRslt'), [800, 'ck-d1']);
    alice.f.DestroyMeeting(meetObj.ID, 'ck-d2');
    assert.deepEqual(await alice.cb.take('DestroyMeetingRslt'), [0, 'ck-d2']);
    assert.deepEqual(await bob.cb.take('MeetingStopped'), []);
    bob.f.SendMeetingCustomMsg('anyone?', 'ck-m2');
    assert.deepEqual(await bob.cb.take('SendMeetingCustomMsgRslt'), [817, 'ck-m2']);
  });

  test('ExitMeeting leaves the room: the others get UserLeftMeeting', async () => {
    const alice = await facadeParty(ts, 'alice');
    const bob = await facadeParty(ts, 'bob');
    alice.f.CreateMeeting();
    const [meetObj] = await alice.cb.take('CreateMeetingSuccess');
    alice.f.EnterMeeting2(meetObj.ID);
    await alice.cb.take('EnterMeetingRslt');
    bob.f.EnterMeeting(meetObj.ID, meetObj.pswd);
    await bob.cb.take('EnterMeetingRslt');
    bob.f.ExitMeeting();
    assert.deepEqual(await alice.cb.take('UserLeftMeeting'), [bob.id]);
  });

  test('user status: GetOneUserStatus, GetUserStatus, and NotifyUserStatus with the start cookie', async () => {
    const alice = await facadeParty(ts, 'alice');
    const bob = await facadeParty(ts, 'bob');
    alice.f.GetOneUserStatus(bob.id, 'ck-1');
    assert.deepEqual(await alice.cb.take('GetUserStatusSuccess'), [[{ userID: bob.id, userStatus: 1, DNDType: 0 }], 'ck-1']);
    alice.f.GetUserStatus('ck-2');
    const [all, ck] = await alice.cb.take('GetUserStatusSuccess');
    assert.equal(ck, 'ck-2');
    assert.ok(all.some((s) => s.userID === bob.id) && all.some((s) => s.userID === alice.id));
    alice.f.StartUserStatusNotify('ck-sub');
    assert.deepEqual(await alice.cb.take('StartUserStatusNotifyRslt'), [0, 'ck-sub']);
    bob.f.SetDNDStatus(1);
    let got;
    do got = await alice.cb.take('NotifyUserStatus');
    while (got[0].userID !== bob.id);
    assert.deepEqual(got, [{ userID: bob.id, userStatus: 1, DNDType: 1 }, 'ck-sub']);
    alice.f.StopUserStatusNotify('ck-stop');
    assert.deepEqual(await alice.cb.take('StopUserStatusNotifyRslt'), [0, 'ck-stop']);
  });

  test('installGlobals sets RTCSDK and a CRVideo_ name for every function and callback', async () => {
    const f = ts.facade();
    const win: Record<string, unknown> = {};
    installGlobals(f, win);
    assert.equal(win.RTCSDK, f);
    assert.equal(win.CRVideo_CallSuccess, f.CallSuccess, 'callback slots are shared, so setting .callback works');
    const id = uid('ivy');
    const cb = watch(f, ['LoginSuccess', 'CreateMeetingSuccess']);
    (win.CRVideo_LoginByToken as (...a: unknown[]) => void)(await ts.token(id), '', id, '', 'ck');
    assert.deepEqual(await cb.take('LoginSuccess'), [id, 'ck']);
    (win.CRVideo_CreateMeeting as (...a: unknown[]) => void)('via global', 'ck2');
    const [m, ck] = await cb.take('CreateMeetingSuccess');
    assert.equal(m.subject, 'via global');
    assert.equal(ck, 'ck2');
  });
});
