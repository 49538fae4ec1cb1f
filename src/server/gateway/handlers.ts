/**
 * One handler per op for a logged-in session. Each receives a request that has already passed
 * its schema and returns the op's result or throws a CallroomError.
 */
import type { Op, Request, Results } from '../../protocol/messages.js';
import type { Core } from '../core.js';
import { iceServersFor } from '../ice.js';
import { after } from './guards.js';
import type { Session } from '../sessions.js';
import { queueHandlers } from './queue-handlers.js';

export interface HandlerContext {
  core: Core;
  session: Session;
  /** Ends the session as a logout (no kick, no error). */
  logout(): void;
  /** The client has received every event up to `seq`. */
  ack(seq: number): void;
  /** Swaps in a new token for this session (same user). */
  updateToken(token: string): Promise<number | null>;
}

export type SessionOp = Exclude<Op, 'login'>;
export type Handler<O extends SessionOp> = (ctx: HandlerContext, req: Request<O>) => Promise<Results[O]> | Results[O];

export const handlers: { [O in SessionOp]: Handler<O> } = {
  logout(ctx) {
    ctx.logout();
    return {};
  },
  ping(ctx, req) {
    if (req.ack !== undefined) ctx.ack(req.ack);
    return { serverTime: ctx.core.clock.now() };
  },
  async 'token.update'(ctx, req) {
    return { tokenExpiresAt: await ctx.updateToken(req.token) };
  },
  async 'meeting.create'(ctx, req) {
    const { guards, meetings } = ctx.core;
    const userID = ctx.session.userID;
    await guards.checkMeetingQuota(userID, (u) => meetings.countBy(u));
    return { meeting: await meetings.create(userID, req.subject, req.pswd) };
  },
  async 'meeting.get'(ctx, req) {
    await ctx.core.meetings.authorize(req.meetingID, ctx.session.userID, undefined);
    return { meeting: (await ctx.core.meetings.info(req.meetingID))! };
  },
  'meeting.enter'(ctx, req) {
    const { guards, meetings } = ctx.core;
    const s = ctx.session;
    // Who may enter, and the answer (800 / 801), is the rulebook's (rules/meetings.ts); the guard
    // limits password guesses. Each step starts at once when the service answers at once (one node), keeping request order.
    return guards.withPassword(s.userID, req.meetingID, req.pswd, (pswd) =>
      after(meetings.authorize(req.meetingID, s.userID, pswd), () =>
        after(meetings.info(req.meetingID), (info) => {
          guards.checkRoom(info, s.meetingID === req.meetingID);
          return meetings.enter(s, req.meetingID, pswd);
        }),
      ),
    );
  },
  async 'meeting.exit'(ctx, req) {
    return { meetingID: await ctx.core.meetings.exit(ctx.session, req.meetingID) };
  },
  async 'meeting.destroy'(ctx, req) {
    await ctx.core.meetings.destroy(ctx.session, req.meetingID);
    return { meetingID: req.meetingID };
  },
  async 'meeting.signal'(ctx, req) {
    await ctx.core.meetings.signal(ctx.session, req.meetingID, req.to, req.kind, req.payload);
    return {};
  },
  async 'meeting.message'(ctx, req) {
    return { ts: await ctx.core.meetings.message(ctx.session, req.meetingID, req.text) };
  },
  async 'meeting.data'(ctx, req) {
    return { ts: await ctx.core.meetings.data(ctx.session, req.meetingID, req.to, req.kind, req.data) };
  },
  async 'meeting.media'(ctx, req) {
    const { audio, video, screen } = req;
    await ctx.core.meetings.media(ctx.session, req.meetingID, { audio, video, ...(screen !== undefined ? { screen } : {}) });
    return {};
  },
  async 'call.invite'(ctx, req) {
    const s = ctx.session;
    const result = await ctx.core.guards.withPassword(
      s.userID,
      req.meetingID,
      req.pswd,
      (pswd) => ctx.core.calls.invite(s, { ...req, pswd }),
    );
    // New contacts (--presence contacts) who follow statuses learn each other's at once.
    if (ctx.core.visibility.connect(s.userID, req.callee)) {
      for (const [viewer, subject] of [[s.userID, req.callee], [req.callee, s.userID]] as const) {
        const v = ctx.core.sessions.get(viewer);
        if (v?.statusSubscribed) v.send('user.status', await ctx.core.presence.statusOf(subject));
      }
    }
    return result;
  },
  'call.accept'(ctx, req) {
    return ctx.core.calls.accept(ctx.session, req.callID, req.usrExtDat);
  },
  'call.reject'(ctx, req) {
    return ctx.core.calls.reject(ctx.session, req.callID, req.usrExtDat);
  },
  'call.hangup'(ctx, req) {
    return ctx.core.calls.hangup(ctx.session, req.callID, req.usrExtDat);
  },
  'call.media'(ctx, req) {
    return ctx.core.calls.media(ctx.session, req.callID, req.media);
  },
  async 'dnd.set'(ctx, req) {
    await ctx.core.presence.setDnd(ctx.session.userID, req.dnd);
    // An agent who turns DND off is offered customers again (queue rules: automatic assignment).
    ctx.core.queues.dndChanged(ctx.session.userID, req.dnd);
    return { dnd: req.dnd };
  },
  async 'session.info'(ctx) {
    return { call: await ctx.core.calls.sessionInfo(ctx.session.userID) };
  },
  ...queueHandlers,
  async 'status.get'(ctx, req) {
    const { presence: p, visibility: v } = ctx.core;
    const me = ctx.session.userID;
    if (req.userIDs) return { users: (await Promise.all(req.userIDs.map((u) => p.statusOf(u)))).map((st) => v.view(me, st)) };
    return { users: v.filter(me, await p.onlineStatuses()) };
  },
  async 'status.subscribe'(ctx) {
    ctx.core.presence.subscribe(ctx.session);
    return { users: ctx.core.visibility.filter(ctx.session.userID, await ctx.core.presence.onlineStatuses()) };
  },
  'status.unsubscribe'(ctx) {
    ctx.core.presence.unsubscribe(ctx.session);
    return {};
  },
  async 'calls.list'(ctx, req) {
    return { calls: await ctx.core.calls.listFor(ctx.session.userID, req.limit ?? 50, req.before) };
  },
  'ice.servers'(ctx) {
    return { ...iceServersFor(ctx.core.ice, ctx.session.userID, ctx.core.clock.now()), iceTransportPolicy: ctx.core.ice.relayOnly ? 'relay' : 'all' };
  },
};

