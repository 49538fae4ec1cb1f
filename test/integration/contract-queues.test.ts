/**
 * The queue contract end to end (docs/protocol.md, "Queues"), with real SDK clients on a real
 * server; run in both modes (one node, and three nodes on Redis behind a round-robin proxy).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCodes } from '../../src/protocol/errors.js';
import { flush, inbox, rejectsWith, startServer, uid, type TestServer } from '../helpers/server.js';

let ts: TestServer;
let nextQueID = 100;

before(async () => {
  ts = await startServer();
});
after(async () => {
  await ts.close();
});

/** A logged-in client with its user ID. */
async function user(name: string, nickName?: string) {
  const id = uid(name);
  return Object.assign(await ts.client(id, nickName), { id });
}

async function queue(prio = 0): Promise<number> {
  const queID = nextQueID++;
  await ts.server.core.queues.define({ queID, name: `queue ${queID}`, desc: '', prio });
  return queID;
}

describe('queues: a customer waits, an agent is offered them, accepts and calls them', () => {
  it('offers the customer to the idle agent, who accepts; the customer leaves the line', async () => {
    const q = await queue();
    const agent = await user('agent', 'Agent A');
    const customer = await user('cust', 'Customer C');
    const ai = inbox(agent);
    const ci = inbox(customer);
    assert.deepEqual(await agent.serveQueue(q, 1), [q]);
    const info = await customer.joinQueue(q, 'account 42');
    assert.equal(info.position, 1);
    const offer = await ai.take('queue.assigned');
    assert.equal(offer.user.userID, customer.id);
    assert.equal(offer.user.usrExtDat, 'account 42');
    assert.equal(offer.user.nickName, 'Customer C');
    const accepted = await agent.acceptCustomer(q, customer.id);
    assert.equal(accepted.userID, customer.id);
    const left = await ci.take('queue.left');
    assert.deepEqual(left, { queID: q, reason: 'served', agent: agent.id });
    const [st] = await agent.queueStatus(q);
    assert.deepEqual(st, { queID: q, agents: 1, waiting: 0, inService: 1 });
    // The agent calls the customer; when the call ends, the service ends and the record says so.
    const meeting = await agent.createMeeting();
    const { callID } = await agent.call(customer.id, meeting);
    await ci.take('call.incoming');
    await customer.accept(callID);
    await agent.hangup(callID);
    await ci.take('call.hungup');
    const done = await ai.takeWhere('queue.status', (s) => s.queID === q && s.inService === 0);
    assert.equal(done.agents, 1);
    const deadline = Date.now() + 5_000;
    let rec = (await ts.store.getCall(callID))!;
    while (!rec.queue && Date.now() < deadline) {
      await flush(agent);
      rec = (await ts.store.getCall(callID))!;
    }
    assert.equal(rec.queue?.queID, q);
    assert.equal(rec.queue?.agent, agent.id);
    assert.ok(rec.queue!.waitedMs >= 0);
  });

  it('refuses a second queue (404), an unknown queue (400), accepting a customer not offered (402)', async () => {
    const q1 = await queue();
    const q2 = await queue();
    const customer = await user('cust');
    await customer.joinQueue(q1);
    await rejectsWith(customer.joinQueue(q2), ErrorCodes.ALREADY_OTHERQUE);
    await rejectsWith(customer.joinQueue(999_999), ErrorCodes.QUE_ID_INVALID);
    const agent = await user('agent');
    await agent.setDnd(true);
    await agent.serveQueue(q2);
    await rejectsWith(agent.acceptCustomer(q1, customer.id), ErrorCodes.QUE_USER_CANCELLED);
    assert.equal(await customer.leaveQueue(), q1);
    assert.equal(await customer.leaveQueue(), null);
  });

  it('manual mode: an agent with DND on is offered nobody and asks (401 when nobody waits, 403 when serving no queue)', async () => {
    const q = await queue();
    const agent = await user('agent');
    const ai = inbox(agent);
    await rejectsWith(agent.nextCustomer(), ErrorCodes.QUE_SERVICE_NOT_START);
    await agent.setDnd(true);
    await agent.serveQueue(q);
    await rejectsWith(agent.nextCustomer(), ErrorCodes.QUE_NOUSER);
    const customer = await user('cust');
    await customer.joinQueue(q);
    await flush(agent);
    assert.deepEqual(ai.unreadOf('queue.assigned'), []);
    const offered = await agent.nextCustomer();
    assert.equal(offered.userID, customer.id);
    // Asking again while the offer stands returns the same customer.
    assert.equal((await agent.nextCustomer()).userID, customer.id);
    await agent.acceptCustomer(q, customer.id);
  });

  it('a customer who stops queuing while offered: the agent is told, and accepting gives 402', async () => {
    const q = await queue();
    const agent = await user('agent');
    const ai = inbox(agent);
    await agent.serveQueue(q);
    const customer = await user('cust');
    await customer.joinQueue(q);
    await ai.take('queue.assigned');
    await customer.leaveQueue();
    const un = await ai.take('queue.unassigned');
    assert.deepEqual(un, { queID: q, userID: customer.id, reason: 'cancelled' });
    await rejectsWith(agent.acceptCustomer(q, customer.id), ErrorCodes.QUE_USER_CANCELLED);
  });

  it('a rejected customer keeps their place and goes to the next idle agent, not back to the one who rejected', async () => {
    const q = await queue();
    const a1 = await user('a1');
    const a2 = await user('a2');
    const i1 = inbox(a1);
    const i2 = inbox(a2);
    await a1.serveQueue(q, 0);
    const c = await user('cust');
    await c.joinQueue(q);
    await i1.take('queue.assigned');
    await a2.serveQueue(q, 5);
    await a1.rejectCustomer(q, c.id);
    const offer = await i2.take('queue.assigned');
    assert.equal(offer.user.userID, c.id);
    await flush(a1);
    assert.deepEqual(i1.unreadOf('queue.assigned'), []);
    assert.deepEqual(await c.myQueues().then((m) => m.queuing?.position), 1);
  });

  it('positions: customers hear when they move up; agents hear of every change of the counts', async () => {
    const q = await queue();
    const agent = await user('agent');
    await agent.setDnd(true);
    await agent.serveQueue(q);
    const ai = inbox(agent);
    const cs = [];
    for (let i = 0; i < 3; i++) {
      const c = await user(`c${i}`);
      cs.push({ c, box: inbox(c) });
      assert.equal((await c.joinQueue(q)).position, i + 1);
    }
    const st = await ai.takeWhere('queue.status', (s) => s.waiting === 3);
    assert.equal(st.agents, 1);
    await cs[0]!.c.leaveQueue();
    assert.equal((await cs[1]!.box.take('queue.position')).position, 1);
    assert.equal((await cs[2]!.box.take('queue.position')).position, 2);
    await ai.takeWhere('queue.status', (s) => s.waiting === 2);
  });

  it('a customer who logs out leaves the queue; an agent who logs out stops serving', async () => {
    const q = await queue();
    const agent = await user('agent');
    await agent.setDnd(true);
    await agent.serveQueue(q);
    const ai = inbox(agent);
    const c = await user('cust');
    await c.joinQueue(q);
    await ai.takeWhere('queue.status', (s) => s.waiting === 1);
    await c.logout();
    await ai.takeWhere('queue.status', (s) => s.waiting === 0);
    const watcher = await user('watch');
    await agent.logout();
    const deadline = Date.now() + 5_000;
    let st = (await watcher.queueStatus(q))[0]!;
    while (st.agents !== 0 && Date.now() < deadline) st = (await watcher.queueStatus(q))[0]!;
    assert.equal(st.agents, 0);
  });

  it('GetSessionInfo: the server tells a user their open call', async () => {
    const a = await user('a', 'Alice');
    const b = await user('b', 'Bob');
    const bi = inbox(b);
    assert.equal(await a.sessionInfo(), null);
    const meeting = await a.createMeeting({ pswd: 'pw1' });
    const { callID } = await a.call(b.id, meeting);
    await bi.take('call.incoming');
    const info = await b.sessionInfo();
    assert.equal(info?.callID, callID);
    assert.equal(info?.peerID, a.id);
    assert.equal(info?.peerName, 'Alice');
    assert.equal(info?.accepted, false);
    assert.equal(info?.meetingID, meeting.ID);
    assert.equal(info?.meetingPswd, 'pw1');
    await b.accept(callID);
    assert.equal((await a.sessionInfo())?.accepted, true);
    await a.hangup(callID);
  });
});

