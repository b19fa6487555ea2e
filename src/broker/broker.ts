// The companion broker: MQTT 3.1, 3.1.1 and 5.0 over any byte stream, built on the project's
// own codec and topic code. This file holds the options and the rooms together; each concern
// lives in its own file (src/broker/README.md lists them): connections (connection.ts and its
// handlers), sessions (session.ts, sessions.ts), routing (router.ts), fault control
// (control.ts), the store, the trace and $SYS. Every deadline is on one clock (clock.ts).
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { ReasonCode } from '../core/codec/constants.js';
import { Acl, PasswordFile } from './auth.js';
import { BrokerClock, RealClock, Timer } from './clock.js';
import { Connection } from './connection.js';
import { BenchControl } from './control.js';
import type { Fault, FaultTable } from './faults.js';
import { AddressCounter, LIMIT_DEFAULTS, LimitOptions } from './limits.js';
import { ByteTap, Link, StreamLink, TappedLink } from './link.js';
import type { Message } from './message.js';
import type { Output } from './output.js';
import { MAX_PACKET } from './output.js';
import { Records } from './records.js';
import { Router } from './router.js';
import { NEVER, Session } from './session.js';
import { Sessions } from './sessions.js';
import { BrokerStats, countDrop, countNote, newStats, sysEntries } from './stats.js';
import type { TraceRecord } from './trace.js';
import { MemoryStore, Store } from './store.js';

export type { Message } from './message.js';
export { Connection } from './connection.js';
export { Session } from './session.js';

/** How often connections are checked for keep alive, CONNECT timeout and slow packets. */
const SWEEP_MS = 250;

export interface BrokerOptions extends LimitOptions {
  /** Largest packet accepted (and advertised in a v5 CONNACK); default 268435460. */
  maxPacketSize?: number;
  /** Concurrent connections; more are answered with CONNACK 0x89 (server busy). */
  maxConnections?: number;
  /** Outgoing QoS 1/2 messages in flight per client (also capped by the client's receive maximum). */
  maxInflight?: number;
  /** Queued QoS 1/2 messages per client (offline or over the inflight window); more are dropped and counted. */
  maxQueued?: number;
  /** Incoming QoS 2 messages a client may have unreleased (our v5 Receive Maximum). */
  receiveMaximum?: number;
  /** Topic aliases a v5 client may use towards us. */
  topicAliasMaximum?: number;
  /** Milliseconds a connection has to send CONNECT. */
  connectTimeout?: number;
  /**
   * Server Keep Alive imposed on every MQTT 5 client, seconds (0: use the client's). Sent in
   * CONNACK whatever the client asked for; 3.1.1 clients cannot be told and keep their own.
   */
  serverKeepAlive?: number;
  /**
   * mosquitto's max_keepalive, seconds (0: no cap). A client asking for more, or for 0 (none),
   * is told this value in CONNACK (MQTT 5 Server Keep Alive); a 3.1.1 client, which cannot be
   * told, is refused with 0x02 (identifier rejected), as mosquitto does.
   */
  maxKeepAlive?: number;
  /** Reason code of an MQTT 5 SUBACK for a subscription the ACL denies: 0x87 (default) or 0x80. 3.1.1 always gets 0x80. */
  subscribeDeniedCode?: number;
  /** Cap on the session expiry interval, seconds. */
  maxSessionExpiry?: number;
  /** Seconds between $SYS/broker/... publications (0: never). */
  sysInterval?: number;
  /** Bytes buffered towards a client before QoS 0 messages to it are dropped. */
  highWaterMark?: number;
  passwords?: PasswordFile | null;
  acl?: Acl | null;
  allowAnonymous?: boolean;
  /** Client-id patterns ('*', '?') allowed to publish to $bench/fault/...; default ['bench*']. */
  benchClients?: string[];
  /** User names allowed to publish to $bench/fault/... (when a password file is used). */
  benchUsers?: string[];
  faults?: Fault[];
  /** Called with each trace record (packets in and out, faults). */
  onTrace?: ((line: string, record: TraceRecord | null) => void) | null;
  /** Log lines for -v. */
  onLog?: ((line: string) => void) | null;
  /** Durability (store.ts); default: none, everything in memory. The broker closes it. */
  store?: Store | null;
  /** The clock every deadline is kept on; default the wall clock. A VirtualClock runs the broker on simulated time. */
  clock?: BrokerClock | null;
}

