/**
 * A minimal WebSocket client for the scale scenario: one TCP connection, the opening handshake
 * written as one pre-built request, the login as one pre-built frame, then only what keeps an
 * idle socket alive (answering the server's pings) and a clean close. The bytes on the wire are
 * those of any client; what it saves is the loader's own CPU (a `ws` client costs several
 * hundred microseconds per connection here, more than the server's whole login), so that on a
 * shared 2-core machine the login rate measures the server rather than the loader.
 */
import { connect as tcpConnect, type Socket } from 'node:net';

const KEY = 'Y2FsbHJvb20tYmVuY2gtaw=='; // any 16 bytes, base64 ("callroom-bench-k")
const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;
const FIN = 0x80;
const MASKED = 0x80;

/** A client frame with a zero mask (legal; see socket.ts). */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65_536 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + 4);
  head[0] = FIN | opcode;
  if (ext === 0) head[1] = MASKED | len;
  else if (ext === 2) {
    head[1] = MASKED | 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = MASKED | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

export interface RawSocketOptions {
  host: string;
  port: number;
  path: string;
  localAddress: string | null;
  timeoutMs: number;
}

/** One idle logged-in socket. */
export class RawClient {
  private socket: Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private upgraded = false;
  private closing = false;
  /** Called once if the server closes the connection (or it breaks) before close(). */
  onLost: (() => void) | null = null;

  /** Connects and upgrades; resolves when the server has switched protocols. */
  open(o: RawSocketOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = tcpConnect({ host: o.host, port: o.port, ...(o.localAddress ? { localAddress: o.localAddress } : {}) });
      this.socket = s;
      s.setNoDelay(true);
      const timer = setTimeout(() => fail(new Error(`no upgrade within ${o.timeoutMs} ms`)), o.timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        s.destroy();
        reject(err);
      };
      s.once('connect', () => {
        s.write(
          `GET ${o.path} HTTP/1.1\r\nHost: ${o.host}:${o.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      s.on('error', (err) => {
        if (!this.upgraded) fail(err);
      });
      s.on('close', () => {
        if (this.upgraded && !this.closing) this.onLost?.();
        this.onLost = null;
      });
      s.on('data', (chunk: Buffer) => {
        this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
        if (!this.upgraded) {
          const end = this.buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const status = this.buf.subarray(0, this.buf.indexOf('\r\n')).toString('latin1');
          if (!/^HTTP\/1\.1 101 /.test(status)) return fail(new Error(`upgrade refused: ${status}`));
          this.upgraded = true;
          this.buf = this.buf.subarray(end + 4);
          clearTimeout(timer);
          resolve();
        }
        this.readFrames();
      });
    });
  }

  private waiting: ((text: string) => void) | null = null;

  /** Sends a text frame and resolves with the next text frame from the server. */
  request(frame: Buffer, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = (text) => {
        clearTimeout(timer);
        resolve(text);
      };
      this.socket!.write(frame);
      this.readFrames();
    });
  }

  /** Parses whole server frames (unmasked) in the buffer: text to the waiter, pings answered. */
  private readFrames(): void {
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      const opcode = b[0]! & 0x0f;
      let len = b[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      if (b.length < at + len) return;
      const payload = b.subarray(at, at + len);
      this.buf = b.subarray(at + len);
      if (opcode === OP_TEXT && this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(payload.toString('utf8'));
      } else if (opcode === OP_PING) {
        this.socket?.write(clientFrame(OP_PONG, Buffer.from(payload)));
      }
    }
  }

  /** Closes like a client that leaves: close frame 1000, then the TCP connection. */
  close(): void {
    this.closing = true;
    const s = this.socket;
    if (!s || s.destroyed) return;
    const code = Buffer.alloc(2);
    code.writeUInt16BE(1000);
    s.end(clientFrame(OP_CLOSE, code));
    setTimeout(() => s.destroy(), 2_000).unref();
  }
}
