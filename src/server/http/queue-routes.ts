/**
 * Queue administration over REST (docs/operations.md, "Queues"): list, create, change, delete a
 * queue, and its figures. Every route needs an admin token. The queue rules stay in the engine
 * (`core.queues`): deleting a queue there tells its customers (`queue.left`, reason removed) and
 * its agents (`queue.unserved`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CallroomError } from '../../protocol/errors.js';
import { QueueLimits, type QueueInfo } from '../../protocol/queues.js';
import type { Core } from '../core.js';
import { parseQueueChange, parseQueueCreate } from './queue-bodies.js';
import { fail, json, readBody } from './respond.js';
import { serial } from '../serial.js';

/** A queue body is small: name and desc at their limits fit well inside this. */
const MAX_BODY_BYTES = 16 * 1024;

const QUEUE_PATH = /^\/v1\/queues(?:\/([^/]+)(\/stats)?)?$/;

export interface QueueRouteDeps {
  core: Core;
  /** Answers 401/403 and returns false unless the request carries an admin token. */
  admin(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

/** The smallest ID above every queue's (or, at the top of the range, the smallest unused one). */
export function nextFreeQueID(queues: readonly QueueInfo[]): number | undefined {
  const ids = new Set(queues.map((q) => q.queID));
  const top = Math.max(0, ...ids) + 1;
  if (top < QueueLimits.maxQueID) return top;
  for (let id = 1; id < QueueLimits.maxQueID; id++) if (!ids.has(id)) return id;
  return undefined;
}

function parseQueID(text: string): number | undefined {
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n < QueueLimits.maxQueID ? n : undefined;
}

const missing = (res: ServerResponse, queID: number) => fail(res, 404, 'QUE_ID_INVALID', `no queue ${queID}: GET /v1/queues lists the queues`);

/**
 * Handles `/v1/queues` and `/v1/queues/:id[/stats]`; returns false for any other path. Changes are
 * made one at a time on this node, so that "does it exist" and the write see each other.
 */
export function queueRoutes(deps: QueueRouteDeps): (path: string, req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const { core } = deps;
  const oneAtATime = serial();

  async function body(req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
    try {
      return await readBody(req, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof CallroomError && err.errorName === 'FRAME_TOO_LARGE') {
        fail(res, 413, 'FRAME_TOO_LARGE', `the body is over ${MAX_BODY_BYTES} bytes: a queue is a name, a desc and a prio`);
        return undefined;
      }
      throw err;
    }
  }

  async function create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await body(req, res);
    if (text === undefined) return;
    const parsed = parseQueueCreate(text);
    if (!parsed.ok) return fail(res, 400, 'BAD_ARGUMENT', parsed.message);
    const b = parsed.value;
    await oneAtATime(async () => {
      const queues = await core.queues.list();
      const queID = b.queID ?? nextFreeQueID(queues);
      if (queID === undefined) return fail(res, 507, 'LIMIT_REACHED', 'every queue ID is in use: delete a queue first');
      // Create-only: of two creates of one ID (on any nodes), one makes it and the other gets 409.
      const { queue, created } = await core.queues.define({ queID, name: b.name, desc: b.desc ?? '', prio: b.prio ?? 0 }, 'create');
      if (!created) {
        return fail(res, 409, 'BAD_ARGUMENT', `queue ${queID} exists: change it with PATCH /v1/queues/${queID}, or leave queID out to get a free one`);
      }
      core.log.info({ queID, name: queue.name }, 'queue created');
      json(res, 201, { queue });
    });
  }

  async function change(queID: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await body(req, res);
    if (text === undefined) return;
    const parsed = parseQueueChange(text);
    if (!parsed.ok) return fail(res, 400, 'BAD_ARGUMENT', parsed.message);
    await oneAtATime(async () => {
      const old = (await core.queues.list()).find((q) => q.queID === queID);
      if (!old) return missing(res, queID);
      let queue: QueueInfo;
      try {
        ({ queue } = await core.queues.define({ ...old, ...parsed.value, queID }, 'update'));
      } catch (err) {
        // Deleted (on another node) since it was read.
        if (err instanceof CallroomError && err.errorName === 'QUE_ID_INVALID') return missing(res, queID);
        throw err;
      }
      core.log.info({ queID }, 'queue changed');
      json(res, 200, { queue });
    });
  }

  async function remove(queID: number, res: ServerResponse): Promise<void> {
    await oneAtATime(async () => {
      try {
        await core.queues.remove(queID);
      } catch (err) {
        if (err instanceof CallroomError && err.errorName === 'QUE_ID_INVALID') return missing(res, queID);
        throw err;
      }
      core.log.info({ queID }, 'queue deleted');
      json(res, 200, { queID });
    });
  }

  return async (path, req, res) => {
    const m = QUEUE_PATH.exec(path);
    if (!m) return false;
    if (!(await deps.admin(req, res))) return true;
    const [, idText, stats] = m;
    const method = req.method ?? 'GET';
    if (idText === undefined) {
      if (method === 'GET') json(res, 200, { queues: await core.queues.list() });
      else if (method === 'POST') await create(req, res);
      else fail(res, 405, 'UNKNOWN_OP', `${method} /v1/queues: use GET to list the queues or POST to create one`);
      return true;
    }
    const queID = parseQueID(idText);
    if (queID === undefined) {
      fail(res, 400, 'BAD_ARGUMENT', `"${idText.slice(0, 32)}" is not a queue ID: a whole number 1..${QueueLimits.maxQueID - 1}`);
      return true;
    }
    if (stats) {
      if (method !== 'GET') fail(res, 405, 'UNKNOWN_OP', `${method} /v1/queues/${queID}/stats: use GET`);
      else {
        const figures = await core.queues.stats(queID);
        if (figures) json(res, 200, { stats: figures });
        else missing(res, queID);
      }
      return true;
    }
    if (method === 'GET') {
      const queue = (await core.queues.list()).find((q) => q.queID === queID);
      if (queue) json(res, 200, { queue });
      else missing(res, queID);
    } else if (method === 'PATCH') await change(queID, req, res);
    else if (method === 'DELETE') await remove(queID, res);
    else fail(res, 405, 'UNKNOWN_OP', `${method} /v1/queues/${queID}: use GET, PATCH (change name, desc, prio) or DELETE`);
    return true;
  };
}
