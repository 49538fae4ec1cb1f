/**
 * The call-centre queues through the RTCSDK facade, in the shapes of queue-guide.md's code: the
 * vendor's names, argument orders, objects (`agent_num`, `usrID`, seconds) and error numbers.
 * Runs in both modes (one node, and three nodes on Redis behind a round-robin proxy).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CRQueStatus, CRQueUser, MeetInfo, RTCSDK } from '../../src/sdk/index.js';
import { watch, type CallbackName, type FacadeRecorder } from '../helpers/facade.js';
import { startProxy } from '../helpers/proxy.js';
import { flush, next, startServer, uid, type TestServer } from '../helpers/server.js';

interface Party {
  id: string;
  f: RTCSDK;
  cb: FacadeRecorder;
}

let nextQueID = 5000;

/** A new queue on `ts`, defined as an administrator does. */
async function queue(ts: TestServer, prio = 0, name?: string): Promise<number> {
  const queID = nextQueID++;
  await ts.server.core.queues.define({ queID, name: name ?? `queue ${queID}`, desc: `desc ${queID}`, prio });
  return queID;
}

/**
 * A facade logged in as a new user. `app` sets the app's own callbacks first, as a page does at
 * load; the recorder runs after them. `addr` overrides the server address (a proxy).
 */
async function party(ts: TestServer, name: string, nickName: string, app?: (f: RTCSDK) => void, addr?: string): Promise<Party> {
  const id = uid(name);
  const f = ts.facade();
  if (addr) f.SetServerAddr(addr);
  app?.(f);
  const cb = watch(f);
  f.LoginByToken(await ts.token(id, { nickName }), nickName, id, '', `login-${id}`);
  assert.deepEqual(await cb.take('LoginSuccess'), [id, `login-${id}`]);
  return { id, f, cb };
}

/** The callback's next call whose arguments pass `where`; earlier ones that do not are read and dropped. */
async function takeUntil<N extends CallbackName>(p: Party, name: N, where: (args: unknown[]) => boolean): Promise<unknown[]> {
  for (;;) {
    const args = (await p.cb.take(name)) as unknown[];
    if (where(args)) return args;
  }
}

/** The next QueueStatusChanged of queue `queID` with these counts. */
function statusIs(p: Party, queID: number, agent_num: number, wait_num: number, srv_num: number): Promise<unknown[]> {
  const want: CRQueStatus = { queID, agent_num, wait_num, srv_num };
  return takeUntil(p, 'QueueStatusChanged', ([s]) => JSON.stringify(s) === JSON.stringify(want));
}

async function serve(p: Party, queID: number, priority = 0): Promise<void> {
  p.f.StartService(queID, priority, `serve-${queID}`);
  assert.deepEqual(await p.cb.take('StartServiceRslt'), [queID, 0, `serve-${queID}`]);
}

async function enqueue(p: Party, queID: number, usrExtDat = ''): Promise<void> {
  p.f.StartQueuing(queID, usrExtDat, `queue-${queID}`);
  assert.deepEqual(await p.cb.take('StartQueuingRslt'), [0, `queue-${queID}`]);
}

async function dndOn(p: Party): Promise<void> {
  p.f.SetDNDStatus(1, 'dnd');
  await p.cb.take('SetDNDStatusSuccess');
}

/** Nothing more of these callbacks for `p`, after everything sent to it has arrived. */
async function nothingMore(p: Party, ...names: CallbackName[]): Promise<void> {
  await flush(p.f.client!);
  assert.deepEqual(p.cb.unreadOf(...names), [], `${p.id}: no further ${names.join(', ')}`);
}

function assertQueUser(u: CRQueUser, queID: number, id: string, nick: string, ext: string): void {
  assert.equal(u.queID, queID);
  assert.equal(u.usrID, id);
  assert.equal(u.userID, id);
  assert.equal(u.name, nick);
  assert.equal(u.nickname, nick);
  assert.equal(u.usrExtDat, ext);
  assert.equal(u.param, ext);
  assert.ok(Number.isInteger(u.queuingTime) && u.queuingTime >= 0, `queuingTime in whole seconds: ${u.queuingTime}`);
}

