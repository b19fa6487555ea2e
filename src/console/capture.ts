// The bytes of recent connections, both ways, kept within a budget, for the pcapng export.
import type { ByteTap } from '../broker/link.js';
import { CapturedStream, ipv4, MQTT_PORT } from './pcapng.js';

/** Total bytes kept; past it the oldest connections are forgotten. */
const DEFAULT_BUDGET = 64 << 20;
const FALLBACK_CLIENT_IP = ipv4('10.0.0.2', 0);
const SERVER_IP = ipv4('127.0.0.1', 0);

interface Conn {
  readonly clientId: string;
  readonly address: string;
}

interface Recorded {
  clientId: string;
  bytes: number;
  stream: CapturedStream;
}

export class Capture implements ByteTap {
  private readonly byConn = new WeakMap<Conn, Recorded>();
  private readonly order: Recorded[] = [];
  private kept = 0;
  private nextPort = 49152;

  constructor(private readonly now: () => number, private readonly budget = DEFAULT_BUDGET) {}

  bytes(conn: Conn, dir: 'in' | 'out', chunk: Uint8Array): void {
    let r = this.byConn.get(conn);
    if (!r) {
      const at = this.now();
      r = {
        clientId: '', bytes: 0,
        stream: { clientIp: ipv4(conn.address, FALLBACK_CLIENT_IP), clientPort: this.port(), serverIp: SERVER_IP, serverPort: MQTT_PORT, openedAt: at, chunks: [] },
      };
      this.byConn.set(conn, r);
      this.order.push(r);
    }
    // The id is known once CONNECT is handled (an assigned one too): from the CONNACK on.
    if (r.clientId === '') r.clientId = conn.clientId;
    r.stream.chunks.push({ at: this.now(), fromClient: dir === 'in', data: chunk.slice() });
    r.bytes += chunk.length;
    this.kept += chunk.length;
    while (this.kept > this.budget && this.order.length > 1) this.kept -= this.order.shift()!.bytes;
  }

  /** The connections of one client id that are still kept, oldest first. */
  streamsOf(clientId: string): CapturedStream[] {
    return this.order.filter((r) => r.clientId === clientId).map((r) => r.stream);
  }

  private port(): number {
    const p = this.nextPort;
    this.nextPort = p >= 65535 ? 49152 : p + 1;
    return p;
  }
}
