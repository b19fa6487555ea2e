// A bridge, as mosquitto's: this broker acting as a client of a remote one and forwarding the
// chosen topics each way. The remote side is the project's Node client; the local side a client
// on an in-process link (bridge-local.ts). A QoS 1/2 message is acknowledged to the side it came
// from only once the other side has it: out, when the remote's PUBACK/PUBCOMP came; in, once this
// broker routed it and committed its store.
import type { Broker } from './broker.js';
import type { BridgeAddress, BridgeConfig, BridgeTopic } from './bridge-config.js';
import { LocalBridgeClient, LocalMessage } from './bridge-local.js';
import { topicMatches } from './topic-tree.js';
import { MqttClient, MqttError } from '../node/client.js';
import type { MessageInfo } from '../node/client.js';
import { TcpTransport } from '../node/transports/tcp.js';

/** CONNACK codes of a broker that does not take mosquitto's bridge mark (3.1.1: 0x01; as the client reports them). */
const REFUSED_VERSION = [0x01, 0x84];

/**
 * TCP to the bridge's addresses in turn (the next after each failure, as mosquitto's
 * round_robin), and with try_private the CONNECT's protocol level or'ed with 0x80.
 */
export class BridgeTransport extends TcpTransport {
  private index = -1;
  private fresh = false;

  constructor(private readonly addresses: BridgeAddress[], public tryPrivate: boolean) {
    super({ host: addresses[0].host, port: addresses[0].port });
  }

  get address(): BridgeAddress {
    return this.addresses[Math.max(this.index, 0)];
  }

  protected connectRaw(gen: number): void {
    this.index = (this.index + 1) % this.addresses.length;
    this.options.host = this.addresses[this.index].host;
    this.options.port = this.addresses[this.index].port;
    this.fresh = true;
    super.connectRaw(gen);
  }

  write(buf: Uint8Array, off: number, len: number): number {
    if (this.fresh && len > 0) {
      this.fresh = false;
      if (this.tryPrivate && buf[off] >> 4 === 1) return super.write(privateConnect(buf.subarray(off, off + len)), 0, len);
    }
    return super.write(buf, off, len);
  }
}

/** A copy of bytes starting with a CONNECT, its protocol level marked as a bridge's (0x80). */
function privateConnect(b: Uint8Array): Uint8Array {
  const c = Uint8Array.from(b);
  let i = 1;
  while (i < c.length && (c[i] & 0x80) !== 0) i++;
  i++;
  const level = i + 2 + ((c[i] << 8) | c[i + 1]);
  if (level < c.length) c[level] |= 0x80;
  return c;
}

/** The remote topic for a local one (out), or the local one for a remote one (in); null when no topic line matches. */
export function mapTopic(topics: BridgeTopic[], topic: string, inward: boolean): BridgeTopic | null {
  for (const t of topics) {
    if (t.direction === (inward ? 'out' : 'in')) continue;
    const from = inward ? t.remotePrefix : t.localPrefix;
    if (topic.startsWith(from) && topicMatches(from + t.pattern, topic)) return t;
  }
  return null;
}

export class Bridge {
  readonly remote: MqttClient;
  readonly local: LocalBridgeClient;
  readonly transport: BridgeTransport;
  /** Messages forwarded each way, and local ones the remote refused (acknowledged, not kept). */
  readonly counts = { out: 0, in: 0, refused: 0 };
  private stopping = false;
  private everConnected = false;
  private subscribed = false;

  constructor(private readonly broker: Broker, readonly config: BridgeConfig) {
    const c = config;
    this.transport = new BridgeTransport(c.addresses, c.tryPrivate && c.protocolVersion < 5);
    this.local = new LocalBridgeClient(broker, {
      onLocalMessage: (m) => this.forwardOut(m),
      onLocalClosed: () => { if (!this.stopping) this.log('the broker closed the bridge\'s local connection'); },
    });
    this.remote = new MqttClient({
      transport: this.transport, protocolVersion: c.protocolVersion, clientId: c.remoteClientId, clean: c.cleanSession,
      sessionExpiryInterval: c.cleanSession ? 0 : 0xffffffff, keepalive: c.keepAlive, username: c.remoteUsername, password: c.remotePassword,
      reconnectPeriod: c.restartBase * 1000, reconnectPeriodMax: c.restartCap * 1000, reconnectJitter: c.restartJitter ? 0.5 : 0,
      connectTimeout: 10000, resubscribe: true,
    });
    this.remote.on('connect', (ack) => this.onRemoteConnect(ack.sessionPresent));
    this.remote.on('message', (topic, payload, info) => this.forwardIn(topic, payload, info));
    this.remote.on('close', () => this.notify(false));
    this.remote.on('error', (err) => this.onRemoteError(err));
  }

