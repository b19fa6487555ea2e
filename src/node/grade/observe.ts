// What the broker saw of the client under test, from its packet trace: one record per
// connection (the CONNECT, the packets each way with their times, how it ended).
import type { Broker, Connection } from '../../broker/index.js';
import type { TraceRecord } from '../../broker/trace.js';
import { traceLine } from '../../broker/trace.js';

export interface SeenPacket {
  /** ms since the epoch (the broker's clock). */
  t: number;
  rec: TraceRecord;
}

export interface SeenConnection {
  n: number;
  clientId: string;
  version: number;
  keepAlive: number;
  clean: boolean;
  will: string | null;
  connectAt: number;
  sessionPresent: boolean | null;
  packets: SeenPacket[];
  /** When the broker saw the connection end (0 while open). */
  closedAt: number;
  /** The client sent DISCONNECT before the connection ended. */
  disconnected: boolean;
  /** The grader ended this connection on purpose (a fault). */
  droppedByGrader: boolean;
  conn: Connection | null;
}

/** The trace line of a packet, for evidence. */
export function evidence(p: SeenPacket): string {
  return traceLine(p.rec);
}

export class Observation {
  readonly connections: SeenConnection[] = [];
  /** Fault firings aimed at the client (trace lines). */
  readonly faults: string[] = [];

  constructor(private readonly broker: Broker, private readonly ignore: (clientId: string) => boolean) {}

  get current(): SeenConnection | null {
    const c = this.connections[this.connections.length - 1];
    return c ?? null;
  }

  /** The broker's onTrace: keeps what concerns the client under test. */
  onTrace(line: string, rec: TraceRecord | null): void {
    if (rec === null) {
      if (line.includes('!! FAULT')) this.faults.push(line);
      return;
    }
    if (rec.type === 'CONNECT' && rec.dir === 'in') {
      // Traced under the id the connection has, an assigned one included.
      const id = rec.client !== '' ? rec.client : String(rec.clientId ?? '');
      // One client is graded: the first to connect (others, such as the grader's own, are
      // ignored), by its id unless the broker assigned it one.
      const first = this.connections[0];
      if (this.ignore(id) || (first !== undefined && first.packets[0].rec.clientId !== '' && id !== first.clientId)) return;
      const before = this.current;
      // Ended between two polls: at its last packet, at the latest.
      if (before !== null && before.closedAt === 0) before.closedAt = before.packets[before.packets.length - 1].t;
      this.connections.push({
        n: this.connections.length + 1, clientId: id, version: Number(rec.version), keepAlive: Number(rec.keepAlive),
        clean: rec.clean === true, will: typeof rec.will === 'string' ? rec.will : null, connectAt: Date.parse(rec.t),
        sessionPresent: null, packets: [{ t: Date.parse(rec.t), rec }], closedAt: 0, disconnected: false, droppedByGrader: false,
        conn: this.findConnection(id),
      });
      return;
    }
    const c = this.current;
    if (c === null || c.closedAt !== 0 || rec.client !== c.clientId) return;
    c.packets.push({ t: Date.parse(rec.t), rec });
    if (rec.type === 'CONNACK' && rec.dir === 'out') c.sessionPresent = rec.sessionPresent === true;
    if (rec.type === 'DISCONNECT' && rec.dir === 'in') c.disconnected = true;
  }

  private findConnection(clientId: string): Connection | null {
    let found: Connection | null = null;
    // The newest open connection with the id: the one whose CONNECT is being handled.
    for (const conn of this.broker.connections) if (!conn.closed && conn.clientId === clientId) found = conn;
    return found;
  }

  /** Notes connections that have ended (called on every poll of the script). */
  poll(now: number): void {
    const c = this.current;
    if (c === null || c.closedAt !== 0) return;
    c.conn ??= this.findConnection(c.clientId);
    if (c.conn !== null && c.conn.closed) c.closedAt = now;
  }

  /** Packets of connection c that match, in order. */
  static packets(c: SeenConnection, dir: 'in' | 'out', type: string): SeenPacket[] {
    return c.packets.filter((p) => p.rec.dir === dir && p.rec.type === type);
  }
}
