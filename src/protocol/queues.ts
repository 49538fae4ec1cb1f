/**
 * Wire shapes of call-centre queues (docs/protocol.md, "Queues"): the objects, and the requests and
 * events that messages.ts merges into the protocol. Names are ours (camelCase); the facade maps
 * them to the vendor's (`agent_num`, `wait_num`, `srv_num`, `usrID`, `queuingTime`, …).
 */
import { Type, type Static } from '@sinclair/typebox';

export const QueueLimits = {
  name: 100,
  desc: 1000,
  /** Queue IDs are positive integers below this. */
  maxQueID: 2 ** 31,
} as const;

export const QueID = Type.Integer({ minimum: 1, maximum: QueueLimits.maxQueID - 1 });
/** A queue's importance: the smaller, the more important (the vendor's `prio`). */
export const QueuePrio = Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 });
/** An agent's priority inside one queue: the smaller, the sooner the agent is offered a customer. */
export const AgentPriority = Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 });

/** A queue as an administrator defines it (the vendor's `QueueInfo`). */
export const QueueInfo = Type.Object(
  {
    queID: QueID,
    name: Type.String({ minLength: 1, maxLength: QueueLimits.name }),
    desc: Type.String({ maxLength: QueueLimits.desc }),
    prio: QueuePrio,
  },
  { additionalProperties: false },
);
export type QueueInfo = Static<typeof QueueInfo>;

/** A queue's counts now (the vendor's `QueStatus`: agent_num, wait_num, srv_num). */
export const QueueStatus = Type.Object({
  queID: Type.Integer(),
  /** Agents serving the queue. */
  agents: Type.Integer({ minimum: 0 }),
  /** Customers waiting in it (those offered to an agent and not yet accepted included). */
  waiting: Type.Integer({ minimum: 0 }),
  /** Customers accepted by an agent whose service has not ended. */
  inService: Type.Integer({ minimum: 0 }),
});
export type QueueStatus = Static<typeof QueueStatus>;

/** A customer as an agent sees them (the vendor's `QueUser`). */
export const QueueUser = Type.Object({
  queID: Type.Integer(),
  userID: Type.String(),
  nickName: Type.String(),
  /** How long they have waited, until now or until accepted. */
  waitedMs: Type.Integer({ minimum: 0 }),
  /** What the customer sent with `queue.join`. */
  usrExtDat: Type.String(),
});
export type QueueUser = Static<typeof QueueUser>;

/** A customer's own place in line (the vendor's `QueuingInfo`), with an estimate of the wait left. */
export const QueuingInfo = Type.Object({
  queID: Type.Integer(),
  /** 1 = next. */
  position: Type.Integer({ minimum: 1 }),
  waitedMs: Type.Integer({ minimum: 0 }),
  /** Estimated wait left, from the queue's recent service times; null while there is no history or no agent. */
  etaMs: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
});
export type QueuingInfo = Static<typeof QueuingInfo>;

/** Why an offer to an agent was withdrawn (`queue.unassigned`). */
export const UnassignReason = Type.Union([
  /** Not accepted or rejected within the assignment timeout. */
  Type.Literal('timeout'),
  /** The customer stopped queuing. */
  Type.Literal('cancelled'),
  /** The customer went offline past the resume grace. */
  Type.Literal('gone'),
  /** The queue was deleted. */
  Type.Literal('removed'),
]);
export type UnassignReason = Static<typeof UnassignReason>;

/** Why a customer's queuing ended without their asking (`queue.left`). */
export const LeftReason = Type.Union([Type.Literal('served'), Type.Literal('removed')]);
export type LeftReason = Static<typeof LeftReason>;

/** What a user's client needs after a (re-)login: their place in line, the queues they serve, their offer and their customer. */
export interface QueueMine {
  queuing: QueuingInfo | null;
  serving: { queID: number; priority: number }[];
  assigned: QueueUser | null;
  /** When the offer in `assigned` is withdrawn unless answered (server time, ms); null without one. */
  assignedDeadline: number | null;
  inService: QueueUser | null;
}

export const QueueRequestProps = {
  'queue.list': {},
  'queue.status': { queID: Type.Optional(QueID) },
  'queue.join': { queID: QueID, usrExtDat: Type.Optional(Type.String({ maxLength: 4096 })) },
  'queue.leave': {},
  'queue.serve': { queID: QueID, priority: Type.Optional(AgentPriority) },
  'queue.unserve': { queID: QueID },
  'queue.next': {},
  'queue.accept': { queID: QueID, userID: Type.String({ minLength: 1, maxLength: 128 }) },
  'queue.reject': { queID: QueID, userID: Type.String({ minLength: 1, maxLength: 128 }) },
  'queue.mine': {},
} as const;

export interface QueueResults {
  'queue.list': { queues: QueueInfo[] };
  'queue.status': { statuses: QueueStatus[] };
  'queue.join': { info: QueuingInfo };
  /** The queue left, or null when the user was not queuing. */
  'queue.leave': { queID: number | null };
  'queue.serve': { queID: number; serving: number[] };
  'queue.unserve': { queID: number; serving: number[] };
  'queue.next': { user: QueueUser };
  'queue.accept': { user: QueueUser };
  'queue.reject': Record<string, never>;
  'queue.mine': QueueMine;
}

export const QueueEvents = {
  /** A customer is offered to this agent (the vendor's AutoAssignUser); accept or reject within the timeout. */
  'queue.assigned': Type.Object({ user: QueueUser, deadline: Type.Integer() }),
  /** An offer to this agent was withdrawn (the vendor's CancelAssignUser). */
  'queue.unassigned': Type.Object({ queID: Type.Integer(), userID: Type.String(), reason: UnassignReason }),
  /** The counts of a queue this agent serves changed (the vendor's QueueStatusChanged). */
  'queue.status': QueueStatus,
  /** This customer's place in line changed (the vendor's QueuingInfoChanged). */
  'queue.position': QueuingInfo,
  /** This customer's queuing ended: an agent accepted them (`agent`), or the queue was deleted. */
  'queue.left': Type.Object({ queID: Type.Integer(), reason: LeftReason, agent: Type.Union([Type.String(), Type.Null()]) }),
  /** A queue this agent served was deleted: the agent serves it no more. */
  'queue.unserved': Type.Object({ queID: Type.Integer(), reason: Type.Literal('removed') }),
} as const;

/** A queue's figures (`GET /v1/queues/:id/stats`): its counts now and what it has done. */
export interface QueueStats extends QueueStatus {
  name: string;
  prio: number;
  /** Customers accepted by an agent, and customers who left while waiting, since the queue was made. */
  served: number;
  abandoned: number;
  /** Moving averages of recent waits (join → accept) and services (accept → service end), ms; null until there is one. */
  avgWaitMs: number | null;
  avgServiceMs: number | null;
  /** How long the customer first in line has waited, ms (0 when nobody waits). */
  longestWaitMs: number;
}
