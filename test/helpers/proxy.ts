/** A TCP proxy in front of the server, to cut connections the way a network blip does. */
import { createServer, connect, type Socket, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Proxy {
  url: string;
  /** Destroys every open connection (both directions), like a dropped network. */
  dropAll(): void;
  /** While blocked, new connections are cut at once. */
  block(on: boolean): void;
  /** New connections go to `url` from now on (a load balancer sending a client to another node). */
  retarget(url: string): void;
  close(): Promise<void>;
}

export async function startProxy(targetUrl: string): Promise<Proxy> {
  let target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let blocked = false;
  const server: Server = createServer((client) => {
    if (blocked) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    const cleanup = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', cleanup).on('close', cleanup);
    upstream.on('error', cleanup).on('close', cleanup);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    dropAll() {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    block(on) {
      blocked = on;
    },
    retarget(url) {
      target = new URL(url);
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
