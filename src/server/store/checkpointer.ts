/**
 * The WAL checkpointer of the SQLite store, run in a worker thread with its own connection.
 * A checkpoint copies committed pages from the WAL into the database file and fsyncs it; done
 * by the writing connection (SQLite's auto-checkpoint, every 1,000 pages) it stalls the
 * server's event loop for milliseconds many times a second under load. Here the copying and
 * the fsyncs happen beside the event loop (PASSIVE: the writer is never blocked).
 *
 * A WAL is only rewound by a writer that starts when every frame is already checkpointed,
 * which a busy writer never sees; so when the WAL passes `restartFrames`, a RESTART checkpoint
 * makes the next writer rewind it. That one holds writers back only while it copies the few
 * frames written since the PASSIVE checkpoint just before it.
 *
 * None of this changes durability: a commit is in the WAL before it is acknowledged.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface CheckpointerData {
  file: string;
  everyMs: number;
  restartFrames: number;
}

const STOP = 'stop';

/** The row `PRAGMA wal_checkpoint` returns: frames in the WAL and frames checkpointed. */
interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}


function run(): void {
  const port = parentPort;
  if (!port) throw new Error('checkpointer.js runs as a worker thread of the SQLite store');
  const { file, everyMs, restartFrames } = workerData as CheckpointerData;
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  const passive = db.prepare<[], CheckpointResult>('PRAGMA wal_checkpoint(PASSIVE)');
  const restart = db.prepare('PRAGMA wal_checkpoint(RESTART)');
  const timer = setInterval(() => {
    const r = passive.get();
    if (r && r.log >= restartFrames) restart.run();
  }, everyMs);
  port.on('message', (m: unknown) => {
    if (m !== STOP) return;
    clearInterval(timer);
    db.close();
    port.close();
  });
}

run();
