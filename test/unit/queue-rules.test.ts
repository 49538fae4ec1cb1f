/**
 * The queue rulebook (src/server/rules/queues.ts) on its own: every rule as a table of cases, on
 * an injected time (each decision is given `now`) and injected facts (online, DND, in a call).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueueBook, type BookChange } from '../../src/server/rules/queue-book.js';
import { decideQueue, queueMine, STATUS_INTERVAL_MS, type QueueOp, type QueueOutcome } from '../../src/server/rules/queues.js';

const T0 = 1_700_000_000_000;
const TIMEOUT = 30_000;
const GRACE = 20_000;

/** A book, a clock and the facts the rules read; `do` decides one op at the current time. */
class World {
  book = new QueueBook();
  now = T0;
  readonly offline = new Set<string>();
  readonly dnd = new Set<string>();
  readonly inCall = new Set<string>();
  /** Every change written so far, as storage would have them. */
  readonly stored = new Map<string, string>();

  do(op: QueueOp): QueueOutcome {
    const out = decideQueue(this.book, op as never, this.now, {
      online: (u) => !this.offline.has(u),
      dnd: (u) => this.dnd.has(u),
      inCall: (u) => this.inCall.has(u),
    }, { assignTimeoutMs: TIMEOUT, graceMs: GRACE });
    this.keep(out.changes);
    return out;
  }

  private keep(changes: BookChange[]): void {
    for (const [k, v] of changes) {
      if (v === null) this.stored.delete(k);
      else this.stored.set(k, v);
    }
  }

  ok(op: QueueOp): QueueOutcome {
    const out = this.do(op);
    assert.equal(out.error, null, `${op.op}: ${out.error?.name}`);
    return out;
  }

  refused(op: QueueOp, name: string): QueueOutcome {
    const out = this.do(op);
    assert.equal(out.error?.name, name, `${op.op} should be refused with ${name}`);
    return out;
  }

  queue(queID: number, prio = 0): void {
    this.ok({ op: 'define', queue: { queID, name: `q${queID}`, desc: '', prio }, mode: 'put' });
  }

  serve(u: string, queID: number, priority = 0): QueueOutcome {
    return this.ok({ op: 'serve', u, nick: u, queID, priority });
  }

  join(u: string, queID: number): QueueOutcome {
    return this.ok({ op: 'join', u, nick: u, queID, ext: `ext-${u}` });
  }

  advance(ms: number): QueueOutcome {
    this.now += ms;
    return this.ok({ op: 'tick' });
  }

  /** Offers made by an outcome: [agent, customer]. */
  static offers(out: QueueOutcome): [string, string][] {
    return out.notices.flatMap((n) => (n.ev === 'queue.assigned' ? [[n.userID, n.payload.user.userID] as [string, string]] : []));
  }

  /** Who holds an offer of whom, from the book. */
  offersNow(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const a of this.book.agents.values()) if (a.assigned) out[a.u] = a.assigned;
    return out;
  }
}

describe('queue rules: defining queues', () => {
  const q = (name: string, prio = 0) => ({ queID: 3, name, desc: '', prio });
  it("'create' makes a new queue and leaves an existing one untouched; 'update' refuses a missing one; 'put' does either", () => {
    const w = new World();
    w.refused({ op: 'define', queue: q('a'), mode: 'update' }, 'QUE_ID_INVALID');
    assert.equal(w.book.queues.size, 0, 'a refused update writes nothing');
    assert.deepEqual(w.ok({ op: 'define', queue: q('a'), mode: 'create' }).result, { queue: q('a'), created: true });
    const again = w.ok({ op: 'define', queue: q('b', 4), mode: 'create' });
    assert.deepEqual(again.result, { queue: q('a'), created: false }, 'the second create is told what exists');
    assert.deepEqual(again.changes, [], 'and changes nothing');
    assert.deepEqual(w.ok({ op: 'define', queue: q('c', 2), mode: 'update' }).result, { queue: q('c', 2), created: false });
    assert.deepEqual(w.ok({ op: 'define', queue: q('d'), mode: 'put' }).result, { queue: q('d'), created: false });
    assert.equal(w.book.queues.get(3)?.name, 'd');
  });
});

