// A loopback TCP proxy between a client and a broker that can swallow traffic and cut the
// link: how "reconnect with resend" is provoked against a real broker. It also parses what the
// client sends (mqtt-packet, test-side only) so a scenario can check the DUP flag of a resend.
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { LOOPBACK } from '../peers/proc.js';

export interface SeenPacket { cmd: string; qos?: number; dup?: boolean; messageId?: number; topic?: string; payload?: Buffer; conn: number; reasonCode?: number }

export class Proxy {
  port = 0;
  /** 'pass' forwards both ways; 'hold' swallows both ways (the link looks alive but is dead). */
  mode: 'pass' | 'hold' = 'pass';
  /** Packets the client sent, and packets the broker sent, in order. */
  readonly seen: SeenPacket[] = [];
  readonly fromServer: SeenPacket[] = [];
  private server: Server;
  private pairs = new Set<[Socket, Socket]>();
  private connCount = 0;
  private waiters: Array<{ match: (p: SeenPacket) => boolean; resolve: () => void }> = [];

  constructor(private readonly targetHost: string, private readonly targetPort: number) {
    this.server = createServer((client) => this.accept(client));
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, LOOPBACK, () => {
        const a = this.server.address();
        this.port = typeof a === 'object' && a !== null ? a.port : 0;
        resolve();
      });
    });
  }

  private accept(client: Socket): void {
    const conn = ++this.connCount;
    const upstream = netConnect({ host: this.targetHost, port: this.targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const serverParser = mqttPacket.parser({ protocolVersion: 4 });
    const record = (p: mqttPacket.Packet, into: SeenPacket[]): SeenPacket => {
      const pub = p.cmd === 'publish' ? p : undefined;
      const s: SeenPacket = { cmd: p.cmd, conn, qos: pub?.qos, dup: pub?.dup, messageId: (p as { messageId?: number }).messageId, topic: pub?.topic,
        payload: pub ? Buffer.from(pub.payload as Buffer) : undefined, reasonCode: (p as { reasonCode?: number }).reasonCode };
      into.push(s);
      return s;
    };
    parser.on('packet', (p: mqttPacket.Packet) => {
      if (p.cmd === 'connect') {
        for (const q of [parser, serverParser]) (q as unknown as { settings: { protocolVersion: number } }).settings.protocolVersion = p.protocolVersion ?? 4;
      }
      const s = record(p, this.seen);
      for (const w of this.waiters.slice()) if (w.match(s)) { this.waiters = this.waiters.filter((x) => x !== w); w.resolve(); }
    });
    serverParser.on('packet', (p: mqttPacket.Packet) => { record(p, this.fromServer); });
    parser.on('error', () => { /* not our concern: the broker judges the bytes */ });
    serverParser.on('error', () => { /* the client judges them */ });
    client.on('data', (b) => { parser.parse(b); if (this.mode === 'pass') upstream.write(b); });
    upstream.on('data', (b) => { if (this.mode === 'pass') { serverParser.parse(b); client.write(b); } });
    const close = (): void => { client.destroy(); upstream.destroy(); this.pairs.delete(pair); };
    client.on('close', close); upstream.on('close', close);
    client.on('error', close); upstream.on('error', close);
  }

  /** Resolves when the client has sent a packet matching `match` (counting packets already seen). */
  waitForClientPacket(match: (p: SeenPacket) => boolean, ms: number, what: string): Promise<void> {
    if (this.seen.some(match)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { match, resolve: () => { clearTimeout(t); resolve(); } };
      const t = setTimeout(() => { this.waiters = this.waiters.filter((x) => x !== w); reject(new Error(`client did not send ${what} within ${ms} ms`)); }, ms);
      this.waiters.push(w);
    });
  }

  /** Cuts every link at once, as a network failure would. */
  cut(): void {
    for (const [a, b] of this.pairs) { a.destroy(); b.destroy(); }
    this.pairs.clear();
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
