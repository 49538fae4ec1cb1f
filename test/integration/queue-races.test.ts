/**
 * Exactly once, under races: many customers joining and leaving at once, agents accepting and
 * rejecting and calling their customers, all at the same time. A customer is never accepted by two
 * agents, never lost; an agent never holds two offers; a customer who leaves while an agent accepts
 * ends one way only. Run in both modes (in a cluster the requests reach three nodes at random).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CallroomError, ErrorCodes } from '../../src/protocol/errors.js';
import type { CallClient } from '../../src/sdk/index.js';
import type { QueueUser } from '../../src/protocol/queues.js';
import { inbox, startServer, uid, WAIT_MS, type TestServer } from '../helpers/server.js';

let ts: TestServer;
let nextQueID = 500;

before(async () => {
  ts = await startServer();
});
after(async () => {
  await ts.close();
});

interface AgentLog {
  /** The offer the agent holds (set by queue.assigned, cleared when it answers or the offer is withdrawn). */
  holding: string | null;
  doubles: string[];
  accepted: string[];
  /** The agent's answers in flight (an accept's result arrives after the customer hears of it). */
  answering: Promise<void>[];
}

/**
 * An agent that accepts (or, every `rejectEvery`-th offer, rejects) each customer offered, then
 * calls the customer and hangs up, which ends the service and frees the agent for the next one.
 */
function runAgent(c: CallClient, id: string, queID: number, meetingID: Promise<number>, rejectEvery: number): AgentLog {
  const log: AgentLog = { holding: null, doubles: [], accepted: [], answering: [] };
  let offers = 0;
  c.on('queue.assigned', ({ user }: { user: QueueUser }) => {
    if (log.holding !== null) log.doubles.push(`${id} offered ${user.userID} while holding ${log.holding}`);
    log.holding = user.userID;
    const reject = rejectEvery > 0 && ++offers % rejectEvery === 0;
    const answer = (async () => {
      // A moment to think (not a synchronisation: it only spreads the answers out, so that a
      // second offer made while this one is held would arrive meanwhile and be seen).
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      if (log.holding !== user.userID) return; // withdrawn meanwhile
      log.holding = null;
      if (reject) {
        await c.rejectCustomer(queID, user.userID).catch(expect402);
        return;
      }
      try {
        await c.acceptCustomer(queID, user.userID);
      } catch (err) {
        expect402(err);
        return;
      }
      log.accepted.push(user.userID);
      const { callID } = await c.call(user.userID, { ID: await meetingID });
      await c.hangup(callID).catch(() => {});
    })();
    log.answering.push(answer);
  });
  c.on('queue.unassigned', ({ userID }) => {
    if (log.holding === userID) log.holding = null;
  });
  return log;
}

function expect402(err: unknown): void {
  if (!(err instanceof CallroomError) || err.code !== ErrorCodes.QUE_USER_CANCELLED) throw err;
}

describe('queues under races: exactly once', () => {
  for (let round = 1; round <= 3; round++) {
    it(`round ${round}: 20 customers, 4 agents; some leave while offered; everyone else is served once`, { timeout: 60_000 }, async () => {
      const queID = nextQueID++;
      await ts.server.core.queues.define({ queID, name: `race ${queID}`, desc: '', prio: 0 });
      const agents = await Promise.all(
        [0, 1, 2, 3].map(async (i) => {
          const id = uid(`agent${i}`);
          const c = await ts.client(id);
          const meeting = c.createMeeting().then((m) => m.ID);
          return { id, c, log: runAgent(c, id, queID, meeting, i === 0 ? 2 : 0) };
        }),
      );
      const customers = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const id = uid(`cust${i}`);
          const c = await ts.client(id);
          const box = inbox(c);
          // Customers answer the agent's call at once.
          c.on('call.incoming', ({ callID }) => void c.accept(callID).catch(() => {}));
          return { id, c, box, leaver: i % 5 === 4 };
        }),
      );
      // Agents start serving while the customers join: both orders race.
      await Promise.all([
        ...agents.map((a, i) => a.c.serveQueue(queID, i % 2)),
        ...customers.map((c) => c.c.joinQueue(queID, `n${c.id}`)),
      ]);
      // Leavers leave at once, racing the offers and the accepts.
      const left = new Map<string, number | null>();
      await Promise.all(customers.filter((c) => c.leaver).map(async (c) => left.set(c.id, await c.c.leaveQueue())));

      const stayers = customers.filter((c) => !c.leaver || left.get(c.id) === null);
      // Everyone who did not leave in time is told once that an agent took them.
      await Promise.all(stayers.map((c) => c.box.takeWhere('queue.left', (l) => l.reason === 'served', WAIT_MS * 3)));

      for (const a of agents) await Promise.all(a.log.answering);
      const accepted = agents.flatMap((a) => a.log.accepted);
      assert.deepEqual(agents.flatMap((a) => a.log.doubles), [], 'no agent holds two offers');
      assert.equal(new Set(accepted).size, accepted.length, 'no customer accepted twice');
      assert.deepEqual([...accepted].sort(), stayers.map((c) => c.id).sort(), 'each customer still queuing is accepted, by one agent');
      for (const c of customers.filter((x) => x.leaver)) {
        const servedToo = accepted.includes(c.id);
        assert.equal(left.get(c.id) === null, servedToo, `${c.id}: either left (${String(left.get(c.id))}) or was served, not both`);
      }
      const [st] = await agents[0]!.c.queueStatus(queID);
      assert.equal(st!.waiting, 0, 'nobody is left waiting');
      for (const c of customers) assert.equal((await c.c.myQueues()).queuing, null);
    });
  }
});