describe('queues: bad input gets a clear error and disturbs nobody', () => {
  it('malformed queue requests are refused with BAD_ARGUMENT (5); a waiting customer keeps their place and hears nothing', async () => {
    const q = await queue();
    const waiting = await user('cust');
    const wi = inbox(waiting);
    await waiting.joinQueue(q);
    const hostile = await user('hostile');
    const bad: [string, Record<string, unknown>][] = [
      ['queue.join', { queID: 'x' }],
      ['queue.join', { queID: 0 }],
      ['queue.join', { queID: 2 ** 31 }],
      ['queue.join', { queID: q, usrExtDat: 'x'.repeat(5000) }],
      ['queue.join', { queID: q, extra: 1 }],
      ['queue.serve', { queID: q, priority: 1.5 }],
      ['queue.serve', { queID: q, priority: 1e99 }],
      ['queue.accept', { queID: q }],
      ['queue.accept', { queID: q, userID: { $ne: null } }],
      ['queue.reject', { queID: q, userID: '' }],
      ['queue.status', { queID: -1 }],
      ['queue.leave', { queID: q }],
    ];
    for (const [op, fields] of bad) await rejectsWith(hostile.request(op as never, fields as never), ErrorCodes.BAD_ARGUMENT);
    // Well-formed but not theirs to do.
    await rejectsWith(hostile.acceptCustomer(q, waiting.id), ErrorCodes.QUE_USER_CANCELLED);
    await rejectsWith(hostile.rejectCustomer(q, waiting.id), ErrorCodes.QUE_USER_CANCELLED);
    await rejectsWith(hostile.unserveQueue(q), ErrorCodes.QUE_SERVICE_NOT_START);
    await flush(waiting);
    assert.deepEqual(wi.unread(), []);
    assert.equal((await waiting.myQueues()).queuing?.position, 1);
  });
});