describe('queue rules: which idle agent gets a waiting customer', () => {
  const cases: { name: string; agents: { u: string; priority: number; freeAt: number }[]; expect: string }[] = [
    { name: 'the best priority (smallest number) wins', agents: [{ u: 'p', priority: 2, freeAt: 0 }, { u: 'q', priority: 1, freeAt: 5 }], expect: 'q' },
    { name: 'equal priority: the one idle longest', agents: [{ u: 'p', priority: 1, freeAt: 5 }, { u: 'q', priority: 1, freeAt: 2 }, { u: 'r', priority: 3, freeAt: 0 }], expect: 'q' },
    { name: 'equal priority and idle time: the smallest user ID (one answer, on every node)', agents: [{ u: 'z', priority: 0, freeAt: 1 }, { u: 'm', priority: 0, freeAt: 1 }], expect: 'm' },
    { name: 'a negative priority beats zero', agents: [{ u: 'a', priority: 0, freeAt: 0 }, { u: 'b', priority: -1, freeAt: 9 }], expect: 'b' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const w = new World();
      w.queue(1);
      for (const a of [...c.agents].sort((x, y) => x.freeAt - y.freeAt)) {
        w.now = T0 + a.freeAt;
        w.serve(a.u, 1, a.priority);
      }
      w.now = T0 + 100;
      assert.deepEqual(World.offers(w.join('cust', 1)), [[c.expect, 'cust']]);
    });
  }

  it('an agent in a call, offline, or holding an offer is not idle; when the call ends they are offered the next customer', () => {
    const w = new World();
    w.queue(1);
    for (const u of ['busy', 'away', 'holder']) w.serve(u, 1);
    w.inCall.add('busy');
    w.offline.add('away');
    w.dnd.add('busy');
    w.dnd.add('away');
    w.join('c1', 1);
    assert.deepEqual(w.offersNow(), { holder: 'c1' });
    w.dnd.delete('busy');
    assert.deepEqual(World.offers(w.join('c2', 1)), [], 'nobody idle: c2 waits');
    w.inCall.delete('busy');
    const out = w.ok({ op: 'callEnded', call: { callID: 'x', caller: 'busy', callee: 'someone', createdAt: T0 } });
    assert.deepEqual(World.offers(out), [['busy', 'c2']]);
  });
});

describe('queue rules: which customer an agent gets', () => {
  it('first come, first served within a queue', () => {
    const w = new World();
    w.queue(1);
    for (const c of ['c1', 'c2', 'c3']) {
      w.join(c, 1);
      w.now += 1;
    }
    assert.deepEqual(World.offers(w.serve('a', 1)), [['a', 'c1']]);
  });

  it('the most important queue (smallest prio) first, even if its customer came later', () => {
    const w = new World();
    w.queue(1, 5);
    w.queue(2, 1);
    w.join('early', 1);
    w.now += 1000;
    w.join('late', 2);
    w.dnd.add('a');
    w.serve('a', 1);
    w.serve('a', 2);
    assert.equal(w.ok({ op: 'next', u: 'a' }).result && (w.offersNow().a), 'late');
  });

  it('queues of equal prio: the customer who has waited longest, whichever queue', () => {
    const w = new World();
    w.queue(7, 3);
    w.queue(2, 3);
    w.join('first', 7);
    w.now += 10;
    w.join('second', 2);
    w.dnd.add('a');
    w.serve('a', 2);
    w.serve('a', 7);
    w.dnd.delete('a');
    assert.deepEqual(World.offers(w.ok({ op: 'settle' })), [['a', 'first']]);
  });

  it('equal prio: the smaller queID first is only the order of queues, not of customers', () => {
    const w = new World();
    w.queue(1, 0);
    w.queue(2, 0);
    w.join('in2', 2);
    w.now += 1;
    w.join('in1', 1);
    w.dnd.add('a');
    w.serve('a', 1);
    w.serve('a', 2);
    w.dnd.delete('a');
    assert.deepEqual(World.offers(w.ok({ op: 'settle' })), [['a', 'in2']]);
  });
});

