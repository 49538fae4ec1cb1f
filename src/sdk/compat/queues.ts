/**
 * The facade's call-centre queues (shared/seed/queue-guide.md): the queue list and counts, a
 * customer's place in line, an agent's service and offers, and GetSessionInfo. On top of
 * CallClient's queue ops and events; the rules are the server's. The vendor's objects are made in
 * queue-objects.ts; what the getters return is kept in QueueBook (queue-book.ts).
 */
import type { FacadeCore } from './context.js';
import type { CRQueStatus, CRQueUser, CRQueuingInfo } from './queue-objects.js';
import { emptyQueStatus, emptyQueUser, toCRQueStatus, toCRQueUser, toCRQueuingInfo } from './queue-objects.js';
import { QueueBook } from './queue-book.js';
import { slot, type Cookie } from './slots.js';

/** The arguments after the first two of StartQueuing2 / StartService2: `(cookie?)` or `(ext, cookie?)`. */
type ExtThenCookie = [cookie?: Cookie] | [ext: unknown, cookie?: Cookie];

/** The cookie of `(cookie?)` or `(ext, cookie?)`: the last argument. The ext is accepted and not used. */
function cookieOf(rest: ExtThenCookie): Cookie {
  return rest.length >= 2 ? rest[1] : (rest[0] as Cookie);
}