type Settings = Required<Omit<BrokerOptions, 'passwords' | 'acl' | 'onTrace' | 'onLog' | 'faults' | 'store' | 'clock'>>;

function settings(o: BrokerOptions): Settings {
  return {
    maxPacketSize: o.maxPacketSize ?? MAX_PACKET,
    maxConnections: o.maxConnections ?? 100000,
    maxInflight: o.maxInflight ?? 100,
    maxQueued: o.maxQueued ?? 1000,
    receiveMaximum: o.receiveMaximum ?? 100,
    topicAliasMaximum: o.topicAliasMaximum ?? 64,
    connectTimeout: o.connectTimeout ?? 10000,
    serverKeepAlive: o.serverKeepAlive ?? 0,
    maxKeepAlive: o.maxKeepAlive ?? 0,
    subscribeDeniedCode: o.subscribeDeniedCode ?? ReasonCode.NotAuthorized,
    maxSessionExpiry: o.maxSessionExpiry ?? NEVER,
    sysInterval: o.sysInterval ?? 10,
    highWaterMark: o.highWaterMark ?? 1 << 20,
    allowAnonymous: o.allowAnonymous ?? !o.passwords,
    benchClients: o.benchClients ?? ['bench*'],
    benchUsers: o.benchUsers ?? [],
    maxConnectSize: o.maxConnectSize ?? LIMIT_DEFAULTS.maxConnectSize,
    packetTimeout: o.packetTimeout ?? LIMIT_DEFAULTS.packetTimeout,
    minByteRate: o.minByteRate ?? LIMIT_DEFAULTS.minByteRate,
    maxFiltersPerPacket: o.maxFiltersPerPacket ?? LIMIT_DEFAULTS.maxFiltersPerPacket,
    maxSubscriptionsPerClient: o.maxSubscriptionsPerClient ?? LIMIT_DEFAULTS.maxSubscriptionsPerClient,
    maxUserProperties: o.maxUserProperties ?? LIMIT_DEFAULTS.maxUserProperties,
    maxPersistentSessions: o.maxPersistentSessions ?? LIMIT_DEFAULTS.maxPersistentSessions,
    sessionQuotas: o.sessionQuotas ?? LIMIT_DEFAULTS.sessionQuotas,
    maxConnectionsPerAddress: o.maxConnectionsPerAddress ?? LIMIT_DEFAULTS.maxConnectionsPerAddress,
  };
}

export class Broker extends EventEmitter {
  readonly opts: Settings;
  readonly store: Store;
  readonly clock: BrokerClock;
  passwords: PasswordFile | null;
  acl: Acl | null;
  onTrace: ((line: string, record: TraceRecord | null) => void) | null;
  onLog: ((line: string) => void) | null;
  readonly router: Router;
  readonly table: Sessions;
  readonly control: BenchControl;
  connections = new Set<Connection>();
  stats: BrokerStats = newStats();
  readonly startedAt: number;
  /** One record each way, reused by every connection (the broker handles one packet at a time). */
  readonly records: Records;
  readonly addresses: AddressCounter;
  /** Armed while there are connections: an idle broker (or a simulated day) has no periodic wake-up. */
  private sweepTimer: Timer | null = null;
  private sysTimer: Timer | null = null;
  private dirty: Output[] = [];
  /** The connection whose PUBLISH is being routed (for back-pressure). */
  publishing: Connection | null = null;
  /** Deliveries a full queue dropped, counted while a client's PUBLISH is routed (reset before it). */
  quotaDrops = 0;
  private flushScheduled = false;
  closed = false;
  /** Sees every connection's bytes both ways (the console's capture); set before connections open. */
  tap: ByteTap | null = null;

  constructor(options: BrokerOptions = {}) {
    super();
    this.opts = settings(options);
    this.clock = options.clock ?? new RealClock();
    this.startedAt = this.clock.now();
    this.records = new Records(this.opts.maxFiltersPerPacket, this.opts.maxUserProperties);
    this.addresses = new AddressCounter(this.opts.maxConnectionsPerAddress);
    this.passwords = options.passwords ?? null;
    this.acl = options.acl ?? null;
    this.onTrace = options.onTrace ?? null;
    this.onLog = options.onLog ?? null;
    this.router = new Router(this);
    this.table = new Sessions(this);
    this.control = new BenchControl(this, options.faults ?? []);
    this.store = options.store ?? new MemoryStore();
    if (this.store.persistent) {
      this.router.restore();
      this.table.restore();
    }
    if (this.opts.sysInterval > 0) {
      this.sysTimer = this.clock.every(this.opts.sysInterval * 1000, () => this.publishSys());
      this.publishSys();
    }
  }

