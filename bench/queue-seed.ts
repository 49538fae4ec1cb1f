/**
 * Defines the bench's queue in a fresh data folder before `callroom serve` starts on it. There is
 * no admin API for queues yet, and the server must stay its own process (so that its CPU and
 * memory are its own), so the definition goes where the server would keep it: the rulebook's own
 * `define` decides it on an empty queue book and the SQLite store writes the change, exactly as
 * the server does for `core.queues.define`. The server loads the book when it starts.
 */
import { join } from 'node:path';
import type { QueueInfo } from '../src/protocol/queues.js';
import { QueueBook } from '../src/server/rules/queue-book.js';
import { decideQueue, DEFAULT_ASSIGN_TIMEOUT_MS } from '../src/server/rules/queues.js';
import { SqliteStore } from '../src/server/store/sqlite.js';

/** Nobody is online in an empty book: the facts the rules read are all "no". */
const NOBODY = { online: () => false, dnd: () => false, inCall: () => false };

/** Writes `queue` into the queue book of the data folder `dataDir` (the file `callroom serve --data` opens). */
export async function seedQueue(dataDir: string, queue: QueueInfo): Promise<void> {
  const out = decideQueue(new QueueBook(), { op: 'define', queue, mode: 'put' }, Date.now(), NOBODY, { assignTimeoutMs: DEFAULT_ASSIGN_TIMEOUT_MS, graceMs: 0 });
  if (out.error) throw new Error(`defining the bench queue failed: ${out.error.name}`);
  const store = new SqliteStore(join(dataDir, 'callroom.db'));
  try {
    await store.saveQueueBook(out.changes);
  } finally {
    await store.close();
  }
}