export function queuesArea(core: FacadeCore) {
  const { fire } = core;
  const book = new QueueBook();

  const api = {
    InitQueueDatRslt: slot<[sdkErr: number, cookie: Cookie]>(),
    GetQueueStatusRslt: slot<[queStatus: CRQueStatus, sdkErr: number, cookie: Cookie]>(),
    StartQueuingRslt: slot<[sdkErr: number, cookie: Cookie]>(),
    StopQueuingRslt: slot<[sdkErr: number, cookie: Cookie]>(),
    StartServiceRslt: slot<[queID: number, sdkErr: number, cookie: Cookie]>(),
    StopServiceRslt: slot<[queID: number, sdkErr: number, cookie: Cookie]>(),
    ReqAssignUserRslt: slot<[sdkErr: number, queUser: CRQueUser, cookie: Cookie]>(),
    ResponseAssignUserRslt: slot<[sdkErr: number, cookie: Cookie]>(),
    AutoAssignUser: slot<[queUser: CRQueUser]>(),
    CancelAssignUser: slot<[queID: number, UID: string]>(),
    QueueStatusChanged: slot<[queStatus: CRQueStatus]>(),
    QueuingInfoChanged: slot<[queuingInfo: CRQueuingInfo]>(),

    /** Loads the queue list (and every queue's counts): the getters work after it. */
    InitQueueDat(cookie?: Cookie): void {
      core.withClient(
        (code) => fire('InitQueueDatRslt', api.InitQueueDatRslt, code, cookie),
        async (c) => {
          const [queues, statuses] = await Promise.all([c.listQueues(), c.queueStatus()]);
          book.setQueues(queues);
          for (const s of statuses) book.setStatus(toCRQueStatus(s));
          fire('InitQueueDatRslt', api.InitQueueDatRslt, 0, cookie);
        },
      );
    },
    /** The queues InitQueueDat loaded (`[]` before it). */
    GetAllQueueInfo() {
      return book.queues();
    },
    /** Asks for one queue's counts (`GetQueueStatusRslt`); returns the last known ones at once (all 0 if none). */
    GetQueueStatus(queID: number, cookie?: Cookie): CRQueStatus {
      const id = Number(queID);
      core.withClient(
        (code) => fire('GetQueueStatusRslt', api.GetQueueStatusRslt, book.status(id), code, cookie),
        async (c) => {
          const [s] = await c.queueStatus(id);
          const st = s ? toCRQueStatus(s) : emptyQueStatus(id);
          book.setStatus(st);
          fire('GetQueueStatusRslt', api.GetQueueStatusRslt, { ...st }, 0, cookie);
        },
      );
      return book.status(id);
    },
    /** Asks for every queue's counts: one `GetQueueStatusRslt(queStatus, sdkErr)` per queue (on failure, per queue InitQueueDat loaded). */
    RefreshAllQueueStatus(_nolog?: unknown): void {
      core.withClient(
        (code) => {
          for (const q of book.queues()) fire('GetQueueStatusRslt', api.GetQueueStatusRslt, book.status(q.queID), code, undefined);
        },
        async (c) => {
          const statuses = (await c.queueStatus()).map(toCRQueStatus);
          for (const st of statuses) book.setStatus(st);
          for (const st of statuses) fire('GetQueueStatusRslt', api.GetQueueStatusRslt, { ...st }, 0, undefined);
        },
      );
    },
    /** This customer's place: `position` 1 = next, 0 (with `queID` 0) when not queuing. */
    GetQueuingInfo(): CRQueuingInfo {
      return toCRQueuingInfo(book.place, Date.now());
    },
    /** The queues this agent serves. */
    GetServingQueues(): number[] {
      return [...book.serving];
    },
    /** This user's open call (`callID` '' when none), e.g. to re-enter its room after logging in again. */
    GetSessionInfo() {
      return core.openCall.info();
    },

    /** Customer: waits in queue `queID`; `usrExtDat` is shown to the agent. */
    StartQueuing(queID: number, usrExtDat?: string, cookie?: Cookie): void {
      core.withClient(
        (code) => fire('StartQueuingRslt', api.StartQueuingRslt, code, cookie),
        async (c) => {
          const since = book.version();
          const info = await c.joinQueue(Number(queID), usrExtDat === undefined || usrExtDat === null ? undefined : String(usrExtDat));
          book.joinedSince(since, info, Date.now());
          fire('StartQueuingRslt', api.StartQueuingRslt, 0, cookie);
        },
      );
    },
    /** StartQueuing with an optional extra before the cookie, `(queID, usrExtDat, ext?, cookie?)`: the extra is not used. */
    StartQueuing2(queID: number, usrExtDat?: string, ...rest: ExtThenCookie): void {
      api.StartQueuing(queID, usrExtDat, cookieOf(rest));
    },
    StopQueuing(cookie?: Cookie): void {
      core.withClient(
        (code) => fire('StopQueuingRslt', api.StopQueuingRslt, code, cookie),
        async (c) => {
          await c.leaveQueue();
          book.left();
          fire('StopQueuingRslt', api.StopQueuingRslt, 0, cookie);
        },
      );
    },

    /** Agent: serves queue `queID`; `priority` as the server orders agents (the smaller, the sooner offered; default 0). */
    StartService(queID: number, priority?: number, cookie?: Cookie): void {
      const id = Number(queID);
      core.withClient(
        (code) => fire('StartServiceRslt', api.StartServiceRslt, id, code, cookie),
        async (c) => {
          book.serving = await c.serveQueue(id, priority === undefined || priority === null ? undefined : Number(priority));
          fire('StartServiceRslt', api.StartServiceRslt, id, 0, cookie);
        },
      );
    },
    /** StartService with an optional extra before the cookie, `(queID, priority, ext?, cookie?)`: the extra is not used. */
    StartService2(queID: number, priority?: number, ...rest: ExtThenCookie): void {
      api.StartService(queID, priority, cookieOf(rest));
    },
    StopService(queID: number, cookie?: Cookie): void {
      const id = Number(queID);
      core.withClient(
        (code) => fire('StopServiceRslt', api.StopServiceRslt, id, code, cookie),
        async (c) => {
          book.serving = await c.unserveQueue(id);
          fire('StopServiceRslt', api.StopServiceRslt, id, 0, cookie);
        },
      );
    },

    /** Agent with DND on: asks for the next customer (401 nobody waits, 403 serving no queue). */
    ReqAssignUser(cookie?: Cookie): void {
      core.withClient(
        (code) => fire('ReqAssignUserRslt', api.ReqAssignUserRslt, code, emptyQueUser(), cookie),
        async (c) => {
          const u = await c.nextCustomer();
          fire('ReqAssignUserRslt', api.ReqAssignUserRslt, 0, toCRQueUser(u), cookie);
        },
      );
    },
    /** Agent: takes the customer offered (402 if they left or the offer was withdrawn). */
    AcceptAssignUser(queID: number, UID: string, cookie?: Cookie): void {
      respond((c) => c.acceptCustomer(Number(queID), String(UID ?? '')), cookie);
    },
    /** Agent: passes on the customer offered; they keep their place and go to another agent. */
    RejectAssignUser(queID: number, UID: string, cookie?: Cookie): void {
      respond((c) => c.rejectCustomer(Number(queID), String(UID ?? '')), cookie);
    },
  };

  function respond(op: (c: NonNullable<FacadeCore['client']>) => Promise<unknown>, cookie: Cookie): void {
    core.withClient(
      (code) => fire('ResponseAssignUserRslt', api.ResponseAssignUserRslt, code, cookie),
      async (c) => {
        await op(c);
        fire('ResponseAssignUserRslt', api.ResponseAssignUserRslt, 0, cookie);
      },
    );
  }

  // After a login, and a reconnection, the server's word. Back as a new session, the app hears
  // what changed meanwhile (the server may have let the place go, or kept it across its restart)
  // and of an offer that still stands; a resumed session has those as replayed events.
  core.onLogin(async (c, how) => {
    const before = book.place;
    const since = book.version();
    const m = await c.myQueues();
    // If the place changed while asking, an event told of it and the answer is older.
    const current = since === book.version();
    book.mine(since, m, Date.now());
    if (how !== 'fresh') return;
    const now = book.place;
    if (current && before && !now) fire('QueuingInfoChanged', api.QueuingInfoChanged, toCRQueuingInfo(null, Date.now(), before.queID));
    else if (current && now && (before?.queID !== now.queID || before.position !== now.position)) {
      fire('QueuingInfoChanged', api.QueuingInfoChanged, toCRQueuingInfo(now, Date.now()));
    }
    if (m.assigned) fire('AutoAssignUser', api.AutoAssignUser, toCRQueUser(m.assigned));
  });

  core.onClient((c) => {
    book.reset();
    c.on('queue.assigned', (e) => fire('AutoAssignUser', api.AutoAssignUser, toCRQueUser(e.user)));
    c.on('queue.unassigned', (e) => fire('CancelAssignUser', api.CancelAssignUser, e.queID, e.userID));
    c.on('queue.status', (e) => {
      const st = toCRQueStatus(e);
      book.setStatus(st);
      fire('QueueStatusChanged', api.QueueStatusChanged, { ...st });
    });
    c.on('queue.position', (e) => {
      book.joined(e, Date.now());
      fire('QueuingInfoChanged', api.QueuingInfoChanged, toCRQueuingInfo(book.place, Date.now()));
    });
    c.on('queue.left', (e) => {
      book.left();
      fire('QueuingInfoChanged', api.QueuingInfoChanged, toCRQueuingInfo(null, Date.now(), e.queID));
    });
    c.on('queue.unserved', (e) => {
      book.serving = book.serving.filter((q) => q !== e.queID);
    });
  });

  return api;
}

export type QueuesArea = ReturnType<typeof queuesArea>;
