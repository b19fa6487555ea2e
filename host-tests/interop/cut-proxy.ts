// A loopback TCP proxy for fault tests against a real broker: it can stop forwarding what the
// broker sends (the client never sees its acknowledgements) and cut every connection at once.
import net from 'node:net';

export class CutProxy {
  server: net.Server;
  port = 0;
  /** While true, bytes from the broker to the client are dropped. */
  dropFromBroker = false;
  connections = 0;
  /** Bytes dropped while dropFromBroker was set. */
  dropped = 0;
  private dropWaiters: (() => void)[] = [];
  private sockets = new Set<net.Socket>();

  constructor(private readonly brokerPort: number) {
    this.server = net.createServer((client) => {
      this.connections++;
      const upstream = net.connect({ host: '127.0.0.1', port: this.brokerPort });
      this.sockets.add(client);
      this.sockets.add(upstream);
      client.on('data', (b) => upstream.write(b));
      upstream.on('data', (b) => {
        if (!this.dropFromBroker) { client.write(b); return; }
        this.dropped += b.length;
        for (const w of this.dropWaiters.splice(0)) w();
      });
      const end = (): void => { client.destroy(); upstream.destroy(); this.sockets.delete(client); this.sockets.delete(upstream); };
      client.on('close', end);
      upstream.on('close', end);
      client.on('error', end);
      upstream.on('error', end);
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => {
      this.port = (this.server.address() as net.AddressInfo).port;
      resolve();
    }));
  }

  /** Resolves once the broker has sent something that was dropped (its acknowledgement). */
  waitDropped(ms: number): Promise<void> {
    if (this.dropped > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('nothing from the broker was dropped')), ms);
      this.dropWaiters.push(() => { clearTimeout(timer); resolve(); });
    });
  }

  /** Drops every connection abruptly. */
  cut(): void {
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
