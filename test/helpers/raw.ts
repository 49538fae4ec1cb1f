/**
 * A raw WebSocket to the server, below the SDK: sends any bytes, reads every frame, and sees
 * how the socket closes. For tests of the edge (validation, caps, login deadline).
 */
import WebSocket from 'ws';
import { toSocketUrl } from '../../src/sdk/client.js';
import { WAIT_MS } from './server.js';

export type Frame = Record<string, unknown>;

export class RawSocket {
  private readonly frames: Frame[] = [];
  private readonly waiters: ((f: Frame) => void)[] = [];
  private nextID = 1;
  /** Resolves when the socket closes, with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : String(data);
      const f = JSON.parse(text) as Frame;
      const w = this.waiters.shift();
      if (w) w(f);
      else this.frames.push(f);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static open(url: string): Promise<RawSocket> {
    const ws = new WebSocket(toSocketUrl(url));
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawSocket(ws)));
      ws.once('error', reject);
    });
  }

  /** Sends a text frame (objects as JSON), or a Buffer as a binary frame. */
  send(data: string | Frame | Buffer): void {
    if (Buffer.isBuffer(data)) this.ws.send(data, { binary: true });
    else this.ws.send(typeof data === 'string' ? data : JSON.stringify(data));
  }

  /** The next frame the server sends (a response or an event). */
  frame(ms = WAIT_MS): Promise<Frame> {
    const f = this.frames.shift();
    if (f) return Promise.resolve(f);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error('timed out waiting for a frame'));
      }, ms);
      const w = (x: Frame) => {
        clearTimeout(timer);
        resolve(x);
      };
      this.waiters.push(w);
    });
  }

  /** The next response (skips events). */
  async response(ms = WAIT_MS): Promise<Frame> {
    for (;;) {
      const f = await this.frame(ms);
      if (!('ev' in f)) return f;
    }
  }

  /** Sends `{id, op, ...params}` and resolves with its response. */
  async request(op: string, params: Frame = {}): Promise<Frame> {
    const id = this.nextID++;
    this.send({ id, op, ...params });
    const r = await this.response();
    if (r.id !== id) throw new Error(`expected the response to ${id}, got ${JSON.stringify(r)}`);
    return r;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
  }
}
