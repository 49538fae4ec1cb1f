/**
 * The ceiling: a bare `ws` relay with no logic, in its own process. Two sockets that connect
 * with the same `?pair=` key are peers. Each text frame a socket sends is two frames joined by
 * a newline; the first goes back to the sender, the second to its peer. That is exactly the
 * traffic callroom produces for a request (a response to the sender, an event to the other
 * party), with no parsing, validation, state, storage, logging or metrics in between.
 *
 * Usage: node dist/bench/relay.js [--port <n>]   (prints "relay listening on <port>")
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { WebSocketServer, type WebSocket } from 'ws';

const NEWLINE = 10;

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } });
// The same transport settings callroom uses (src/server/app.ts).
const wss = new WebSocketServer({ host: values.host, port: Number(values.port), perMessageDeflate: false, maxPayload: 1024 * 1024 });
const waiting = new Map<string, WebSocket>();
const peers = new WeakMap<WebSocket, WebSocket>();

wss.on('connection', (ws, req) => {
  const key = new URL(req.url ?? '/', 'http://relay').searchParams.get('pair') ?? '';
  const other = waiting.get(key);
  if (other) {
    waiting.delete(key);
    peers.set(ws, other);
    peers.set(other, ws);
  } else {
    waiting.set(key, ws);
  }
  ws.on('message', (data: Buffer) => {
    const split = data.indexOf(NEWLINE);
    const peer = peers.get(ws);
    if (split < 0 || !peer) return;
    ws.send(data.subarray(0, split), { binary: false });
    peer.send(data.subarray(split + 1), { binary: false });
  });
  ws.on('close', () => {
    if (waiting.get(key) === ws) waiting.delete(key);
  });
});

wss.on('listening', () => {
  process.stdout.write(`relay listening on ${(wss.address() as AddressInfo).port}\n`);
});

const stop = () => {
  for (const ws of wss.clients) ws.terminate();
  wss.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