describe('queue rules: DND modes', () => {
  it('DND off: offered at once (queue.assigned with the deadline); DND on: nothing pushed, the agent asks', () => {
    const w = new World();
    w.queue(1);
    w.dnd.add('manual');
    w.serve('manual', 1);
    const joined = w.join('c1', 1);
    assert.deepEqual(World.offers(joined), []);
    const next = w.ok({ op: 'next', u: 'manual' });
    assert.equal((next.result as { user: { userID: string } }).user.userID, 'c1');
    assert.deepEqual(World.offers(next), [], 'the answer carries the customer: no push');
    w.serve('auto', 1);
    const out = w.join('c2', 1);
    const assigned = out.notices.find((n) => n.ev === 'queue.assigned');
    assert.equal(assigned?.userID, 'auto');
    assert.equal(assigned?.ev === 'queue.assigned' && assigned.payload.deadline, w.now + TIMEOUT);
  });

  it('queue.next: 403 when serving no queue, 401 when nobody waits, the same customer while the offer stands', () => {
    const w = new World();
    w.queue(1);
    w.refused({ op: 'next', u: 'a' }, 'QUE_SERVICE_NOT_START');
    w.dnd.add('a');
    w.serve('a', 1);
    w.refused({ op: 'next', u: 'a' }, 'QUE_NOUSER');
    w.join('c', 1);
    w.ok({ op: 'next', u: 'a' });
    assert.equal((w.ok({ op: 'next', u: 'a' }).result as { user: { userID: string } }).user.userID, 'c');
  });

  it('an agent who turns DND off is offered the waiting customer (settle)', () => {
    const w = new World();
    w.queue(1);
    w.dnd.add('a');
    w.serve('a', 1);
    w.join('c', 1);
    w.dnd.delete('a');
    assert.deepEqual(World.offers(w.ok({ op: 'settle' })), [['a', 'c']]);
  });
});

describe('queue rules: offers time out, are rejected, or are withdrawn', () => {
  it('not answered within the timeout: CancelAssignUser (timeout), and the customer goes to the next agent, never back', () => {
    const w = new World();
    w.queue(1);
    w.serve('a', 1, 0);
    w.join('c', 1);
    w.serve('b', 1, 5);
    assert.deepEqual(World.offers(w.advance(TIMEOUT - 1)), []);
    const out = w.advance(1);
    assert.deepEqual(
      out.notices.filter((n) => n.ev === 'queue.unassigned'),
      [{ userID: 'a', ev: 'queue.unassigned', payload: { queID: 1, userID: 'c', reason: 'timeout' } }],
    );
    assert.deepEqual(World.offers(out), [['b', 'c']]);
    w.advance(TIMEOUT);
    assert.deepEqual(w.offersNow(), {}, 'both let it time out: the customer waits for another agent');
    assert.equal(w.book.waiters.get('c')?.agent, null);
    assert.equal(queueMine(w.book, 'c', w.now).queuing?.position, 1, 'and keeps their place');
  });

  it('rejected: the customer keeps their place and goes to another idle agent; the rejecting agent gets the next customer', () => {
    const w = new World();
    w.queue(1);
    w.serve('a', 1, 0);
    w.join('c1', 1);
    w.join('c2', 1);
    w.dnd.add('b');
    w.serve('b', 1, 5);
    w.dnd.delete('b');
    const out = w.ok({ op: 'reject', u: 'a', queID: 1, customer: 'c1' });
    assert.deepEqual(World.offers(out).sort(), [['a', 'c2'], ['b', 'c1']]);
    assert.equal(queueMine(w.book, 'c1', w.now).queuing?.position, 1);
  });

  const races: { name: string; before: (w: World) => void; then: QueueOp }[] = [
    { name: 'accept after the customer stopped queuing', before: (w) => w.ok({ op: 'leave', u: 'c' }), then: { op: 'accept', u: 'a', queID: 1, customer: 'c' } },
    { name: 'reject after the customer stopped queuing', before: (w) => w.ok({ op: 'leave', u: 'c' }), then: { op: 'reject', u: 'a', queID: 1, customer: 'c' } },
    { name: 'accept after the offer timed out', before: (w) => w.advance(TIMEOUT), then: { op: 'accept', u: 'a', queID: 1, customer: 'c' } },
    { name: 'accept of a customer offered to another agent', before: () => {}, then: { op: 'accept', u: 'other', queID: 1, customer: 'c' } },
    { name: 'accept naming the wrong queue', before: () => {}, then: { op: 'accept', u: 'a', queID: 2, customer: 'c' } },
    { name: 'a second accept', before: (w) => w.ok({ op: 'accept', u: 'a', queID: 1, customer: 'c' }), then: { op: 'accept', u: 'a', queID: 1, customer: 'c' } },
    { name: 'accept after the customer went offline past the grace', before: (w) => { w.offline.add('c'); w.ok({ op: 'gone', u: 'c' }); }, then: { op: 'accept', u: 'a', queID: 1, customer: 'c' } },
  ];
  for (const r of races) {
    it(`402 QUE_USER_CANCELLED: ${r.name}`, () => {
      const w = new World();
      w.queue(1);
      w.queue(2);
      w.dnd.add('other');
      w.serve('other', 1);
      w.serve('a', 1);
      w.join('c', 1);
      assert.deepEqual(w.offersNow(), { a: 'c' });
      r.before(w);
      w.refused(r.then, 'QUE_USER_CANCELLED');
    });
  }

  it('a customer who stops queuing while offered: the agent is told (cancelled) and is free for the next one', () => {
    const w = new World();
    w.queue(1);
    w.serve('a', 1);
    w.join('c1', 1);
    w.join('c2', 1);
    const out = w.ok({ op: 'leave', u: 'c1' });
    assert.deepEqual(out.notices.find((n) => n.ev === 'queue.unassigned')?.payload, { queID: 1, userID: 'c1', reason: 'cancelled' });
    assert.deepEqual(World.offers(out), [['a', 'c2']]);
    assert.deepEqual(out.observations, [{ kind: 'abandoned', queID: 1 }, { kind: 'offered', queID: 1, ms: 0 }]);
  });
});

