/** The queue ops (docs/protocol.md, "Queues"): each one request to the queue service, as the session's user. */
import type { Handler } from './handlers.js';

type QueueOp = 'queue.list' | 'queue.status' | 'queue.join' | 'queue.leave' | 'queue.serve' | 'queue.unserve' | 'queue.next' | 'queue.accept' | 'queue.reject' | 'queue.mine';

export const queueHandlers: { [O in QueueOp]: Handler<O> } = {
  async 'queue.list'(ctx) {
    return { queues: await ctx.core.queues.list() };
  },
  async 'queue.status'(ctx, req) {
    return { statuses: await ctx.core.queues.status(req.queID) };
  },
  'queue.join'(ctx, req) {
    const s = ctx.session;
    return ctx.core.queues.run({ op: 'join', u: s.userID, nick: s.nickName, queID: req.queID, ext: req.usrExtDat ?? '' });
  },
  'queue.leave'(ctx) {
    return ctx.core.queues.run({ op: 'leave', u: ctx.session.userID });
  },
  'queue.serve'(ctx, req) {
    const s = ctx.session;
    return ctx.core.queues.run({ op: 'serve', u: s.userID, nick: s.nickName, queID: req.queID, priority: req.priority ?? 0 });
  },
  'queue.unserve'(ctx, req) {
    return ctx.core.queues.run({ op: 'unserve', u: ctx.session.userID, queID: req.queID });
  },
  'queue.next'(ctx) {
    return ctx.core.queues.run({ op: 'next', u: ctx.session.userID });
  },
  'queue.accept'(ctx, req) {
    return ctx.core.queues.run({ op: 'accept', u: ctx.session.userID, queID: req.queID, customer: req.userID });
  },
  async 'queue.reject'(ctx, req) {
    await ctx.core.queues.run({ op: 'reject', u: ctx.session.userID, queID: req.queID, customer: req.userID });
    return {};
  },
  'queue.mine'(ctx) {
    return ctx.core.queues.mine(ctx.session.userID);
  },
};
