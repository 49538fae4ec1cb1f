/**
 * TCP proxies for tests: `startProxy` sits in front of one server, to cut connections the way a
 * network blip does; `startRoundRobinProxy` is a non-sticky load balancer in front of several
 * nodes: each new TCP connection goes to the next node, so a client's reconnect lands on
 * another node than its previous connection (with N nodes, unless exactly a multiple of N
 * connections came in between).
 */
import { createServer, connect, type Socket, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { EventEmitter, once } from 'node:events';

export interface Proxy {
  url: string;
  /** Destroys every open connection (both directions), like a dropped network. */
  dropAll(): void;
  /** While blocked, new connections are cut at once. */
  block(on: boolean): void;
  /**
   * A silent outage: while frozen, nothing is forwarded either way and a close on one side is not
   * passed to the other; every TCP socket stays open (new connections too), so only a heartbeat
   * can tell. Unfreezing delivers what was held, then passes on the closes that came meanwhile.
   */
  freeze(on: boolean): void;
  /**
   * Resolves at the next close of a socket on that side: `client` (the proxy's socket from a client)
   * or `upstream` (its socket to the server), seen even while frozen (the close is then held back
   * from the other side). Call it before the action that should cause the close.
   */
  nextClose(side: 'client' | 'upstream'): Promise<void>;
  close(): Promise<void>;
}

/** A proxy in front of one server whose target can change (a load balancer moving a client). */
export interface MovableProxy extends Proxy {
  /** New connections go to `url` from now on. */
  retarget(url: string): void;
}

export interface RoundRobinProxy extends Proxy {
  /** The index (into the targets) each connection accepted so far went to, in order. */
  readonly picks: readonly number[];
}

export async function startProxy(targetUrl: string): Promise<MovableProxy> {
  let target = new URL(targetUrl);
  const proxy = await listen(() => target);
  return {
    ...proxy,
    retarget(url) {
      target = new URL(url);
    },
  };
}

/**
 * `targets()` is read at each new connection, so the proxy can listen (and its address be
 * known, e.g. as the nodes' public URL) before the nodes it leads to have started.
 */
export async function startRoundRobinProxy(targets: () => readonly string[]): Promise<RoundRobinProxy> {
  const picks: number[] = [];
  const proxy = await listen(() => {
    const list = targets();
    if (list.length === 0) return null;
    const i = picks.length % list.length;
    picks.push(i);
    return new URL(list[i]!);
  });
  return { ...proxy, picks };
}

/** A proxy that sends each accepted connection to `pick()`'s answer (asked once per connection; null cuts it). */
async function listen(pick: () => URL | null): Promise<Proxy> {
  const sockets = new Set<Socket>();
  let blocked = false;
  let frozen = false;
  /** While frozen: the data held, in order, and the pairs to cut once thawed. */
  let heldData: { to: Socket; chunk: Buffer }[] = [];
  const cutWhenThawed = new Set<() => void>();
  const closes = new EventEmitter();
  const server: Server = createServer((client) => {
    if (blocked) {
      client.destroy();
      return;
    }
    const target = pick();
    if (!target) {
      client.destroy();
      return;
    }
    // A target that is down (a node restarting) refuses: the client sees a dropped connection.
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    const cleanup = () => {
      if (frozen) {
        cutWhenThawed.add(cleanup);
        return;
      }
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', cleanup).on('close', cleanup).on('close', () => closes.emit('client'));
    upstream.on('error', cleanup).on('close', cleanup).on('close', () => closes.emit('upstream'));
    const forward = (from: Socket, to: Socket) => {
      from.on('data', (chunk: Buffer) => {
        if (frozen) heldData.push({ to, chunk });
        else if (!to.destroyed) to.write(chunk);
      });
      from.on('end', () => (frozen ? cutWhenThawed.add(cleanup) : to.end()));
    };
    forward(client, upstream);
    forward(upstream, client);
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
    freeze(on) {
      frozen = on;
      if (on) return;
      const data = heldData;
      heldData = [];
      for (const { to, chunk } of data) if (!to.destroyed) to.write(chunk);
      const cuts = [...cutWhenThawed];
      cutWhenThawed.clear();
      for (const cut of cuts) cut();
    },
    async nextClose(side) {
      await once(closes, side);
    },
    close() {
      frozen = false;
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
