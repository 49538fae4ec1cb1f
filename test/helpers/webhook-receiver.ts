/**
 * A backend that receives webhooks: a real HTTP server on an ephemeral port that records each
 * request (headers, raw body) and answers as the test says: 200, 500, or not at all until the test
 * lets the held requests go. Tests await requests with `waitFor`.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WAIT_MS } from './server.js';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed body. */
  event: { id: string; type: string; createdAt: number; data: Record<string, unknown> };
  /** What the receiver answered (null: held, no answer yet). */
  answered: number | null;
}

export type ReceiverMode = 'ok' | 'fail' | 'hold';

export interface WebhookReceiver {
  url: string;
  /** Every request received, in arrival order. */
  readonly received: ReceivedWebhook[];
  /** The requests answered 2xx, in arrival order. */
  accepted(): ReceivedWebhook[];
  mode: ReceiverMode;
  /** Resolves with the first request (already received or to come, held or answered) that `match` accepts; it is asked again when a held request is answered. */
  waitFor(match: (r: ReceivedWebhook) => boolean, what: string, ms?: number): Promise<ReceivedWebhook>;
  /** Answers the held requests with `status` (or drops their connections: 'drop'). */
  release(status: number | 'drop'): void;
  close(): Promise<void>;
}

export async function startReceiver(mode: ReceiverMode = 'ok'): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const held: { r: ReceivedWebhook; res: ServerResponse }[] = [];
  const waiters = new Set<{ match: (r: ReceivedWebhook) => boolean; resolve: (r: ReceivedWebhook) => void }>();
  const notify = (r: ReceivedWebhook) => {
    for (const w of [...waiters]) {
      if (w.match(r)) {
        waiters.delete(w);
        w.resolve(r);
      }
    }
  };
  const answer = (r: ReceivedWebhook, res: ServerResponse, status: number) => {
    r.answered = status;
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
    notify(r);
  };
  const rcv: WebhookReceiver = {
    url: '',
    received,
    mode,
    accepted: () => received.filter((r) => r.answered !== null && r.answered < 300),
    waitFor(match, what, ms = WAIT_MS) {
      const found = received.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = {
          match: (r: ReceivedWebhook) => match(r),
          resolve: (r: ReceivedWebhook) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`timed out waiting for a webhook: ${what}; received: ${received.map((r) => `${r.event.type}(${r.answered})`).join(', ')}`));
        }, ms);
        waiters.add(w);
      });
    },
    release(status) {
      for (const { r, res } of held.splice(0)) {
        if (status === 'drop') res.socket?.destroy();
        else answer(r, res, status);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        rcv.release('drop');
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const r: ReceivedWebhook = { headers: req.headers, body, event: JSON.parse(body) as ReceivedWebhook['event'], answered: null };
      received.push(r);
      if (rcv.mode === 'hold') {
        held.push({ r, res });
        notify(r);
      } else answer(r, res, rcv.mode === 'ok' ? 200 : 500);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  rcv.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return rcv;
}
