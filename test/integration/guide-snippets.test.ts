/**
 * The call guide's own code (seed/call-feature.zh.md, rendered in call-feature.en.md), run as
 * written against facade instances, one per user. Each snippet below is the guide's text; the
 * only changes are that the guide's placeholder condition ("B accepts") is a variable, and that
 * the free names the guide leaves to the app (UID, nickName, cookie, usrExtDat, meetObj, and
 * `console`, here a recorder) are parameters.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { RTCSDK as Facade } from '../../src/sdk/index.js';
import { watch, type FacadeRecorder } from '../helpers/facade.js';
import { API, WAIT_MS, inbox, startServer, uid, type TestServer } from '../helpers/server.js';

/** Stands in for `console`: keeps the lines and lets a test wait for one. */
class Lines {
  readonly lines: string[] = [];
  private waiters: { re: RegExp; resolve(): void }[] = [];
  log = (...args: unknown[]): void => {
    const line = args.map(String).join(' ');
    this.lines.push(line);
    for (const w of [...this.waiters]) if (w.re.test(line)) (this.waiters.splice(this.waiters.indexOf(w), 1), w.resolve());
  };
  waitFor(re: RegExp): Promise<void> {
    if (this.lines.some((l) => re.test(l))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no line matching ${re}; got ${JSON.stringify(this.lines)}`)), WAIT_MS);
      this.waiters.push({ re, resolve: () => (clearTimeout(t), resolve()) });
    });
  }
}

// ---------------- the guide's snippets ----------------

/** 主叫 1-4: create a room, call B with it, enter when accepted, exit on hang-up. */
function callerSnippets(RTCSDK: Facade, console: Lines, UID: string, nickName: string, cookie: string, B: string, usrExtDat: string) {
  //创建房间成功
  RTCSDK.CreateMeetingSuccess.callback = function (meetObj, cookie) {
    //创建成功，获取房间信息meetObj，用于呼叫他人
    //A发起呼叫，邀请用户B进入房间。
    const callID = RTCSDK.Call(B, meetObj, usrExtDat, cookie);
    void callID;
  };
  //创建房间失败
  RTCSDK.CreateMeetingFail.callback = function (sdkErr, cookie) {
    //创建失败，可以弹出错误提示，不能再执行 进入房间
    console.log('创建房间失败' + sdkErr);
  };
  //呼叫操作成功响应
  RTCSDK.CallSuccess.callback = function (callID, cookie) {};
  // 呼叫操作失败响应
  RTCSDK.CallFail.callback = function (callID, sdkErr, cookie) {
    console.log('呼叫他人失败' + sdkErr);
  };
  //当 B 接受呼叫时，A会收到如下通知：
  RTCSDK.NotifyCallAccepted.call = function (callID, meetObj, usrExtDat) {
    //A此时可以进入房间
    RTCSDK.EnterMeeting2(meetObj.ID, UID, nickName, cookie);
  };
  //当 B 拒绝呼叫时，A会收到如下通知：
  RTCSDK.NotifyCallRejected.call = function (callID, meetObj, usrExtDat) {
    console.log('客户拒绝呼叫了');
  };
  //挂断呼叫成功
  RTCSDK.HungupCallSuccess.callback = function (callID, cookie) {
    console.log('挂断呼叫成功');
    RTCSDK.ExitMeeting(); //退出房间
  };
  //挂断呼叫失败
  RTCSDK.HungupCallFail.callback = function (callID, sdkErr, cookie) {
    console.log('挂断呼叫失败！错误码：' + sdkErr);
  };
  //通知被他人挂断
  RTCSDK.NotifyCallHungup.callback = function (callID, usrExtDat) {
    RTCSDK.ExitMeeting(); //退出房间
  };
  //创建房间
  RTCSDK.CreateMeeting();
}

/** 主叫 3 (B's side): accept and enter, or reject; exit when the other side hangs up. */
function calleeSnippets(RTCSDK: Facade, console: Lines, UID: string, nickName: string, cookie: string, accepts: boolean) {
  // SDK通知用户 B 被他人 （即callerID） 呼叫
  RTCSDK.NotifyCallIn.callback = function (callID, meetObj, callerID, usrExtDat) {
    console.log('有呼叫到来!');
    if (accepts /* B 接受呼叫， 进入房间*/) {
      RTCSDK.AcceptCall(callID, meetObj);
      RTCSDK.EnterMeeting2(meetObj.ID, UID, nickName, cookie);
    } else {
      // B 拒绝呼叫
      RTCSDK.RejectCall(callID);
    }
  };
  //挂断呼叫成功
  RTCSDK.HungupCallSuccess.callback = function (callID, cookie) {
    console.log('挂断呼叫成功');
    RTCSDK.ExitMeeting(); //退出房间
  };
  //通知被他人挂断
  RTCSDK.NotifyCallHungup.callback = function (callID, usrExtDat) {
    RTCSDK.ExitMeeting(); //退出房间
  };
}

/** 被叫 2: the callee's accept / reject with the two trailing arguments, and their results. */
function calleeSection2(RTCSDK: Facade, console: Lines, accepts: boolean) {
  RTCSDK.NotifyCallIn.callback = function (callID, MeetInfoObj, callerID, usrExtDat) {
    console.log('有呼叫到来!');
    if (accepts) {
      //接受呼叫
      RTCSDK.AcceptCall(callID, MeetInfoObj, '', ''); // the guide's free `meetObj` is this call's room
    } else {
      //拒绝呼叫
      RTCSDK.RejectCall(callID, '', '');
    }
  };
  //接受呼叫成功
  RTCSDK.AcceptCallSuccess.callback = function (callID, cookie) {
    console.log('接受呼叫成功');
  };
  //接受呼叫失败
  RTCSDK.AcceptCallFail.callback = function (callID, sdkEr, cookie) {
    console.log('接受呼叫失败' + sdkEr);
  };
  //拒接呼叫成功
  RTCSDK.RejectCallSuccess.callback = function (callID, cookie) {
    console.log('拒接呼叫成功');
  };
  //拒接呼叫失败
  RTCSDK.RejectCallFail.callback = function (callID, sdkEr, cookie) {
    console.log('拒接呼叫失败' + sdkEr);
  };
}

/** 被叫 3: do not disturb. */
function dndSnippets(RTCSDK: Facade, console: Lines) {
  //设置免打扰状态操作成功响应
  RTCSDK.SetDNDStatusSuccess.callback = function (cookie) {
    console.log('设置免打扰状态操作成功');
  };
  //设置免打扰状态操作失败响应
  RTCSDK.SetDNDStatusFail.callback = function (sdkErr, cookie) {
    console.log('设置免打扰状态操作失败，错误码：' + sdkErr);
  };
}

// ---------------- the tests ----------------

describe('the guide, run as written', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });

  /** A facade logged in as a new user: Login with the app credentials, or LoginByToken. */
  async function loggedIn(name: string, how: 'app' | 'token') {
    const id = uid(name);
    const RTCSDK = ts.facade();
    const done = new Promise<void>((resolve, reject) => {
      RTCSDK.LoginSuccess.callback = () => resolve();
      RTCSDK.LoginFail.callback = (sdkErr) => reject(new Error(`login failed: ${sdkErr}`));
    });
    if (how === 'app') RTCSDK.Login(API.appID, createHash('md5').update(API.appSecret).digest('hex'), name, id);
    else RTCSDK.LoginByToken(await ts.token(id, { nickName: name }), name, id);
    await done;
    return { id, RTCSDK, console: new Lines() };
  }

  /** Records callbacks after the snippets set theirs (theirs still run first). */
  const observe = (f: Facade): FacadeRecorder =>
    watch(f, ['CallSuccess', 'CallFail', 'NotifyCallIn', 'AcceptCallSuccess', 'EnterMeetingRslt', 'HungupCallSuccess', 'NotifyCallHungup', 'RejectCallSuccess', 'SetDNDStatusSuccess']);

  for (const hangsUp of ['caller', 'callee'] as const) {
    test(`call, accept, both enter the room, the ${hangsUp} hangs up, both exit`, async () => {
      const A = await loggedIn('alice', 'app');
      const B = await loggedIn('bob', 'token');
      calleeSnippets(B.RTCSDK, B.console, B.id, 'bob', 'b-cookie', true);
      const b = observe(B.RTCSDK);
      callerSnippets(A.RTCSDK, A.console, A.id, 'alice', 'a-cookie', B.id, 'let us talk');
      const a = observe(A.RTCSDK);

      const [callID] = await a.take('CallSuccess');
      const [inID, meetObj, callerID, ext] = await b.take('NotifyCallIn');
      assert.deepEqual([inID, callerID, ext], [callID, A.id, 'let us talk']);
      assert.deepEqual(await b.take('AcceptCallSuccess'), [callID, undefined]);
      assert.deepEqual(await b.take('EnterMeetingRslt'), [0, 'b-cookie']);
      assert.deepEqual(await a.take('EnterMeetingRslt'), [0, 'a-cookie'], 'NotifyCallAccepted.call entered the caller');
      assert.equal((await ts.meetingInfo(meetObj.ID))?.memberCount, 2, 'both are in the room');

      const watcher = await ts.client(uid('watcher'));
      const seen = inbox(watcher);
      await watcher.subscribeStatus();
      const [me, , meRec, otherRec] = hangsUp === 'caller' ? [A, B, a, b] : [B, A, b, a];
      me.RTCSDK.HungupCall(callID);
      assert.deepEqual(await meRec.take('HungupCallSuccess'), [callID, undefined]);
      assert.deepEqual(await otherRec.take('NotifyCallHungup'), [callID, '']);
      for (const u of [A.id, B.id]) await seen.takeWhere('user.status', (s) => s.userID === u && s.status === 1);
      assert.equal((await ts.meetingInfo(meetObj.ID))?.memberCount, 0, 'ExitMeeting took both out');
      assert.ok(me.console.lines.includes('挂断呼叫成功'));
      const [rec] = await ts.store.listCalls({ userID: A.id, limit: 1 });
      assert.equal(rec?.outcome, 'completed');
      assert.equal(rec?.endedBy, me.id);
      assert.deepEqual(A.console.lines.filter((l) => /失败/.test(l)), [], 'no failure was logged');
    });
  }

  test('call, reject: the caller logs the rejection from NotifyCallRejected.call', async () => {
    const A = await loggedIn('alice', 'token');
    const B = await loggedIn('bob', 'app');
    calleeSnippets(B.RTCSDK, B.console, B.id, 'bob', 'b-cookie', false);
    const b = observe(B.RTCSDK);
    callerSnippets(A.RTCSDK, A.console, A.id, 'alice', 'a-cookie', B.id, '');
    await A.console.waitFor(/^客户拒绝呼叫了$/);
    const [callID] = await b.take('RejectCallSuccess');
    assert.equal((await ts.store.getCall(callID))?.outcome, 'rejected');
    assert.equal(b.log.filter((e) => e.name === 'EnterMeetingRslt').length, 0, 'B did not enter');
  });

  test("the callee section's AcceptCall(callID, meetObj, '', '') and RejectCall(callID, '', '')", async () => {
    for (const accepts of [true, false]) {
      const A = await loggedIn('alice', 'token');
      const B = await loggedIn('bob', 'token');
      calleeSection2(B.RTCSDK, B.console, accepts);
      callerSnippets(A.RTCSDK, A.console, A.id, 'alice', 'a-cookie', B.id, '');
      const a = observe(A.RTCSDK);
      await B.console.waitFor(accepts ? /^接受呼叫成功$/ : /^拒接呼叫成功$/);
      if (accepts) {
        assert.deepEqual(await a.take('EnterMeetingRslt'), [0, 'a-cookie']);
        const [callID] = await a.take('CallSuccess');
        A.RTCSDK.HungupCall(callID);
        await a.take('HungupCallSuccess');
      } else {
        await A.console.waitFor(/^客户拒绝呼叫了$/);
      }
      assert.ok(B.console.lines.includes('有呼叫到来!'));
    }
  });

  test('SetDNDStatus(1) refuses calls (the caller logs 602); SetDNDStatus(0) lets them in again', async () => {
    const A = await loggedIn('alice', 'token');
    const B = await loggedIn('bob', 'token');
    dndSnippets(B.RTCSDK, B.console);
    const b = observe(B.RTCSDK);
    B.RTCSDK.SetDNDStatus(1); //开启免打扰
    await b.take('SetDNDStatusSuccess');
    callerSnippets(A.RTCSDK, A.console, A.id, 'alice', 'a-cookie', B.id, '');
    await A.console.waitFor(/^呼叫他人失败602$/);
    assert.equal(b.log.filter((e) => e.name === 'NotifyCallIn').length, 0);

    B.RTCSDK.SetDNDStatus(0); //关闭免打扰
    await b.take('SetDNDStatusSuccess');
    assert.deepEqual(B.console.lines, ['设置免打扰状态操作成功', '设置免打扰状态操作成功']);
    const a = observe(A.RTCSDK);
    A.RTCSDK.CreateMeeting();
    const [callID] = await a.take('CallSuccess');
    assert.equal((await b.take('NotifyCallIn'))[0], callID);
  });
});