describe('queues through the facade', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(async () => {
    await ts.close();
  });

  it('InitQueueDat loads the list; then GetAllQueueInfo and GetQueueStatus answer at once', async () => {
    const q1 = await queue(ts, 2, 'Mortgages');
    const q2 = await queue(ts, 1, 'Insurance');
    const p = await party(ts, 'desk', 'Desk');
    assert.deepEqual(p.f.GetAllQueueInfo(), [], 'nothing before InitQueueDat');
    p.f.InitQueueDat('ck-init');
    assert.deepEqual(await p.cb.take('InitQueueDatRslt'), [0, 'ck-init']);
    const mine = p.f.GetAllQueueInfo().filter((q) => q.queID === q1 || q.queID === q2);
    assert.deepEqual(
      mine.sort((a, b) => a.queID - b.queID),
      [
        { queID: q1, name: 'Mortgages', desc: `desc ${q1}`, prio: 2 },
        { queID: q2, name: 'Insurance', desc: `desc ${q2}`, prio: 1 },
      ],
    );
    // The counts came with the list: the last known ones are returned at once, then the result.
    assert.deepEqual(p.f.GetQueueStatus(q1, 'ck-st'), { queID: q1, agent_num: 0, wait_num: 0, srv_num: 0 });
    assert.deepEqual(await p.cb.take('GetQueueStatusRslt'), [{ queID: q1, agent_num: 0, wait_num: 0, srv_num: 0 }, 0, 'ck-st']);
  });

  it("the guide's flow: customer StartQueuing, agent AutoAssignUser → CreateMeeting → AcceptAssignUser in CreateMeetingSuccess → Call", async () => {
    const q = await queue(ts);
    let offered: CRQueUser | null = null;
    let room: MeetInfo | null = null;
    const agent = await party(ts, 'agent', 'Agent A', (f) => {
      f.AutoAssignUser.callback = (queUser) => {
        offered = queUser;
        f.CreateMeeting();
      };
      f.CreateMeetingSuccess.callback = (meetObj) => {
        room = meetObj;
        f.AcceptAssignUser(offered!.queID, offered!.usrID, 'ck-accept');
      };
      f.ResponseAssignUserRslt.callback = (sdkErr) => {
        if (sdkErr === 0) f.Call(offered!.usrID, room!, 'from the queue', 'ck-call');
      };
    });
    const customer = await party(ts, 'cust', 'Customer C', (f) => {
      f.NotifyCallIn.callback = (callID, meetObj) => f.AcceptCall(callID, meetObj, '', 'ck-answer');
    });
    await serve(agent, q, 1);
    assert.deepEqual(agent.f.GetServingQueues(), [q]);
    await enqueue(customer, q, 'account 42');
    const place = customer.f.GetQueuingInfo();
    assert.equal(place.queID, q);
    assert.equal(place.position, 1, 'first in line');

    const [queUser] = await agent.cb.take('AutoAssignUser');
    assertQueUser(queUser, q, customer.id, 'Customer C', 'account 42');
    const [meetObj] = await agent.cb.take('CreateMeetingSuccess');
    assert.deepEqual(await agent.cb.take('ResponseAssignUserRslt'), [0, 'ck-accept']);
    const [callID] = await agent.cb.take('CallSuccess');
    assert.deepEqual(await customer.cb.take('QueuingInfoChanged'), [{ queID: q, position: 0, queuingTime: 0 }], 'served: out of the line');
    assert.deepEqual(customer.f.GetQueuingInfo(), { queID: 0, position: 0, queuingTime: 0 });
    const [inCallID, , callerID, usrExtDat] = await customer.cb.take('NotifyCallIn');
    assert.deepEqual([inCallID, callerID, usrExtDat], [callID, agent.id, 'from the queue']);
    await customer.cb.take('AcceptCallSuccess');
    await agent.cb.take('NotifyCallAccepted');
    await statusIs(agent, q, 1, 0, 1);

    await flush(agent.f.client!);
    const a = agent.f.GetSessionInfo();
    assert.deepEqual({ ...a, duration: 0 }, { callID, peerID: customer.id, peerName: 'Customer C', bCallAccepted: 1, meetingID: meetObj.ID, meetingPswd: meetObj.pswd, duration: 0 });
    const c = customer.f.GetSessionInfo();
    assert.deepEqual({ ...c, duration: 0 }, { callID, peerID: agent.id, peerName: 'Agent A', bCallAccepted: 1, meetingID: meetObj.ID, meetingPswd: meetObj.pswd, duration: 0 });
    assert.ok(Number.isInteger(c.duration) && c.duration >= 0);

    // The call ends: the service ends, and neither has a session any more.
    agent.f.HangupCall(callID, '', 'ck-hangup');
    await agent.cb.take('HangupCallSuccess');
    await customer.cb.take('NotifyCallHangup');
    await statusIs(agent, q, 1, 0, 0);
    assert.equal(agent.f.GetSessionInfo().callID, '');
    assert.equal(customer.f.GetSessionInfo().callID, '');
  });

  it('QueueStatusChanged counts agents, waiting and served customers; GetQueueStatus returns the last known; RefreshAllQueueStatus reports every queue', async () => {
    const q = await queue(ts);
    const agent = await party(ts, 'agent', 'Agent');
    await dndOn(agent);
    await serve(agent, q);
    await statusIs(agent, q, 1, 0, 0);
    const c1 = await party(ts, 'c1', 'One');
    const c2 = await party(ts, 'c2', 'Two');
    await enqueue(c1, q);
    await enqueue(c2, q);
    await statusIs(agent, q, 1, 2, 0);
    assert.deepEqual(agent.f.GetQueueStatus(q), { queID: q, agent_num: 1, wait_num: 2, srv_num: 0 }, 'the last status pushed');
    await agent.cb.take('GetQueueStatusRslt');
    agent.f.ReqAssignUser('ck-req');
    const [err, u] = await agent.cb.take('ReqAssignUserRslt');
    assert.equal(err, 0);
    agent.f.AcceptAssignUser(u.queID, u.usrID, 'ck-acc');
    assert.deepEqual(await agent.cb.take('ResponseAssignUserRslt'), [0, 'ck-acc']);
    await statusIs(agent, q, 1, 1, 1);
    c2.f.StopQueuing('ck-stop');
    assert.deepEqual(await c2.cb.take('StopQueuingRslt'), [0, 'ck-stop']);
    await statusIs(agent, q, 1, 0, 1);

    agent.f.InitQueueDat();
    await agent.cb.take('InitQueueDatRslt');
    const all = agent.f.GetAllQueueInfo().map((x) => x.queID);
    agent.f.RefreshAllQueueStatus();
    const got: CRQueStatus[] = [];
    for (let i = 0; i < all.length; i++) {
      const [st, sdkErr, cookie] = await agent.cb.take('GetQueueStatusRslt');
      assert.equal(sdkErr, 0);
      assert.equal(cookie, undefined);
      got.push(st);
    }
    assert.deepEqual(got.map((s) => s.queID).sort((a, b) => a - b), [...all].sort((a, b) => a - b), 'one result per queue');
    assert.deepEqual(got.find((s) => s.queID === q), { queID: q, agent_num: 1, wait_num: 0, srv_num: 1 });
    await nothingMore(agent, 'GetQueueStatusRslt');
  });

  it('QueuingInfoChanged: the second customer moves up when the first leaves, and hears position 0 when served', async () => {
    const q = await queue(ts);
    const agent = await party(ts, 'agent', 'Agent');
    await dndOn(agent);
    await serve(agent, q);
    const c1 = await party(ts, 'c1', 'One');
    const c2 = await party(ts, 'c2', 'Two');
    await enqueue(c1, q);
    await enqueue(c2, q, 'second');
    assert.equal(c1.f.GetQueuingInfo().position, 1);
    assert.equal(c2.f.GetQueuingInfo().position, 2);
    c1.f.StopQueuing();
    await c1.cb.take('StopQueuingRslt');
    assert.deepEqual(c1.f.GetQueuingInfo(), { queID: 0, position: 0, queuingTime: 0 }, 'not queuing');
    const [moved] = await c2.cb.take('QueuingInfoChanged');
    assert.equal(moved.queID, q);
    assert.equal(moved.position, 1);
    assert.ok(Number.isInteger(moved.queuingTime) && moved.queuingTime >= 0);
    assert.equal(c2.f.GetQueuingInfo().position, 1);
    assert.equal(c2.f.GetQueuingInfo().queID, q);

    agent.f.ReqAssignUser('ck-req');
    const [err, u] = await agent.cb.take('ReqAssignUserRslt');
    assert.equal(err, 0);
    assertQueUser(u, q, c2.id, 'Two', 'second');
    agent.f.AcceptAssignUser(q, c2.id);
    await agent.cb.take('ResponseAssignUserRslt');
    assert.deepEqual(await c2.cb.take('QueuingInfoChanged'), [{ queID: q, position: 0, queuingTime: 0 }]);
    assert.deepEqual(c2.f.GetQueuingInfo(), { queID: 0, position: 0, queuingTime: 0 });
    await nothingMore(c1, 'QueuingInfoChanged');
  });

  it('ReqAssignUser with DND on: 403 serving no queue, 401 nobody waiting, then the customer; nothing is pushed', async () => {
    const q = await queue(ts);
    const agent = await party(ts, 'agent', 'Agent');
    await dndOn(agent);
    agent.f.ReqAssignUser('ck-1');
    const [e1, u1, k1] = await agent.cb.take('ReqAssignUserRslt');
    assert.deepEqual([e1, u1.usrID, k1], [agent.f.QUE_SERVICE_NOT_START, '', 'ck-1']);
    assert.equal(e1, 403);
    await serve(agent, q);
    agent.f.ReqAssignUser('ck-2');
    const [e2, , k2] = await agent.cb.take('ReqAssignUserRslt');
    assert.deepEqual([e2, k2], [401, 'ck-2']);
    const customer = await party(ts, 'cust', 'Cust');
    await enqueue(customer, q, 'x');
    await statusIs(agent, q, 1, 1, 0);
    await nothingMore(agent, 'AutoAssignUser');
    agent.f.ReqAssignUser('ck-3');
    const [e3, u3, k3] = await agent.cb.take('ReqAssignUserRslt');
    assert.deepEqual([e3, k3], [0, 'ck-3']);
    assertQueUser(u3, q, customer.id, 'Cust', 'x');
    agent.f.AcceptAssignUser(q, customer.id, 'ck-acc');
    assert.deepEqual(await agent.cb.take('ResponseAssignUserRslt'), [0, 'ck-acc']);
    agent.f.StopService(q, 'ck-unserve');
    assert.deepEqual(await agent.cb.take('StopServiceRslt'), [q, 0, 'ck-unserve']);
    assert.deepEqual(agent.f.GetServingQueues(), []);
  });

  it('RejectAssignUser: the customer keeps their place and the next agent is offered them', async () => {
    const q = await queue(ts);
    const a1 = await party(ts, 'a1', 'A1');
    const a2 = await party(ts, 'a2', 'A2');
    await serve(a1, q, 0);
    const customer = await party(ts, 'cust', 'Cust');
    await enqueue(customer, q);
    const [first] = await a1.cb.take('AutoAssignUser');
    assert.equal(first.usrID, customer.id);
    a2.f.StartService2(q, 5, '{"skill":"loans"}', 'ck-serve2');
    assert.deepEqual(await a2.cb.take('StartServiceRslt'), [q, 0, 'ck-serve2']);
    a1.f.RejectAssignUser(q, customer.id, 'ck-rej');
    assert.deepEqual(await a1.cb.take('ResponseAssignUserRslt'), [0, 'ck-rej']);
    const [second] = await a2.cb.take('AutoAssignUser');
    assertQueUser(second, q, customer.id, 'Cust', '');
    await flush(customer.f.client!);
    assert.equal(customer.f.GetQueuingInfo().position, 1, 'still first in line');
    await nothingMore(a1, 'AutoAssignUser');
    a2.f.AcceptAssignUser(q, customer.id, 'ck-acc');
    assert.deepEqual(await a2.cb.take('ResponseAssignUserRslt'), [0, 'ck-acc']);
  });

  it('StopQueuing while offered: the agent gets CancelAssignUser, and AcceptAssignUser gives 402', async () => {
    const q = await queue(ts);
    const agent = await party(ts, 'agent', 'Agent');
    await serve(agent, q);
    const customer = await party(ts, 'cust', 'Cust');
    await enqueue(customer, q);
    await agent.cb.take('AutoAssignUser');
    customer.f.StopQueuing('ck-stop');
    assert.deepEqual(await customer.cb.take('StopQueuingRslt'), [0, 'ck-stop']);
    assert.deepEqual(await agent.cb.take('CancelAssignUser'), [q, customer.id]);
    agent.f.AcceptAssignUser(q, customer.id, 'ck-acc');
    assert.deepEqual(await agent.cb.take('ResponseAssignUserRslt'), [agent.f.QUE_USER_CANCELLED, 'ck-acc']);
    assert.equal(agent.f.QUE_USER_CANCELLED, 402);
  });

  it('a second queue while queuing: 404 (StartQueuing and StartQueuing2); an unknown queue: 400', async () => {
    const q1 = await queue(ts);
    const q2 = await queue(ts);
    const customer = await party(ts, 'cust', 'Cust');
    await enqueue(customer, q1);
    customer.f.StartQueuing(q2, '', 'ck-2');
    assert.deepEqual(await customer.cb.take('StartQueuingRslt'), [404, 'ck-2']);
    assert.equal(customer.f.ALREADY_OTHERQUE, 404);
    customer.f.StartQueuing2(q2, '', '{"lang":"en"}', 'ck-3');
    assert.deepEqual(await customer.cb.take('StartQueuingRslt'), [404, 'ck-3']);
    assert.equal(customer.f.GetQueuingInfo().queID, q1, 'still in the first queue');
    customer.f.StopQueuing();
    await customer.cb.take('StopQueuingRslt');
    customer.f.StartQueuing2(999_999, '', 'ck-4');
    assert.deepEqual(await customer.cb.take('StartQueuingRslt'), [customer.f.QUE_ID_INVALID, 'ck-4']);
    assert.equal(customer.f.QUE_ID_INVALID, 400);
  });
});