describe('queue rules: service', () => {
  it('after accept the agent serves the customer until their call ends; the call is marked as that service', () => {
    const w = new World();
    w.queue(1);
    w.serve('a', 1);
    w.join('c1', 1);
    w.now += 4_000;
    const acc = w.ok({ op: 'accept', u: 'a', queID: 1, customer: 'c1' });
    assert.deepEqual(acc.notices.find((n) => n.ev === 'queue.left'), { userID: 'c1', ev: 'queue.left', payload: { queID: 1, reason: 'served', agent: 'a' } });
    assert.deepEqual(acc.observations, [{ kind: 'served', queID: 1, ms: 4_000 }]);
    w.join('c2', 1);
    assert.deepEqual(w.offersNow(), {}, 'serving c1: not idle');
    w.inCall.add('a');
    w.now += 60_000;
    w.ok({ op: 'tick' });
    assert.ok(w.book.agents.get('a')?.serving, 'a call is on: the service lasts past the deadline');
    w.inCall.delete('a');
    const end = w.ok({ op: 'callEnded', call: { callID: 'k1', caller: 'a', callee: 'c1', createdAt: w.now - 50_000 } });
    assert.deepEqual(end.annotate, { callID: 'k1', queue: { queID: 1, waitedMs: 4_000, agent: 'a' } });
    assert.deepEqual(World.offers(end), [['a', 'c2']]);
    assert.equal(w.book.figures.get(1)?.avgServiceMs, 60_000);
  });

  it('a service with no call ends at the timeout after the accept', () => {
    const w = new World();
    w.queue(1);
    w.serve('a', 1);
    w.join('c1', 1);
    w.ok({ op: 'accept', u: 'a', queID: 1, customer: 'c1' });
    w.join('c2', 1);
    assert.deepEqual(World.offers(w.advance(TIMEOUT - 1)), []);
    assert.deepEqual(World.offers(w.advance(1)), [['a', 'c2']]);
  });

  it('queue.next in manual mode ends the service of the last customer', () => {
    const w = new World();
    w.queue(1);
    w.dnd.add('a');
    w.serve('a', 1);
    w.join('c1', 1);
    w.join('c2', 1);
    w.ok({ op: 'next', u: 'a' });
    w.ok({ op: 'accept', u: 'a', queID: 1, customer: 'c1' });
    assert.equal((w.ok({ op: 'next', u: 'a' }).result as { user: { userID: string } }).user.userID, 'c2');
    assert.equal(w.book.agents.get('a')?.serving, null);
  });
});