  /** Joins this broker (synchronously), then starts connecting to the remote one. */
  start(): void {
    const c = this.config;
    const filters = c.topics.filter((t) => t.direction !== 'in').map((t) => ({ filter: t.localPrefix + t.pattern, qos: t.qos }));
    const login = { clientId: c.localClientId, clean: c.localCleanSession, username: c.localUsername, password: c.localPassword };
    if (!this.local.open(login, filters)) throw new Error(`bridge ${c.name}: this broker refused the bridge's local client ${c.localClientId}`);
    this.notify(false);
    this.remote.start();
  }

  /** Disconnects from both sides; what is unacknowledged stays in the sessions that hold it. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.local.close();
    await this.remote.endAsync(!this.remote.connected);
    this.notify(false);
  }

  private log(line: string): void {
    this.broker.log(`bridge ${this.config.name}: ${line}`);
  }

  private notify(up: boolean): void {
    if (!this.config.notifications || this.broker.closed) return;
    this.broker.publishInternal(this.config.notificationTopic, Buffer.from(up ? '1' : '0'), true);
  }

  private onRemoteConnect(sessionPresent: boolean): void {
    this.everConnected = true;
    const a = this.transport.address;
    this.log(`connected to ${a.host}:${a.port}${sessionPresent ? ' (session resumed)' : ''}`);
    this.notify(true);
    // The client subscribes again by itself after a reconnect that found no session.
    if (this.subscribed) return;
    this.subscribed = true;
    const v5 = this.config.protocolVersion === 5;
    const subs: Record<string, { qos: 0 | 1 | 2; nl?: boolean; rap?: boolean }> = {};
    for (const t of this.config.topics) {
      if (t.direction === 'out') continue;
      // MQTT 5: no local stops the remote echoing what the bridge publishes; retain as published keeps the flag.
      subs[t.remotePrefix + t.pattern] = v5 ? { qos: t.qos, nl: true, rap: true } : { qos: t.qos };
    }
    if (Object.keys(subs).length === 0) return;
    this.remote.subscribeAsync(subs).then(
      (granted) => {
        for (const g of granted) if (g.qos >= 0x80) this.log(`the remote refused the subscription to ${g.topic} (0x${g.qos.toString(16)})`);
      },
      (err: Error) => this.log(`subscribe failed: ${err.message}`),
    );
  }

  private onRemoteError(err: Error): void {
    const a = this.transport.address;
    this.log(`${a.host}:${a.port}: ${err.message}`);
    // A broker that does not know the bridge mark refuses the protocol level: plain CONNECTs from now on.
    if (err instanceof MqttError && !this.everConnected && this.transport.tryPrivate && REFUSED_VERSION.includes(err.reasonCode)) {
      this.transport.tryPrivate = false;
      this.log('the remote does not take try_private: connecting as a plain client (loop prevention is then local only)');
    }
  }

  /** Local to remote; the local broker gets its PUBACK/PUBREC once the remote has the message. */
  private forwardOut(m: LocalMessage): void {
    const t = mapTopic(this.config.topics, m.topic, false);
    if (t === null) {
      this.local.ack(m);
      return;
    }
    const topic = t.remotePrefix + m.topic.slice(t.localPrefix.length);
    if (topic === '') {
      this.local.ack(m);
      return;
    }
    this.counts.out++;
    this.remote.publish(topic, m.payload, { qos: m.qos as 0 | 1 | 2, retain: m.retain }, (err) => {
      // Ended (stopping): not acknowledged, so the local session sends it again later.
      if (err instanceof MqttError) {
        this.counts.refused++;
        this.log(`the remote refused ${topic}: ${err.message}`);
      } else if (err) {
        return;
      }
      this.local.ack(m);
    });
  }

  /** Remote to local: routed (and stored) before the client acknowledges it to the remote. */
  private forwardIn(topic: string, payload: Buffer, info: MessageInfo): void {
    const t = mapTopic(this.config.topics, topic, true);
    if (t === null) return;
    const local = t.localPrefix + topic.slice(t.remotePrefix.length);
    if (local === '') return;
    this.counts.in++;
    this.local.publish(local, payload, info.qos, info.retain);
  }
}