describe('queues through the facade: offers that time out, sessions across a reconnection', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer({ assignTimeoutMs: 600, limits: { resumeGraceMs: 2_000 } });
  });
  after(async () => {
    await ts.close();
  });

  it('an offer not answered in time: CancelAssignUser, the next agent is offered the customer, and a late accept gives 402', async () => {
    const q = await queue(ts);
    const a1 = await party(ts, 'a1', 'A1');
    await serve(a1, q, 0);
    const customer = await party(ts, 'cust', 'Cust');
    await enqueue(customer, q);
    await a1.cb.take('AutoAssignUser');
    const a2 = await party(ts, 'a2', 'A2');
    await serve(a2, q, 1);
    assert.deepEqual(await a1.cb.take('CancelAssignUser'), [q, customer.id]);
    const [offer] = await a2.cb.take('AutoAssignUser');
    assert.equal(offer.usrID, customer.id);
    a1.f.AcceptAssignUser(q, customer.id, 'ck-late');
    assert.deepEqual(await a1.cb.take('ResponseAssignUserRslt'), [402, 'ck-late']);
    a2.f.AcceptAssignUser(q, customer.id, 'ck-acc');
    assert.deepEqual(await a2.cb.take('ResponseAssignUserRslt'), [0, 'ck-acc']);
  });

  it('a customer back after the grace has lost their place: QueuingInfoChanged with position 0', async () => {
    const q = await queue(ts);
    const agent = await party(ts, 'agent', 'Agent');
    await dndOn(agent);
    await serve(agent, q);
    const proxy = await startProxy(ts.url);
    try {
      const customer = await party(ts, 'cust', 'Cust', undefined, proxy.url);
      await enqueue(customer, q);
      await statusIs(agent, q, 1, 1, 0);
      proxy.block(true);
      proxy.dropAll();
      await statusIs(agent, q, 1, 0, 0);
      const back = next(customer.f.client!, 'reconnected', 20_000);
      proxy.block(false);
      assert.deepEqual(await back, { resumed: false });
      assert.deepEqual(await customer.cb.take('QueuingInfoChanged'), [{ queID: q, position: 0, queuingTime: 0 }]);
      assert.deepEqual(customer.f.GetQueuingInfo(), { queID: 0, position: 0, queuingTime: 0 });
    } finally {
      await proxy.close();
    }
  });

  it('across a server restart the customer keeps their place, and an offer that still stands is announced again to an agent back as a new session', async () => {
    const q = await queue(ts);
    const agent = await party(ts, 'agent', 'Agent');
    await serve(agent, q);
    const first = await party(ts, 'first', 'First');
    const second = await party(ts, 'second', 'Second');
    await enqueue(first, q);
    const [offer] = (await agent.cb.take('AutoAssignUser')) as [CRQueUser];
    assert.equal(offer.usrID, first.id);
    await enqueue(second, q);
    const backs = [agent, first, second].map((p) => next(p.f.client!, 'reconnected', 20_000));
    await ts.restart();
    const [agentBack] = await Promise.all(backs);
    assert.equal(second.f.GetQueuingInfo().position, 2, 'the second customer is still second');
    assert.equal(first.f.GetQueuingInfo().position, 1);
    if (!agentBack!.resumed) {
      // One node keeps sessions in the process: the agent is a new session and is told of the offer again.
      const [again] = (await agent.cb.take('AutoAssignUser')) as [CRQueUser];
      assert.equal(again.usrID, first.id);
    }
    agent.f.AcceptAssignUser(q, first.id, 'acc');
    assert.deepEqual(await agent.cb.take('ResponseAssignUserRslt'), [0, 'acc'], 'the standing offer is accepted');
    assert.deepEqual(await takeUntil(second, 'QueuingInfoChanged', ([i]) => (i as { position: number }).position === 1), [{ queID: q, position: 1, queuingTime: (second.f.GetQueuingInfo()).queuingTime }]);
    assert.deepEqual(await first.cb.take('QueuingInfoChanged'), [{ queID: q, position: 0, queuingTime: 0 }], 'served: the place ends, told once');
    assert.equal(first.f.GetQueuingInfo().position, 0);
    await nothingMore(first, 'QueuingInfoChanged');
  });

  it('GetSessionInfo after a reconnection during a call: the call when resumed; nothing once the server ended it', async () => {
    const bob = await party(ts, 'bob', 'Bob');
    const proxy = await startProxy(ts.url);
    try {
      const alice = await party(ts, 'alice', 'Alice', undefined, proxy.url);
      bob.f.CreateMeeting('', 'ck-create');
      const [meetObj] = (await bob.cb.take('CreateMeetingSuccess')) as [MeetInfo, unknown];
      const callID = bob.f.Call(alice.id, meetObj, '', 'ck-call');
      await bob.cb.take('CallSuccess');
      const [, inMeet] = await alice.cb.take('NotifyCallIn');
      alice.f.AcceptCall(callID, inMeet, '', 'ck-accept');
      await alice.cb.take('AcceptCallSuccess');
      await bob.cb.take('NotifyCallAccepted');
      const expected = { callID, peerID: bob.id, peerName: 'Bob', bCallAccepted: 1, meetingID: meetObj.ID, meetingPswd: meetObj.pswd };

      // A short drop: the session is resumed, and the server still has the call.
      const resumed = next(alice.f.client!, 'reconnected');
      proxy.dropAll();
      assert.deepEqual(await resumed, { resumed: true });
      await flush(alice.f.client!);
      const { duration, ...rest } = alice.f.GetSessionInfo();
      assert.deepEqual(rest, expected);
      assert.ok(Number.isInteger(duration) && duration >= 0);

      // Away past the grace: the server ends the call (bob hears it); back, a new session with no call.
      proxy.block(true);
      proxy.dropAll();
      await bob.cb.take('NotifyCallHangup', 20_000);
      const back = next(alice.f.client!, 'reconnected', 20_000);
      proxy.block(false);
      assert.deepEqual(await back, { resumed: false });
      assert.deepEqual(alice.f.GetSessionInfo(), { callID: '', peerID: '', peerName: '', bCallAccepted: 0, meetingID: 0, meetingPswd: '', duration: 0 });
    } finally {
      await proxy.close();
    }
  });
});
