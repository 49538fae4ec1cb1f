/**
 * The two ways a test may let time pass, both named for what they are. Neither is for
 * synchronisation: where an event says that something happened, await the event (next(),
 * Inbox.take(), flush() in server.ts; barrier() in cluster.ts).
 */

/** Thrown by an `eventually` check to stop retrying at once (e.g. the process being waited for exited). */
export class GiveUp extends Error {}

/**
 * A bounded retry: runs `check` every `intervalMs` until it resolves without throwing, and
 * returns its value; after `timeoutMs` rethrows its last failure. Only for state that emits no
 * event the test can await: an external process becoming ready (a restarted redis-server, a
 * child node answering /healthz) or a server-internal count with no notification (the
 * connections of /healthz). A failure of the thing being tested must make `check` return a wrong
 * answer that the test then asserts on, not be retried away: retry only "not there yet".
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  opts: { timeoutMs: number; intervalMs?: number; what: string },
): Promise<T> {
  const end = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 25;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      if (Date.now() >= end) {
        throw new Error(`${opts.what}: not so within ${opts.timeoutMs} ms; last: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
    await new Promise((r) => setTimeout(r, interval)); // the retry interval of a bounded poll
  }
}

/**
 * Lets `ms` of real time pass because the passing of time IS the scenario: racing a timer
 * (accepting around the ring timeout), waiting out a timeout before coming back (a node declared
 * dead), checking a state inside a window that a timer will close.
 */
export function letTimePass(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
