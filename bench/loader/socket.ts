/**
 * The loader's WebSocket client: raw `ws`, no compression, no UTF-8 re-validation, and a zero
 * frame mask (legal for a non-browser client: the mask only protects browser intermediaries),
 * so the loader spends its time on the server's frames rather than on its own bookkeeping.
 */
import { WebSocket } from 'ws';

const zeroMask = (): void => {};

export interface ConnectOptions {
  localAddress?: string | null;
  timeoutMs?: number;
}

export function connect(url: string, opts: ConnectOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      generateMask: zeroMask,
      handshakeTimeout: opts.timeoutMs ?? 10_000,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    const onError = (err: Error) => {
      ws.off('open', onOpen);
      reject(err);
    };
    const onOpen = () => {
      ws.off('error', onError);
      resolve(ws);
    };
    ws.once('open', onOpen);
    ws.once('error', onError);
  });
}

/** Sends `frame` and resolves with the parsed response to request `id` (setup only, not the hot path). */
export function call(ws: WebSocket, id: number, frame: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.off('message', onMessage);
      reject(new Error(`no response to request ${id} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (data: Buffer) => {
      const v = JSON.parse(data.toString()) as Record<string, unknown>;
      if (v.id !== id) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      if (v.ok === true) resolve(v.result as Record<string, unknown>);
      else reject(new Error(`${String(v.name)} (${String(v.code)}): ${String(v.message)}`));
    };
    ws.on('message', onMessage);
    ws.send(frame);
  });
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function pool<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
