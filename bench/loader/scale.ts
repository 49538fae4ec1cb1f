/**
 * Idle logged-in users: connect and log in `users` sockets, `concurrency` at a time, then hold
 * them open and quiet until told to close.
 */
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import { Auth } from '../../src/server/gateway/auth.js';
import { Histogram } from '../histogram.js';
import type { ScaleJob, ScaleResult } from '../ipc.js';
import { request } from './frames.js';
import { call, connect, pool } from './socket.js';

const FAIL_SAMPLES = 5;
const TOKEN_TTL_S = 3600;

const epochNow = () => performance.timeOrigin + performance.now();

export class ScaleRun {
  private tokens: string[] = [];
  private readonly sockets: WebSocket[] = [];
  private closing = false;
  unexpectedCloses = 0;

  constructor(
    private readonly job: ScaleJob,
    private readonly progress: (done: number) => void,
  ) {}

  /** Mints every token before the clock starts: the login rate measures the server, not minting. */
  async setup(): Promise<void> {
    const auth = new Auth(this.job.keys);
    for (let i = 0; i < this.job.users; i++) {
      this.tokens.push(await auth.mint(`${this.job.runID}-u${this.job.firstUser + i}`, { ttlSeconds: TOKEN_TTL_S }));
    }
  }

  async run(): Promise<ScaleResult> {
    const { job } = this;
    const connectMs = new Histogram();
    const loginMs = new Histogram();
    let failed = 0;
    const failSamples: string[] = [];
    const timer = setInterval(() => this.progress(this.sockets.length), 250);
    const firstStart = epochNow();
    await pool(this.tokens, job.concurrency, async (token) => {
      const t0 = performance.now();
      let ws: WebSocket | null = null;
      try {
        ws = await connect(job.url, { localAddress: job.localAddress });
        const t1 = performance.now();
        connectMs.recordMs(t1 - t0);
        await call(ws, 1, request.login(1, token));
        loginMs.recordMs(performance.now() - t1);
        ws.on('close', () => {
          if (!this.closing) this.unexpectedCloses += 1;
        });
        this.sockets.push(ws);
      } catch (err) {
        failed += 1;
        ws?.terminate();
        if (failSamples.length < FAIL_SAMPLES) failSamples.push((err as Error).message);
      }
    });
    const lastDone = epochNow();
    clearInterval(timer);
    this.progress(this.sockets.length);
    this.tokens = [];
    return {
      type: 'scale-result',
      firstStart,
      lastDone,
      loggedIn: this.sockets.length,
      failed,
      failSamples,
      connectMs: connectMs.toData(),
      loginMs: loginMs.toData(),
    };
  }

  /** Closes like a client that leaves (1000): the server ends the sessions at once, holding none for a resume. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.sockets.map(
        (ws) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              ws.terminate();
              resolve();
            }, 5_000);
            ws.once('close', () => {
              clearTimeout(t);
              resolve();
            });
            ws.close(1000, 'bench done');
          }),
      ),
    );
  }
}
