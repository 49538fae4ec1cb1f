/**
 * Idle logged-in users: connect and log in `users` sockets, `concurrency` at a time, then hold
 * them open and quiet until told to close. The sockets are raw-client.ts clients, with the
 * login frame of every user built before the clock starts.
 */
import { performance } from 'node:perf_hooks';
import { Auth } from '../../src/server/gateway/auth.js';
import { Histogram } from '../histogram.js';
import type { ScaleJob, ScaleResult } from '../ipc.js';
import { request } from './frames.js';
import { clientFrame, RawClient } from './raw-client.js';
import { pool } from './socket.js';

const FAIL_SAMPLES = 5;
const TOKEN_TTL_S = 3600;
const TIMEOUT_MS = 30_000;
const OP_TEXT = 0x1;

const epochNow = () => performance.timeOrigin + performance.now();

export class ScaleRun {
  /** The login frame of each user, masked and ready to write. */
  private frames: Buffer[] = [];
  private readonly sockets: RawClient[] = [];
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
      const token = await auth.mint(`${this.job.runID}-u${this.job.firstUser + i}`, { ttlSeconds: TOKEN_TTL_S });
      this.frames.push(clientFrame(OP_TEXT, Buffer.from(request.login(1, token))));
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
    const url = new URL(job.url);
    const target = { host: url.hostname, port: Number(url.port), path: url.pathname, localAddress: job.localAddress, timeoutMs: TIMEOUT_MS };
    await pool(this.frames, job.concurrency, async (frame) => {
      const t0 = performance.now();
      const client = new RawClient();
      try {
        await client.open(target);
        const t1 = performance.now();
        connectMs.recordMs(t1 - t0);
        const answer = await client.request(frame, TIMEOUT_MS);
        if (!answer.startsWith('{"id":1,"ok":true')) throw new Error(`login refused: ${answer.slice(0, 200)}`);
        loginMs.recordMs(performance.now() - t1);
        client.onLost = () => {
          if (!this.closing) this.unexpectedCloses += 1;
        };
        this.sockets.push(client);
      } catch (err) {
        failed += 1;
        client.close();
        if (failSamples.length < FAIL_SAMPLES) failSamples.push((err as Error).message);
      }
    });
    const lastDone = epochNow();
    clearInterval(timer);
    this.progress(this.sockets.length);
    this.frames = [];
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
    for (const c of this.sockets) c.close();
  }
}
