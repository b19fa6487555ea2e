// A loopback TCP proxy that cuts connections at random points of their flows: a cut is armed on
// a live connection (or the next new one) for one direction and fires after that many more
// bytes went that way, mid-packet as often as not; both sides are then reset. The broker's port
// may change (a restarted broker): new connections go to the current one.
import net from 'node:net';

export type Direction = 'up' | 'down';

interface Link {
  client: net.Socket;
  upstream: net.Socket;
  /** Bytes still to forward in `dir` before the cut; -1 when no cut is armed. */
  left: number;
  dir: Direction;
  closed: boolean;
}

export class ChaosProxy {
  port = 0;
  /** Connections accepted, and cuts that fired (by direction). */
  connections = 0;
  cuts = { up: 0, down: 0 };
  /** Called once per cut that fired. */
  onCut: ((dir: Direction) => void) | null = null;
  private server: net.Server;
  private links = new Set<Link>();
  private nextCut: { dir: Direction; bytes: number } | null = null;

  constructor(public upstreamPort: number) {
    this.server = net.createServer((client) => this.accept(client));
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => {
      this.port = (this.server.address() as net.AddressInfo).port;
      resolve();
    }));
  }

  get live(): number {
    return this.links.size;
  }

  /** Arms a cut on a live connection chosen by pick(0..n-1); false when there is none. */
  armLive(pick: (n: number) => number, dir: Direction, bytes: number): boolean {
    const free = [...this.links].filter((l) => l.left < 0 && !l.closed);
    if (free.length === 0) return false;
    const l = free[pick(free.length)];
    l.dir = dir;
    l.left = bytes;
    return true;
  }

  /** Arms a cut on the next connection accepted (its CONNECT / CONNACK exchange). */
  armNext(dir: Direction, bytes: number): void {
    this.nextCut = { dir, bytes };
  }

  /** Resets every connection (not counted as a cut). */
  resetAll(): void {
    for (const l of this.links) this.end(l);
  }

  close(): Promise<void> {
    for (const l of this.links) {
      l.closed = true;
      l.client.destroy();
      l.upstream.destroy();
    }
    this.links.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.connections++;
    client.setNoDelay(true);
    const upstream = net.connect({ host: '127.0.0.1', port: this.upstreamPort, noDelay: true });
    const l: Link = { client, upstream, left: -1, dir: 'up', closed: false };
    if (this.nextCut) {
      l.left = this.nextCut.bytes;
      l.dir = this.nextCut.dir;
      this.nextCut = null;
    }
    this.links.add(l);
    client.on('data', (b: Buffer) => this.forward(l, 'up', b));
    upstream.on('data', (b: Buffer) => this.forward(l, 'down', b));
    const end = (): void => this.end(l);
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }

  private forward(l: Link, dir: Direction, b: Buffer): void {
    if (l.closed) return;
    const to = dir === 'up' ? l.upstream : l.client;
    if (l.left < 0 || l.dir !== dir || b.length < l.left) {
      if (l.left >= 0 && l.dir === dir) l.left -= b.length;
      to.write(b);
      return;
    }
    // The cut: forward the first `left` bytes, then reset both sides once they are written.
    const part = b.subarray(0, l.left);
    l.left = -1;
    this.cuts[dir]++;
    this.onCut?.(dir);
    if (part.length === 0) {
      this.end(l);
      return;
    }
    l.closed = true;
    let fired = false;
    const done = (): void => {
      if (fired) return;
      fired = true;
      clearTimeout(timer);
      l.closed = false;
      this.end(l);
    };
    const timer = setTimeout(done, 200);
    to.write(part, done);
  }

  private end(l: Link): void {
    if (l.closed) return;
    l.closed = true;
    this.links.delete(l);
    for (const s of [l.client, l.upstream]) {
      if (s.destroyed) continue;
      // RST only on a socket open both ways: on one still connecting or half closed, Node's
      // reset can leave the handle unclosed, and the process then spins at exit.
      if (s.connecting || s.readableEnded || s.writableEnded || s.writableFinished) s.destroy();
      else s.resetAndDestroy();
    }
  }
}