  /** Sessions by client id. */
  get sessions(): Map<string, Session> {
    return this.table.all;
  }

  /** Retained messages by topic. */
  get retained(): Map<string, Message> {
    return this.router.retained;
  }

  get faults(): FaultTable {
    return this.control.faults;
  }

  get sessionLimits(): Sessions['limits'] {
    return this.table.limits;
  }

  log(line: string): void {
    if (this.onLog) this.onLog(line);
  }

  /**
   * Serves one client over a connected byte stream; `address` is its source (default: the
   * socket's remote address). Over the per-address limit the stream is closed at once: null.
   */
  accept(stream: Duplex, label = 'tcp', address?: string): Connection | null {
    const link = new StreamLink(stream);
    const conn = this.open(link, label, address ?? (stream as Duplex & { remoteAddress?: string }).remoteAddress ?? '');
    if (conn) link.bind(conn);
    return conn;
  }

  /**
   * Serves one client over any link (no socket needed: the caller feeds conn.receive() and
   * conn.peerClosed()). Over the per-address limit the link is destroyed: null.
   */
  open(link: Link, label: string, address: string): Connection | null {
    if (!this.addresses.enter(address)) {
      this.note('', 'REFUSE', 'address', `${address} has ${this.opts.maxConnectionsPerAddress} connections open`);
      link.destroy();
      return null;
    }
    const tapped = this.tap ? new TappedLink(link, this.tap) : null;
    const conn = new Connection(this, tapped ?? link, label, address);
    if (tapped) tapped.conn = conn;
    this.connections.add(conn);
    this.sweepTimer ??= this.clock.every(SWEEP_MS, () => this.sweep());
    this.stats.connectionsTotal++;
    return conn;
  }

  /** Counts a refusal by reason and traces it with the client it concerns. */
  note(clientId: string, type: 'DROP' | 'REFUSE', why: string, detail = ''): void {
    countNote(this.stats, this.onTrace, clientId, type, why, detail, this.clock.now());
  }

  /** Counts a message not delivered to clientId, and traces it. */
  drop(clientId: string, why: string, topic: string): void {
    countDrop(this.stats, this.onTrace, clientId, why, topic, this.clock.now());
  }

  /** Publishes a message as the broker (QoS 0, no properties), as $SYS and $bench/events are. */
  publishInternal(topic: string, payload: Buffer, retain: boolean): void {
    this.router.publishInternal(topic, payload, retain);
  }

  /** Registers a fault rule at run time (see BenchControl.add). */
  addFault(f: Fault): void {
    this.control.add(f);
  }

  /** Closes every connection (v5 clients get DISCONNECT 0x8B) and stops the timers. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sweepTimer?.cancel();
    this.sysTimer?.cancel();
    for (const c of [...this.connections]) c.close(ReasonCode.ServerShuttingDown, 'broker shutting down', false);
    this.table.stop();
    this.store.close();
  }

  /** Output is written once per event-loop turn, for every connection that has some. */
  markDirty(o: Output): void {
    if (o.dirty) return;
    o.dirty = true;
    this.dirty.push(o);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushAll());
    }
  }

  /** Writes every connection's pending output now (a driver without an event loop calls it after each step). */
  flushAll(): void {
    this.flushScheduled = false;
    const list = this.dirty;
    this.dirty = [];
    for (const o of list) {
      o.dirty = false;
      o.flush();
    }
  }

  private sweep(): void {
    if (this.connections.size === 0) {
      this.sweepTimer!.cancel();
      this.sweepTimer = null;
      return;
    }
    const now = this.clock.now();
    for (const c of this.connections) c.checkTimers(now);
  }

  publishSys(): void {
    const st = this.stats;
    st.sessions = this.sessions.size;
    st.subscriptions = this.router.tree.count;
    st.retained = this.router.retained.size;
    const uptime = Math.floor((this.clock.now() - this.startedAt) / 1000);
    const entries = sysEntries(st, { uptime, maxConnections: this.opts.maxConnections, persistent: this.table.limits.count });
    for (const [k, v] of entries) this.router.publishInternal(`$SYS/broker/${k}`, Buffer.from(v), true);
  }
}