describe('queue rules: users who go away', () => {
  it('a customer offline past the grace leaves (sweep); one back in time keeps their place', () => {
    const w = new World();
    w.queue(1);
    w.join('c1', 1);
    w.join('c2', 1);
    w.offline.add('c1');
    w.offline.add('c2');
    w.ok({ op: 'sweep' });
    w.now += GRACE - 1;
    w.offline.delete('c2');
    w.ok({ op: 'sweep' });
    w.now += 1;
    const out = w.ok({ op: 'sweep' });
    assert.deepEqual([...w.book.waiters.keys()], ['c2']);
    assert.deepEqual(out.notices.filter((n) => n.ev === 'queue.position'), [{ userID: 'c2', ev: 'queue.position', payload: { queID: 1, position: 1, waitedMs: GRACE, etaMs: null } }]);
  });

  it('an agent gone: their offer goes back to the line (to another agent, not marked as passed) and they serve no more', () => {
    const w = new World();
    w.queue(1);
    w.serve('a', 1, 0);
    w.join('c', 1);
    w.dnd.add('b');
    w.serve('b', 1, 1);
    w.dnd.delete('b');
    w.offline.add('a');
    const out = w.ok({ op: 'gone', u: 'a' });
    assert.deepEqual(World.offers(out), [['b', 'c']]);
    assert.equal(w.book.agents.has('a'), false);
    assert.deepEqual(w.book.waiters.get('c')?.passed, []);
  });

  it('gone is ignored for a user online again (a newer login kicked the older session)', () => {
    const w = new World();
    w.queue(1);
    w.join('c', 1);
    w.ok({ op: 'gone', u: 'c' });
    assert.ok(w.book.waiters.has('c'));
  });
});

describe('queue rules: what agents and customers are told', () => {
  it('queue.status to every agent of the queue when its counts change; queue.position to each customer who moved', () => {
    const w = new World();
    w.queue(1);
    w.dnd.add('a1');
    w.dnd.add('a2');
    w.serve('a1', 1);
    w.now += 1_000; // past the status interval: each change is told at once
    const s2 = w.serve('a2', 1);
    assert.deepEqual(s2.notices, [
      { userID: 'a1', ev: 'queue.status', payload: { queID: 1, agents: 2, waiting: 0, inService: 0 } },
      { userID: 'a2', ev: 'queue.status', payload: { queID: 1, agents: 2, waiting: 0, inService: 0 } },
    ]);
    for (const c of ['c1', 'c2', 'c3']) w.join(c, 1);
    w.now += 1_000;
    const out = w.ok({ op: 'leave', u: 'c1' });
    assert.deepEqual(out.notices.filter((n) => n.ev === 'queue.position').map((n) => [n.userID, n.ev === 'queue.position' && n.payload.position]), [['c2', 1], ['c3', 2]]);
    assert.equal(out.notices.filter((n) => n.ev === 'queue.status').length, 2);
    const same = w.ok({ op: 'join', u: 'c2', nick: 'c2', queID: 1, ext: '' });
    assert.deepEqual(same.notices, [], 'joining the same queue again changes nothing');
    assert.deepEqual(same.changes, []);
  });

  it('queue.status at most once per status interval per queue: the first change at once, later ones as the latest counts when it is over', () => {
    const w = new World();
    const status = (out: QueueOutcome) => out.notices.flatMap((n) => (n.ev === 'queue.status' ? [[n.userID, n.payload.waiting]] : []));
    w.queue(1);
    w.dnd.add('a1');
    w.dnd.add('a2');
    w.serve('a1', 1);
    w.now += 1_000;
    assert.deepEqual(status(w.join('c1', 1)), [['a1', 1]], 'a change after a quiet spell is told at once');
    w.now += 10;
    assert.deepEqual(status(w.join('c2', 1)), [], 'a change within the interval waits');
    assert.equal(w.book.nextDeadline(), T0 + 1_000 + STATUS_INTERVAL_MS, 'until the interval is over');
    assert.deepEqual(status(w.serve('a2', 1)), [['a2', 2]], 'but an agent who starts serving is told the counts at once');
    w.now += 10;
    w.join('c3', 1);
    assert.deepEqual(status(w.advance(STATUS_INTERVAL_MS)), [['a1', 3], ['a2', 3]], 'the latest counts, once, when the interval is over');
    assert.equal(w.book.nextDeadline(), null, 'nothing more to tell');
    w.now += 10;
    w.ok({ op: 'leave', u: 'c3' });
    w.join('c3', 1);
    assert.deepEqual(status(w.advance(STATUS_INTERVAL_MS)), [], 'counts back to what was told: nothing to tell');
    assert.equal(w.book.nextDeadline(), null);
  });

  it('queue.position on the same terms: each customer whose place differs from the one they were last told, at most once per interval', () => {
    const w = new World();
    const places = (out: QueueOutcome) => out.notices.flatMap((n) => (n.ev === 'queue.position' ? [[n.userID, n.payload.position]] : []));
    w.queue(1);
    for (const c of ['c1', 'c2', 'c3', 'c4']) w.join(c, 1);
    assert.deepEqual(places(w.ok({ op: 'leave', u: 'c1' })), [['c2', 1], ['c3', 2], ['c4', 3]], 'told at once after a quiet spell');
    w.now += 10;
    assert.deepEqual(places(w.ok({ op: 'leave', u: 'c3' })), [], 'a second move within the interval waits');
    w.now += 10;
    assert.deepEqual(w.join('c5', 1).result, { info: { queID: 1, position: 3, waitedMs: 0, etaMs: null } }, 'an arrival learns its place from the answer');
    assert.deepEqual(places(w.advance(STATUS_INTERVAL_MS)), [['c4', 2]], 'when it is over: only the customer whose place changed since they were told');
    w.now += 1_000;
    assert.deepEqual(places(w.ok({ op: 'leave', u: 'c5' })), [], 'the last one leaving moves nobody');
    // A move waiting for its telling, then a departure after its time: told once, nothing left due.
    for (const c of ['c6', 'c7']) w.join(c, 1);
    w.now += 1_000;
    w.ok({ op: 'leave', u: 'c2' });
    w.now += 10;
    w.ok({ op: 'leave', u: 'c4' });
    w.now += STATUS_INTERVAL_MS * 2;
    assert.deepEqual(places(w.ok({ op: 'leave', u: 'c6' })), [['c7', 1]]);
    assert.equal(w.book.nextDeadline(), null, 'no telling left due');
  });

  it('the estimate: position × the recent service time ÷ agents', () => {
    const w = new World();
    w.queue(1);
    w.serve('a', 1);
    w.join('c0', 1);
    w.ok({ op: 'accept', u: 'a', queID: 1, customer: 'c0' });
    w.now += 120_000;
    w.ok({ op: 'callEnded', call: { callID: 'k', caller: 'a', callee: 'c0', createdAt: w.now - 1 } });
    w.dnd.add('a');
    w.dnd.add('b');
    w.serve('b', 1);
    w.join('c1', 1);
    const info = (w.join('c2', 1).result as { info: { position: number; etaMs: number | null } }).info;
    assert.deepEqual([info.position, info.etaMs], [2, 120_000]);
  });

  it('deleting a queue: customers told (removed), offers withdrawn, agents told they serve it no more', () => {
    const w = new World();
    w.queue(1);
    w.serve('a', 1);
    w.join('c1', 1);
    w.join('c2', 1);
    const out = w.ok({ op: 'remove', queID: 1 });
    assert.deepEqual(out.notices, [
      { userID: 'a', ev: 'queue.unassigned', payload: { queID: 1, userID: 'c1', reason: 'removed' } },
      { userID: 'c1', ev: 'queue.left', payload: { queID: 1, reason: 'removed', agent: null } },
      { userID: 'c2', ev: 'queue.left', payload: { queID: 1, reason: 'removed', agent: null } },
      { userID: 'a', ev: 'queue.unserved', payload: { queID: 1, reason: 'removed' } },
    ]);
    assert.equal(w.book.waiters.size + w.book.agents.size + w.book.queues.size, 0);
    w.refused({ op: 'join', u: 'c1', nick: 'c1', queID: 1, ext: '' }, 'QUE_ID_INVALID');
  });
});

describe('queue book: what storage keeps is the book', () => {
  it('the changes written, loaded again, give the same book (places, offers, services, figures)', () => {
    const w = new World();
    w.queue(1, 2);
    w.queue(2, 1);
    w.serve('a', 1);
    w.serve('a', 2, 3);
    for (const c of ['c1', 'c2', 'c3']) {
      w.join(c, 1);
      w.now += 7;
    }
    w.ok({ op: 'accept', u: 'a', queID: 1, customer: 'c1' });
    w.ok({ op: 'leave', u: 'c2' });
    w.join('c4', 2);
    const again = QueueBook.from(w.stored);
    for (const u of ['a', 'c1', 'c3', 'c4']) assert.deepEqual(queueMine(again, u, w.now), queueMine(w.book, u, w.now), u);
    assert.deepEqual(again.queuesInOrder(), w.book.queuesInOrder());
    assert.deepEqual(again.figures, w.book.figures);
    assert.equal(again.nextDeadline(), w.book.nextDeadline());
    // and the arrival numbers go on where they were
    const next = new World();
    next.book = again;
    next.now = w.now;
    next.join('c5', 2);
    assert.ok(again.waiters.get('c5')!.seq > again.waiters.get('c4')!.seq);
  });
});
