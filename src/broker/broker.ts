// The companion broker: MQTT 3.1, 3.1.1 and 5.0 sessions, routing, retained and will messages,
// limits and fault injection, over any byte stream (TCP, TLS, WebSocket), built on the
// project's own codec (Framer, and encodeServerPacket: the server's half) and topic validation.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { Framer } from '../core/codec/framer.js';
import { Packet } from '../core/codec/packet.js';
import { Properties } from '../core/codec/properties.js';
import { isReasonCodeFor } from '../core/codec/reason-codes.js';
import { encodeServerPacket } from '../core/codec/server.js';
import { PacketType, PropertyId, ReasonCode } from '../core/codec/constants.js';
import { readVarint, varintSize } from '../core/codec/varint.js';
import { Deadline } from './deadline.js';
import { AddressCounter, LIMIT_DEFAULTS, LimitOptions, SessionLimits } from './limits.js';
import { Records } from './records.js';
import { Acl, PasswordFile } from './auth.js';
import { describeFault, Fault, FaultTable, makeFault } from './faults.js';
import { SharedGroup, Subscription, TopicTree, topicMatches } from './topic-tree.js';
import { BrokerStats, countDrop, countNote, newStats, sysEntries } from './stats.js';
import { faultLine, traceLine, traceRecord, TraceRecord } from './trace.js';
import { MemoryStore, Store } from './store.js';

const NEVER = 0xffffffff;
const MAX_PACKET = 268435460;
/** Receive buffer per connection; grows for a larger packet, and shrinks back after it. */
const FRAMER_SIZE = 4096;
/** Send buffer per connection: starts small (idle clients cost little), doubles while busy up to OUT_MAX. */
const OUT_MIN = 2048;
const OUT_MAX = 65536;
/** Where a CONNACK is encoded to measure it against a client's Maximum Packet Size. */
const CONNACK_SCRATCH = Buffer.alloc(1024);

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
}

interface MessageProps {
  payloadFormat: number;
  contentType: Buffer | null;
  responseTopic: Buffer | null;
  correlationData: Buffer | null;
  /** Flattened key, value pairs. */
  user: Buffer[];
}

export interface Message {
  topic: string;
  topicBytes: Buffer;
  payload: Buffer;
  qos: number;
  retain: boolean;
  props: MessageProps | null;
  /** Epoch ms when the message expires, 0 for never. */
  expiresAt: number;
  origin: string;
}

interface Outgoing {
  msg: Message;
  qos: number;
  retain: boolean;
  subIds: number[] | null;
  pid: number;
  /** 0 PUBLISH sent, 1 PUBREC received (PUBREL sent). */
  state: number;
  /** Row id in the store, 0 when not stored. */
  sid?: number;
}

interface Will {
  msg: Message;
  delay: number;
  /** v5 message expiry interval of the will, seconds (0: none), counted from when it is published. */
  expiry: number;
}

class Session {
  subs = new Map<string, Subscription>();
  inflight = new Map<number, Outgoing>();
  queue: Outgoing[] = [];
  /** Publishers paused because this online session's queue passed half its bound (back-pressure). */
  blocked: Set<Connection> | null = null;
  qos2In = new Set<number>();
  expiry = 0;
  conn: Connection | null = null;
  expiryTimer: Deadline | null = null;
  will: Will | null = null;
  willTimer: Deadline | null = null;
  nextPid = 1;
  /** The user name it last connected with (ACL checks while it is offline). */
  user: string | null = null;
  constructor(readonly clientId: string) {}
}

function str(buf: Uint8Array, off: number, len: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + off, len).toString('utf8');
}

function copy(buf: Uint8Array, off: number, len: number): Buffer {
  const b = Buffer.allocUnsafe(len);
  b.set(buf.subarray(off, off + len));
  return b;
}

function copyProp(p: Properties, id: number): Buffer | null {
  return p.has(id) ? copy(p.bufferOf(id), p.offsetOf(id), p.lengthOf(id)) : null;
}

/** MQTT-3.3.2-14: a Response Topic (of a PUBLISH or a will) holds no wildcard character. */
function wildcardResponseTopic(p: Properties): boolean {
  if (!p.has(PropertyId.ResponseTopic)) return false;
  const buf = p.bufferOf(PropertyId.ResponseTopic);
  const off = p.offsetOf(PropertyId.ResponseTopic);
  const end = off + p.lengthOf(PropertyId.ResponseTopic);
  for (let i = off; i < end; i++) if (buf[i] === 0x2b || buf[i] === 0x23) return true;
  return false;
}

const MESSAGE_PROPS = [PropertyId.PayloadFormatIndicator, PropertyId.ContentType, PropertyId.ResponseTopic, PropertyId.CorrelationData];

/** The message properties to pass through (not alias, expiry or subscription ids), or null. */
function messageProps(p: Properties): MessageProps | null {
  let any = p.userCount > 0;
  for (const id of MESSAGE_PROPS) if (p.has(id)) any = true;
  if (!any) return null;
  const user: Buffer[] = [];
  for (let i = 0; i < p.userCount; i++) {
    user.push(copy(p.userKeyBuffer(i), p.userKeyOffset(i), p.userKeyLength(i)), copy(p.userValueBuffer(i), p.userValueOffset(i), p.userValueLength(i)));
  }
  return {
    payloadFormat: p.has(PropertyId.PayloadFormatIndicator) ? p.get(PropertyId.PayloadFormatIndicator) : -1,
    contentType: copyProp(p, PropertyId.ContentType),
    responseTopic: copyProp(p, PropertyId.ResponseTopic),
    correlationData: copyProp(p, PropertyId.CorrelationData),
    user,
  };
}

export class Broker extends EventEmitter {
  readonly opts: Required<Omit<BrokerOptions, 'passwords' | 'acl' | 'onTrace' | 'onLog' | 'faults' | 'store'>>;
  readonly store: Store;
  passwords: PasswordFile | null;
  acl: Acl | null;
  faults = new FaultTable();
  onTrace: ((line: string, record: TraceRecord | null) => void) | null;
  onLog: ((line: string) => void) | null;
  tree = new TopicTree();
  sessions = new Map<string, Session>();
  retained = new Map<string, Message>();
  connections = new Set<Connection>();
  stats: BrokerStats = newStats();
  readonly startedAt = Date.now();
  /** One record each way, reused by every connection (the broker handles one packet at a time). */
  readonly records: Records;
  readonly sessionLimits: SessionLimits;
  readonly addresses: AddressCounter;
  private tick: NodeJS.Timeout;
  private sysTimer: NodeJS.Timeout | null = null;
  private dirty: Connection[] = [];
  /** The connection whose PUBLISH is being routed (for back-pressure). */
  publishing: Connection | null = null;
  private flushScheduled = false;
  private benchMatchers: RegExp[];
  closed = false;

  constructor(options: BrokerOptions = {}) {
    super();
    this.opts = {
      maxPacketSize: options.maxPacketSize ?? MAX_PACKET,
      maxConnections: options.maxConnections ?? 100000,
      maxInflight: options.maxInflight ?? 100,
      maxQueued: options.maxQueued ?? 1000,
      receiveMaximum: options.receiveMaximum ?? 100,
      topicAliasMaximum: options.topicAliasMaximum ?? 64,
      connectTimeout: options.connectTimeout ?? 10000,
      serverKeepAlive: options.serverKeepAlive ?? 0,
      maxKeepAlive: options.maxKeepAlive ?? 0,
      subscribeDeniedCode: options.subscribeDeniedCode ?? ReasonCode.NotAuthorized,
      maxSessionExpiry: options.maxSessionExpiry ?? NEVER,
      sysInterval: options.sysInterval ?? 10,
      highWaterMark: options.highWaterMark ?? 1 << 20,
      allowAnonymous: options.allowAnonymous ?? !options.passwords,
      benchClients: options.benchClients ?? ['bench*'],
      benchUsers: options.benchUsers ?? [],
      maxConnectSize: options.maxConnectSize ?? LIMIT_DEFAULTS.maxConnectSize,
      packetTimeout: options.packetTimeout ?? LIMIT_DEFAULTS.packetTimeout,
      minByteRate: options.minByteRate ?? LIMIT_DEFAULTS.minByteRate,
      maxFiltersPerPacket: options.maxFiltersPerPacket ?? LIMIT_DEFAULTS.maxFiltersPerPacket,
      maxSubscriptionsPerClient: options.maxSubscriptionsPerClient ?? LIMIT_DEFAULTS.maxSubscriptionsPerClient,
      maxUserProperties: options.maxUserProperties ?? LIMIT_DEFAULTS.maxUserProperties,
      maxPersistentSessions: options.maxPersistentSessions ?? LIMIT_DEFAULTS.maxPersistentSessions,
      sessionQuotas: options.sessionQuotas ?? LIMIT_DEFAULTS.sessionQuotas,
      maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? LIMIT_DEFAULTS.maxConnectionsPerAddress,
    };
    this.records = new Records(this.opts.maxFiltersPerPacket, this.opts.maxUserProperties);
    this.sessionLimits = new SessionLimits(this.opts.maxPersistentSessions, this.opts.sessionQuotas);
    this.addresses = new AddressCounter(this.opts.maxConnectionsPerAddress);
    this.passwords = options.passwords ?? null;
    this.acl = options.acl ?? null;
    this.onTrace = options.onTrace ?? null;
    this.onLog = options.onLog ?? null;
    for (const f of options.faults ?? []) this.faults.add(f);
    this.store = options.store ?? new MemoryStore();
    if (this.store.persistent) this.restore();
    this.benchMatchers = this.opts.benchClients.map((p) => new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$'));
    this.tick = setInterval(() => this.sweep(), 250);
    this.tick.unref();
    if (this.opts.sysInterval > 0) {
      this.sysTimer = setInterval(() => this.publishSys(), this.opts.sysInterval * 1000);
      this.sysTimer.unref();
      this.publishSys();
    }
  }

  log(line: string): void {
    if (this.onLog) this.onLog(line);
  }

  /**
   * Serves one client over a connected byte stream; `address` is its source (default: the
   * socket's remote address). Over the per-address limit the stream is closed at once: null.
   */
  accept(stream: Duplex, label = 'tcp', address?: string): Connection | null {
    const addr = address ?? (stream as Duplex & { remoteAddress?: string }).remoteAddress ?? '';
    if (!this.addresses.enter(addr)) {
      this.note('', 'REFUSE', 'address', `${addr} has ${this.opts.maxConnectionsPerAddress} connections open`);
      stream.on('error', () => undefined);
      stream.destroy();
      return null;
    }
    const conn = new Connection(this, stream, label, addr);
    this.connections.add(conn);
    this.stats.connectionsTotal++;
    return conn;
  }

  /** Counts a refusal by reason and traces it with the client it concerns. */
  note(clientId: string, type: 'DROP' | 'REFUSE', why: string, detail = ''): void {
    countNote(this.stats, this.onTrace, clientId, type, why, detail);
  }

  /** Counts a message not delivered to clientId, and traces it. */
  drop(clientId: string, why: string, topic: string): void {
    countDrop(this.stats, this.onTrace, clientId, why, topic);
  }

  /** Closes every connection (v5 clients get DISCONNECT 0x8B) and stops the timers. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.tick);
    if (this.sysTimer) clearInterval(this.sysTimer);
    for (const c of [...this.connections]) c.close(ReasonCode.ServerShuttingDown, 'broker shutting down', false);
    for (const s of this.sessions.values()) {
      s.expiryTimer?.cancel();
      s.willTimer?.cancel();
    }
    this.store.close();
  }

  /** Reads retained messages and persistent sessions back from the store (expired ones are dropped). */
  private restore(): void {
    const now = Date.now();
    for (const m of this.store.loadRetained()) {
      if (m.expiresAt !== 0 && m.expiresAt <= now) this.store.clearRetained(m.topic);
      else this.retained.set(m.topic, { ...m, topicBytes: Buffer.from(m.topic) });
    }
    for (const r of this.store.loadSessions()) {
      const gone = r.disconnectedAt === 0 ? now : r.disconnectedAt;
      const left = r.expiry === NEVER ? 0 : gone + r.expiry * 1000 - now;
      if (r.expiry === 0 || (r.expiry !== NEVER && left <= 0)) {
        this.store.deleteSession(r.clientId);
        continue;
      }
      const s = new Session(r.clientId);
      s.expiry = r.expiry;
      for (const sub of r.subs) {
        s.subs.set(sub.filter, sub);
        this.tree.add(sub);
      }
      let maxPid = 0;
      for (const { id, out: o } of r.messages) {
        const out: Outgoing = { ...o, msg: { ...o.msg, topicBytes: Buffer.from(o.msg.topic) }, sid: id };
        if (o.pid > 0 && !s.inflight.has(o.pid)) {
          s.inflight.set(o.pid, out);
          if (o.pid > maxPid) maxPid = o.pid;
        } else {
          out.pid = 0;
          out.state = 0;
          s.queue.push(out);
        }
      }
      s.nextPid = maxPid >= 65535 ? 1 : maxPid + 1;
      for (const pid of r.qos2In) s.qos2In.add(pid);
      this.sessions.set(r.clientId, s);
      this.sessionLimits.set(r.clientId, true);
      if (r.expiry !== NEVER) this.armExpiry(s, left);
    }
  }

  /** Whether a session's state is written to the store. */
  private persisted(s: Session): boolean {
    return this.store.persistent && s.expiry !== 0;
  }

  // ---- output batching: packets are encoded into each connection's buffer and written once per turn

  markDirty(c: Connection): void {
    if (c.dirty) return;
    c.dirty = true;
    this.dirty.push(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushAll());
    }
  }

  private flushAll(): void {
    this.flushScheduled = false;
    const list = this.dirty;
    this.dirty = [];
    for (const c of list) {
      c.dirty = false;
      c.flush();
    }
  }

  // ---- timers

  private sweep(): void {
    const now = Date.now();
    for (const c of this.connections) c.checkTimers(now);
  }

  // ---- faults

  isBenchClient(conn: Connection): boolean {
    if (conn.user !== null && this.opts.benchUsers.includes(conn.user)) return true;
    if (this.passwords && conn.user === null) return false;
    return this.benchMatchers.some((m) => m.test(conn.clientId));
  }

  /** Reports a fault that fired: trace line, 'fault' event and a $bench/events message. */
  fired(f: Fault, clientId: string, detail: string): void {
    this.stats.faultsFired++;
    const text = `${f.kind} #${f.id} ${detail}`;
    if (this.onTrace) this.onTrace(faultLine(clientId, text), null);
    const event = { event: 'fault', id: f.id, kind: f.kind, client: clientId, detail, t: new Date().toISOString() };
    this.emit('fault', event);
    this.publishInternal('$bench/events', Buffer.from(JSON.stringify(event)), false);
  }

  /** Handles a PUBLISH to $bench/fault/<kind> or $bench/fault/clear from an authorised client. */
  private control(conn: Connection, topic: string, payload: Buffer): void {
    const what = topic.slice('$bench/fault/'.length);
    let reply: Record<string, unknown>;
    try {
      const text = payload.toString('utf8').trim();
      const params = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new Error('payload must be a JSON object');
      if (what === 'clear') {
        const id = params.id === undefined ? undefined : Number(params.id);
        reply = { event: 'cleared', count: this.faults.clear(id) };
      } else if (what === 'list') {
        reply = { event: 'list', faults: this.faults.rules.map(describeFault) };
      } else {
        const f = makeFault(what, params);
        reply = { event: 'added', fault: describeFault(f) };
        this.addFault(f);
      }
    } catch (e) {
      reply = { event: 'error', topic, error: e instanceof Error ? e.message : String(e) };
    }
    this.log(`control from ${conn.clientId}: ${JSON.stringify(reply)}`);
    this.publishInternal('$bench/events', Buffer.from(JSON.stringify(reply)), false);
  }

  /**
   * Registers a rule at runtime. `close` with after=0 closes the matching connected clients
   * now and is not kept; `close` after N and `throttle` also apply to connected clients.
   */
  addFault(f: Fault): void {
    const targets = [...this.connections].filter((c) => c.connected && !c.closed && f.matcher.test(c.clientId) && !this.isBenchClient(c));
    if (f.kind === 'close' && f.after === 0) {
      for (const c of targets) {
        if (f.count === 0) break;
        if (f.count > 0) f.count--;
        this.fired(f, c.clientId, 'closed the connection');
        c.close(ReasonCode.AdministrativeAction, 'fault injection', true);
      }
      return;
    }
    this.faults.add(f);
    if (f.kind === 'close') for (const c of targets) c.armClose(f);
    if (f.kind === 'throttle') for (const c of targets) c.throttle(f);
  }

  // ---- sessions

  /** Starts or resumes the session of a connection that passed CONNECT checks; returns sessionPresent. */
  attach(conn: Connection, clean: boolean, expiry: number, will: Will | null): boolean {
    const id = conn.clientId;
    let s = this.sessions.get(id);
    if (s && s.conn) {
      const old = s.conn;
      // MQTT-3.1.4-3: the existing connection is closed (v5: DISCONNECT 0x8E).
      old.takenOver = true;
      const oldWill = s.will;
      s.will = null;
      old.close(ReasonCode.SessionTakenOver, 'session taken over', false);
      if (oldWill && (clean || oldWill.delay === 0)) this.publishWill(oldWill);
    }
    if (s && s.willTimer) {
      s.willTimer.cancel();
      s.willTimer = null;
      // MQTT-3.1.3-9: a reconnect within the will delay cancels the will; a clean start ends the session, which sends it.
      if (clean && s.will) this.publishWill(s.will);
      s.will = null;
    }
    if (s && s.expiryTimer) {
      s.expiryTimer.cancel();
      s.expiryTimer = null;
    }
    let present = false;
    if (s && clean) {
      this.destroySession(s);
      s = undefined;
    }
    if (s) present = true;
    else {
      s = new Session(id);
      this.sessions.set(id, s);
    }
    s.conn = conn;
    s.user = conn.user;
    this.setExpiry(s, expiry);
    s.will = will;
    conn.session = s;
    if (this.persisted(s)) this.store.saveSession(id, expiry, 0);
    return present;
  }

  /** Whether one more persistent session for clientId would pass a limit: the reason, or null. */
  sessionRefusal(clientId: string, expiry: number): string | null {
    return expiry === 0 ? null : this.sessionLimits.check(clientId);
  }

  /** Sets a session's expiry interval; a session with one (persistent) counts against the session limits. */
  setExpiry(s: Session, expiry: number): void {
    s.expiry = expiry;
    this.sessionLimits.set(s.clientId, expiry !== 0 && this.sessions.get(s.clientId) === s);
  }

  destroySession(s: Session): void {
    this.unblock(s);
    for (const f of s.subs.keys()) this.tree.remove(s.clientId, f);
    s.subs.clear();
    s.inflight.clear();
    s.queue.length = 0;
    s.expiryTimer?.cancel();
    s.willTimer?.cancel();
    if (this.sessions.get(s.clientId) === s) {
      this.sessions.delete(s.clientId);
      this.sessionLimits.set(s.clientId, false);
      this.store.deleteSession(s.clientId);
    }
  }

  /** The connection of a session ended; `sendWill` false after a normal DISCONNECT. */
  detach(conn: Connection, sendWill: boolean): void {
    const s = conn.session;
    if (!s || s.conn !== conn) return;
    s.conn = null;
    // An offline session's queue only drops; it holds no publisher back.
    this.unblock(s);
    const will = sendWill ? s.will : null;
    s.will = null;
    if (will) {
      const delay = Math.min(will.delay, s.expiry);
      if (delay === 0) this.publishWill(will);
      else {
        s.will = will;
        s.willTimer = new Deadline(() => {
          s.willTimer = null;
          s.will = null;
          this.publishWill(will);
        }, delay * 1000);
      }
    }
    if (s.expiry === 0) {
      if (!s.willTimer) this.destroySession(s);
      else {
        // The will is still pending: keep the session (subscriptions off) until it goes.
        for (const f of s.subs.keys()) this.tree.remove(s.clientId, f);
        s.subs.clear();
        this.sessions.delete(s.clientId);
        this.sessionLimits.set(s.clientId, false);
        this.store.deleteSession(s.clientId);
      }
    } else {
      if (this.store.persistent) this.store.saveSession(s.clientId, s.expiry, Date.now());
      if (s.expiry !== NEVER) this.armExpiry(s, s.expiry * 1000);
    }
  }

  private armExpiry(s: Session, ms: number): void {
    s.expiryTimer = new Deadline(() => {
      s.expiryTimer = null;
      if (s.conn) return;
      if (s.willTimer) {
        s.willTimer.cancel();
        s.willTimer = null;
        if (s.will) this.publishWill(s.will);
        s.will = null;
      }
      this.destroySession(s);
    }, ms);
  }

  subscribe(s: Session, sub: Subscription): boolean {
    s.subs.set(sub.filter, sub);
    if (this.persisted(s)) this.store.saveSubscription(sub);
    return this.tree.add(sub);
  }

  /**
   * An incoming QoS 2 message was routed: its id is held until PUBREL. Stored in the routing's
   * transaction, committed before the PUBREC is written, so a resend after a restart is known.
   */
  holdQos2In(s: Session, pid: number): void {
    s.qos2In.add(pid);
    if (this.persisted(s)) this.store.addQos2In(s.clientId, pid);
  }

  /** PUBREL for pid: false when it was not held. */
  releaseQos2In(s: Session, pid: number): boolean {
    if (!s.qos2In.delete(pid)) return false;
    if (this.persisted(s)) this.store.removeQos2In(s.clientId, pid);
    return true;
  }

  unsubscribe(s: Session, filter: string): boolean {
    if (!s.subs.delete(filter)) return false;
    this.tree.remove(s.clientId, filter);
    if (this.persisted(s)) this.store.deleteSubscription(s.clientId, filter);
    return true;
  }

  // ---- routing

  private publishWill(w: Will): void {
    if (w.expiry > 0) w.msg.expiresAt = Date.now() + w.expiry * 1000;
    this.route(w.msg);
  }

  /** A message published by the broker itself ($SYS, $bench/events). */
  publishInternal(topic: string, payload: Buffer, retain: boolean): void {
    const msg: Message = { topic, topicBytes: Buffer.from(topic), payload, qos: 0, retain, props: null, expiresAt: 0, origin: '' };
    this.route(msg);
  }

  /** Stores a retained message and delivers to every matching subscription; returns how many. */
  route(msg: Message): number {
    if (msg.retain) {
      if (msg.payload.length === 0) {
        if (this.retained.delete(msg.topic) && this.store.persistent) this.store.clearRetained(msg.topic);
      } else {
        this.retained.set(msg.topic, msg);
        // $SYS is republished at start; the rest is written through.
        if (this.store.persistent && !msg.topic.startsWith('$SYS/')) this.store.setRetained(msg);
      }
    }
    let delivered = 0;
    let perClient: Map<string, Subscription[]> | null = null;
    let first: Subscription | null = null;
    this.tree.match(
      msg.topic,
      (sub) => {
        if (sub.noLocal && sub.clientId === msg.origin) return;
        if (first === null) {
          first = sub;
          return;
        }
        if (perClient === null) {
          perClient = new Map();
          perClient.set(first.clientId, [first]);
        }
        const list = perClient.get(sub.clientId);
        if (list) list.push(sub);
        else perClient.set(sub.clientId, [sub]);
      },
      (g) => {
        if (this.deliverShared(g, msg)) delivered++;
      },
    );
    if (perClient === null) {
      if (first !== null) {
        const f = first as Subscription;
        const s = this.sessions.get(f.clientId);
        if (s) {
          this.deliver(s, msg, f.qos, f.retainAsPublished, f.subscriptionId > 0 ? [f.subscriptionId] : null);
          delivered++;
        }
      }
      return delivered;
    }
    // Several subscriptions of one client match: one copy, the highest QoS, every identifier (MQTT-3.3.4-2, -3).
    for (const [clientId, subs] of perClient as Map<string, Subscription[]>) {
      const s = this.sessions.get(clientId);
      if (!s) continue;
      let qos = 0;
      let rap = false;
      let ids: number[] | null = null;
      for (const sub of subs) {
        if (sub.qos > qos) qos = sub.qos;
        if (sub.retainAsPublished) rap = true;
        if (sub.subscriptionId > 0) (ids ??= []).push(sub.subscriptionId);
      }
      this.deliver(s, msg, qos, rap, ids);
      delivered++;
    }
    return delivered;
  }

  /** Round-robin among the group's members, skipping offline and congested ones when another can take it. */
  private deliverShared(g: SharedGroup, msg: Message): boolean {
    const n = g.members.length;
    let fallback: Subscription | null = null;
    for (let k = 0; k < n; k++) {
      const i = (g.next + k) % n;
      const sub = g.members[i];
      const s = this.sessions.get(sub.clientId);
      if (!s) continue;
      if (s.conn && !s.conn.congested()) {
        g.next = (i + 1) % n;
        this.deliver(s, msg, sub.qos, false, sub.subscriptionId > 0 ? [sub.subscriptionId] : null);
        return true;
      }
      fallback ??= sub;
    }
    if (fallback) {
      const s = this.sessions.get(fallback.clientId)!;
      g.next = (g.members.indexOf(fallback) + 1) % n;
      this.deliver(s, msg, fallback.qos, false, fallback.subscriptionId > 0 ? [fallback.subscriptionId] : null);
      return true;
    }
    return false;
  }

  /** Deliveries a full queue dropped, counted while a client's PUBLISH is routed (reset before it). */
  quotaDrops = 0;

  deliver(s: Session, msg: Message, subQos: number, retainAsPublished: boolean, subIds: number[] | null, retainFlag?: boolean): void {
    // An ACL deny rule inside a granted tree: the subscription stands, the denied topic is not delivered.
    if (this.acl !== null && this.acl.denies(s.user, s.clientId, msg.topic)) return;
    const qos = msg.qos < subQos ? msg.qos : subQos;
    const conn = s.conn;
    // Retain flag: 1 for retained messages sent on subscribe, else as published only with retain-as-published (v5).
    const retain = retainFlag ?? (retainAsPublished && msg.retain && conn !== null && conn.version === 5);
    if (qos === 0) {
      if (conn === null || !conn.connected || conn.congested()) {
        this.drop(s.clientId, conn === null || !conn.connected ? 'qos0-offline' : 'qos0-congested', msg.topic);
        return;
      }
      conn.sendPublish(msg, 0, retain, 0, false, subIds);
      return;
    }
    const out: Outgoing = { msg, qos, retain, subIds, pid: 0, state: 0 };
    if (conn !== null && conn.connected && s.queue.length === 0 && s.inflight.size < conn.window()) {
      this.startInflight(s, conn, out);
      return;
    }
    if (s.queue.length >= this.opts.maxQueued) {
      this.quotaDrops++;
      this.drop(s.clientId, 'queue-full', msg.topic);
      return;
    }
    if (this.persisted(s)) out.sid = this.store.addMessage(s.clientId, out);
    s.queue.push(out);
    // Back-pressure: a publisher filling an online client's queue past half waits for it.
    const from = this.publishing;
    if (conn !== null && from !== null && from !== conn && s.queue.length >= this.opts.maxQueued >> 1) {
      const set = (s.blocked ??= new Set());
      if (!set.has(from)) {
        set.add(from);
        from.pause();
      }
    }
  }

  private allocPid(s: Session): number {
    for (let k = 0; k < 65535; k++) {
      const pid = s.nextPid;
      s.nextPid = pid === 65535 ? 1 : pid + 1;
      if (!s.inflight.has(pid)) return pid;
    }
    return 0;
  }

  private startInflight(s: Session, conn: Connection, out: Outgoing): void {
    const pid = this.allocPid(s);
    if (pid === 0) {
      this.drop(s.clientId, 'no-packet-id', out.msg.topic);
      this.unstore(out);
      return;
    }
    out.pid = pid;
    s.inflight.set(pid, out);
    if (out.sid) this.store.updateMessage(out.sid, pid, 0);
    else if (this.persisted(s)) out.sid = this.store.addMessage(s.clientId, out);
    if (!conn.sendPublish(out.msg, out.qos, out.retain, pid, false, out.subIds)) {
      s.inflight.delete(pid);
      this.unstore(out);
    }
  }

  /** A stored outgoing message is done with (acknowledged, expired or dropped). */
  unstore(out: Outgoing): void {
    if (out.sid) {
      this.store.removeMessage(out.sid);
      out.sid = 0;
    }
  }

  /** Resumes the publishers this session held back. */
  unblock(s: Session): void {
    if (s.blocked === null) return;
    const list = s.blocked;
    s.blocked = null;
    for (const c of list) c.resume();
  }

  /** Sends queued messages while the client's window has room. */
  drain(s: Session): void {
    const conn = s.conn;
    if (!conn || !conn.connected) return;
    const now = Date.now();
    const window = conn.window();
    let i = 0;
    while (i < s.queue.length && s.inflight.size < window) {
      const out = s.queue[i++];
      if (out.msg.expiresAt !== 0 && out.msg.expiresAt <= now) { // MQTT-3.3.2-5: expired, not sent
        this.drop(s.clientId, 'expired', out.msg.topic);
        this.unstore(out);
        continue;
      }
      this.startInflight(s, conn, out);
    }
    if (i > 0) s.queue.splice(0, i);
    if (s.blocked !== null && s.queue.length < this.opts.maxQueued >> 2) this.unblock(s);
  }

  /** After reconnecting to a session: unacknowledged PUBLISH again with DUP, PUBREL again, then the queue (MQTT-4.4.0-1). */
  resume(s: Session, conn: Connection): void {
    for (const out of s.inflight.values()) {
      if (out.state === 0) conn.sendPublish(out.msg, out.qos, out.retain, out.pid, true, out.subIds);
      else conn.sendAck(PacketType.Pubrel, out.pid, 0);
    }
    this.drain(s);
  }

  ack(s: Session, type: number, pid: number): boolean {
    const out = s.inflight.get(pid);
    if (!out) return false;
    if (type === PacketType.Puback) {
      if (out.qos !== 1) return false;
      s.inflight.delete(pid);
      this.unstore(out);
    } else if (type === PacketType.Pubrec) {
      if (out.qos !== 2) return false;
      out.state = 1;
      if (out.sid) this.store.updateMessage(out.sid, pid, 1);
      return true;
    } else if (type === PacketType.Pubcomp) {
      if (out.state !== 1) return false;
      s.inflight.delete(pid);
      this.unstore(out);
    }
    if (s.queue.length > 0) this.drain(s);
    return true;
  }

  /** Retained messages for a new subscription. */
  sendRetained(s: Session, sub: Subscription, filter: string): void {
    if (this.retained.size === 0) return;
    const now = Date.now();
    for (const [topic, msg] of this.retained) {
      if (msg.expiresAt !== 0 && msg.expiresAt <= now) {
        this.retained.delete(topic);
        if (this.store.persistent) this.store.clearRetained(topic);
        continue;
      }
      if (topicMatches(filter, topic)) this.deliver(s, msg, sub.qos, true, sub.subscriptionId > 0 ? [sub.subscriptionId] : null, true);
    }
  }

  /** PUBLISH from a client, after ACL checks: $bench control or routing. Returns matches (-1 refused). */
  publishFrom(conn: Connection, msg: Message): number {
    if (msg.topic.startsWith('$bench/')) {
      if (msg.topic.startsWith('$bench/fault/') && this.isBenchClient(conn)) {
        this.control(conn, msg.topic, msg.payload);
        return 1;
      }
      // The integration suite reports each device's results here; anyone may read them.
      if (msg.topic.startsWith('$bench/results/')) return this.route(msg);
      return -1;
    }
    if (msg.topic.startsWith('$SYS/')) return -1;
    return this.route(msg);
  }

  // ---- $SYS

  publishSys(): void {
    const st = this.stats;
    st.sessions = this.sessions.size;
    st.subscriptions = this.tree.count;
    st.retained = this.retained.size;
    const entries = sysEntries(st, { uptime: Math.floor((Date.now() - this.startedAt) / 1000), maxConnections: this.opts.maxConnections, persistent: this.sessionLimits.count });
    for (const [k, v] of entries) this.publishInternal(`$SYS/broker/${k}`, Buffer.from(v), true);
  }

  /** Fills an outgoing record's properties from a message (v5). */
  static setMessageProps(p: Packet, msg: Message, now: number, subIds: number[] | null): void {
    const props = p.props;
    const mp = msg.props;
    if (mp) {
      if (mp.payloadFormat >= 0) props.setNumber(PropertyId.PayloadFormatIndicator, mp.payloadFormat);
      if (mp.contentType) props.setBytes(PropertyId.ContentType, mp.contentType, 0, mp.contentType.length);
      if (mp.responseTopic) props.setBytes(PropertyId.ResponseTopic, mp.responseTopic, 0, mp.responseTopic.length);
      if (mp.correlationData) props.setBytes(PropertyId.CorrelationData, mp.correlationData, 0, mp.correlationData.length);
      for (let i = 0; i < mp.user.length; i += 2) props.addUserProperty(mp.user[i], 0, mp.user[i].length, mp.user[i + 1], 0, mp.user[i + 1].length);
    }
    if (msg.expiresAt !== 0) {
      // MQTT-3.3.2-6: the interval sent is what is left of it.
      props.setNumber(PropertyId.MessageExpiryInterval, Math.max(0, Math.ceil((msg.expiresAt - now) / 1000)));
    }
    if (subIds) for (const id of subIds) props.addSubscriptionId(id);
  }
}

/** One client connection: framing, CONNECT, the packet handlers and the write path. */
export class Connection {
  clientId = '';
  user: string | null = null;
  version = 4;
  connected = false;
  closed = false;
  takenOver = false;
  dirty = false;
  session: Session | null = null;
  framer: Framer;
  keepAlive = 0;
  /** The keep alive differs from the client's: CONNACK carries it as Server Keep Alive. */
  keepAliveImposed = false;
  /** When the last complete packet came (MQTT-3.1.2-22 counts control packets, not bytes). */
  lastIn = Date.now();
  /** Bytes received in all. */
  bytesIn = 0;
  /** When the current chunk of bytes arrived (one clock read per chunk, not per packet). */
  private chunkAt = 0;
  /** When the packet now partly received began (0: none), and bytesIn then. */
  partialSince = 0;
  partialBytes = 0;
  readonly acceptedAt = Date.now();
  packetsIn = 0;
  // Limits the client declared (v5 CONNECT).
  clientReceiveMax = 65535;
  clientMaxPacket = MAX_PACKET;
  clientAliasMax = 0;
  problemInfo = true;
  aliasOut: Map<string, number> | null = null;
  aliasIn: Map<number, string> | null = null;
  private out = Buffer.allocUnsafe(OUT_MIN);
  private outPos = 0;
  private throttleQueue: Buffer[] = [];
  private throttleBytes = 0;
  private throttleTimer: NodeJS.Timeout | null = null;
  private throttleBps = 0;
  private closeAfter: Fault | null = null;
  private closeAfterCount = 0;
  private sessionExpiryFromConnect = 0;

  constructor(readonly broker: Broker, readonly stream: Duplex, readonly label: string, readonly address = '') {
    this.framer = new Framer(FRAMER_SIZE, null, broker.records.decode);
    // Before CONNECT only a CONNECT-sized packet is buffered.
    this.framer.maxPacketSize = Math.min(broker.opts.maxConnectSize, broker.opts.maxPacketSize);
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', () => this.onClosed());
    stream.on('close', () => this.onClosed());
    stream.on('end', () => this.onClosed());
  }

  // ---- input

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.broker.stats.bytesReceived += chunk.length;
    this.bytesIn += chunk.length;
    this.chunkAt = Date.now();
    try {
      this.take(chunk);
    } catch (e) {
      // A bug, or an allocation failing, on one client's bytes ends that connection only, never the broker.
      this.broker.publishing = null;
      this.broker.log(`${this.clientId}: internal error: ${e instanceof Error ? e.stack : String(e)}`);
      this.close(ReasonCode.ImplementationSpecificError, 'internal error', true);
      return;
    }
    if (this.closed) return;
    const f = this.framer;
    if (f.fill === f.start) this.partialSince = 0;
    else if (this.partialSince === 0) {
      this.partialSince = this.chunkAt;
      this.partialBytes = this.bytesIn;
    }
  }

  private take(chunk: Buffer): void {
    const b = this.broker;
    let off = 0;
    while (off < chunk.length) {
      let f = this.framer;
      const space = f.space();
      const n = Math.min(space, chunk.length - off);
      f.buf.set(n === chunk.length && off === 0 ? chunk : chunk.subarray(off, off + n), f.fill);
      f.commit(n);
      off += n;
      // MQTT-3.1.0-1: the first packet is CONNECT; anything else ends the connection at its first byte.
      if (!this.connected && f.buf[f.start] >> 4 !== PacketType.Connect) {
        b.note(this.clientId, 'REFUSE', 'before-connect', `first byte 0x${f.buf[f.start].toString(16)}`);
        this.close(-1, '', true);
        return;
      }
      for (;;) {
        f = this.framer;
        b.records.in.type = 0;
        const r = f.next(b.records.in);
        if (r === 0) break;
        if (r < 0) {
          if (r === -ReasonCode.PacketTooLarge) {
            const g = this.grow();
            if (g > 0) continue;
            if (g === 0) break;
          }
          this.protocolError(-r);
          return;
        }
        try {
          this.handle(b.records.in);
        } catch (e) {
          // A bug met by one client's packet ends that connection only, never the broker.
          b.publishing = null;
          b.log(`${this.clientId}: internal error: ${e instanceof Error ? e.stack : String(e)}`);
          this.close(ReasonCode.ImplementationSpecificError, 'internal error', true);
        }
        if (this.closed) return;
      }
      // Back to a small buffer once a large packet has gone through.
      if (this.framer.buf.length > FRAMER_SIZE && this.framer.fill === this.framer.start) this.replaceFramer(FRAMER_SIZE);
    }
  }

  /**
   * The packet at the framer's head is larger than its buffer but allowed: 1 when the buffer
   * grew (try again), 0 when it has room for more bytes first (the buffer grows only as bytes
   * come, never to a size a header merely claims), -1 when the packet is too large.
   */
  private grow(): number {
    const f = this.framer;
    const remaining = readVarint(f.buf, f.start + 1, f.fill);
    if (remaining < 0) return -1;
    const total = 1 + varintSize(remaining) + remaining;
    if (total > f.maxPacketSize || total <= f.buf.length) return -1;
    if (f.fill < f.buf.length) return 0;
    this.replaceFramer(Math.min(total, f.buf.length * 2));
    return 1;
  }

  private replaceFramer(size: number): void {
    const old = this.framer;
    const f = new Framer(size, null, this.broker.records.decode);
    f.maxPacketSize = old.maxPacketSize;
    f.version = old.version;
    f.buf.set(old.buf.subarray(old.start, old.fill), 0);
    f.commit(old.fill - old.start);
    this.framer = f;
  }

  private trace(dir: 'in' | 'out', p: Packet, topic?: string): void {
    const t = this.broker.onTrace;
    if (!t) return;
    const rec = traceRecord(this.clientId, dir, p, topic);
    t(traceLine(rec), rec);
  }

  private handle(p: Packet): void {
    this.packetsIn++;
    this.lastIn = this.chunkAt;
    const b = this.broker;
    b.stats.messagesReceived++;
    if (!this.connected) {
      if (p.type !== PacketType.Connect) {
        // MQTT-3.1.0-1: the first packet is CONNECT.
        this.trace('in', p);
        this.close(ReasonCode.ProtocolError, 'expected CONNECT', true);
        return;
      }
      this.onConnect(p);
      return;
    }
    if (p.type !== PacketType.Publish) this.trace('in', p);
    if (this.closeAfter !== null && this.packetsIn >= this.closeAfterCount) {
      const f = this.closeAfter;
      this.closeAfter = null;
      b.fired(f, this.clientId, `closed the connection after ${f.after} packets`);
      this.close(ReasonCode.AdministrativeAction, 'fault injection', true);
      return;
    }
    const s = this.session!;
    switch (p.type) {
      case PacketType.Publish:
        b.publishing = this;
        this.onPublish(p);
        b.publishing = null;
        return;
      case PacketType.Puback:
      case PacketType.Pubcomp:
        b.ack(s, p.type, p.packetId);
        return;
      case PacketType.Pubrec:
        if (p.reasonCode >= 0x80) {
          // A refused QoS 2 message ends its exchange (MQTT 5 section 4.3.3).
          const out = s.inflight.get(p.packetId);
          if (out) b.unstore(out);
          s.inflight.delete(p.packetId);
          b.drain(s);
          return;
        }
        if (b.ack(s, p.type, p.packetId)) this.sendAck(PacketType.Pubrel, p.packetId, 0);
        else this.sendAck(PacketType.Pubrel, p.packetId, ReasonCode.PacketIdentifierNotFound);
        return;
      case PacketType.Pubrel: {
        const known = b.releaseQos2In(s, p.packetId);
        this.sendAck(PacketType.Pubcomp, p.packetId, known ? 0 : ReasonCode.PacketIdentifierNotFound);
        return;
      }
      case PacketType.Subscribe:
        this.onSubscribe(p);
        return;
      case PacketType.Unsubscribe:
        this.onUnsubscribe(p);
        return;
      case PacketType.Pingreq: {
        const f = b.faults.take('nopong', this.clientId);
        if (f) {
          b.fired(f, this.clientId, 'PINGREQ not answered');
          return;
        }
        const o = b.records.outFor(PacketType.Pingresp, this.version);
        this.send(o);
        return;
      }
      case PacketType.Disconnect:
        this.onDisconnect(p);
        return;
      case PacketType.Auth:
        this.close(ReasonCode.ProtocolError, 'AUTH is not supported', true);
        return;
      default:
        this.close(ReasonCode.ProtocolError, 'unexpected packet', true);
    }
  }

  private protocolError(code: number): void {
    const b = this.broker;
    if (!this.connected) {
      // records.in.type was cleared before framing: it is CONNECT only when the body was decoded.
      const p = b.records.in;
      if (code === ReasonCode.PacketTooLarge) b.note(this.clientId, 'REFUSE', 'before-connect', 'CONNECT larger than maxConnectSize');
      // A v5 CONNECT that failed to decode is answered with a CONNACK carrying the reason (MQTT 5 section 3.1.4).
      if (code === ReasonCode.UnsupportedProtocolVersion) {
        this.version = 4;
        this.sendConnack(ReasonCode.UnsupportedProtocolVersion, false);
      } else if (p.type === PacketType.Connect && p.version === 5) {
        this.version = 5;
        this.sendConnack(code, false);
      }
      this.close(-1, '', true);
      return;
    }
    const f = this.framer;
    // MQTT-3.1.0-2: a second CONNECT is a protocol error, even one that does not decode.
    if (f.buf[f.start] >> 4 === PacketType.Connect || !isReasonCodeFor(code, PacketType.Disconnect)) code = ReasonCode.ProtocolError;
    if (code === ReasonCode.QuotaExceeded) b.note(this.clientId, 'REFUSE', 'filters', `more than ${b.opts.maxFiltersPerPacket} filters`);
    b.log(`${this.clientId}: bad packet, reason 0x${code.toString(16)}`);
    this.close(code, code === ReasonCode.QuotaExceeded ? 'too many topic filters' : code === ReasonCode.PacketTooLarge ? 'packet too large' : 'malformed packet', true);
  }

  // ---- CONNECT

  private sendConnack(code: number, present: boolean, assigned?: string): void {
    this.send(this.connack(code, present, assigned));
  }

  private connack(code: number, present: boolean, assigned?: string): Packet {
    const o = this.broker.records.outFor(PacketType.Connack, this.version);
    o.reasonCode = code;
    o.sessionPresent = present;
    if (this.version === 5 && code === 0) {
      const opts = this.broker.opts;
      if (opts.receiveMaximum < 65535) o.props.setNumber(PropertyId.ReceiveMaximum, opts.receiveMaximum);
      if (opts.maxPacketSize < MAX_PACKET) o.props.setNumber(PropertyId.MaximumPacketSize, opts.maxPacketSize);
      if (opts.topicAliasMaximum > 0) o.props.setNumber(PropertyId.TopicAliasMaximum, opts.topicAliasMaximum);
      if (this.keepAliveImposed) o.props.setNumber(PropertyId.ServerKeepAlive, this.keepAlive);
      if (this.sessionExpiryFromConnect > opts.maxSessionExpiry) o.props.setNumber(PropertyId.SessionExpiryInterval, opts.maxSessionExpiry);
      if (assigned !== undefined) {
        const a = Buffer.from(assigned);
        o.props.setBytes(PropertyId.AssignedClientIdentifier, a, 0, a.length);
      }
    }
    return o;
  }

  private refuse(code: number): void {
    this.sendConnack(code, false);
    this.close(-1, '', true);
  }

  private onConnect(p: Packet): void {
    const b = this.broker;
    this.version = p.version;
    this.framer.version = p.version;
    let clientId = str(p.clientId, p.clientIdOff, p.clientIdLen);
    this.clientId = clientId;
    const v5 = p.version === 5;
    let assigned: string | undefined;
    if (clientId === '') {
      // MQTT-3.1.3-6 / -7 (5.0: any clean start), 3.1.1 MQTT-3.1.3-8: a 3.1.1 persistent session needs an id.
      if (!v5 && (!p.cleanStart || p.version === 3)) {
        this.trace('in', p);
        return this.refuse(ReasonCode.ClientIdentifierNotValid);
      }
      clientId = 'xsmqtt-' + randomBytes(8).toString('hex');
      this.clientId = clientId;
      if (v5) assigned = clientId;
    }
    // Traced under the id the connection will have (an assigned one included).
    this.trace('in', p);
    if (b.connections.size > b.opts.maxConnections) {
      b.note(clientId, 'REFUSE', 'connections', `${b.opts.maxConnections} connections open`);
      return this.refuse(ReasonCode.ServerBusy);
    }
    // MQTT 5 section 3.1.2.11.10: Authentication Data without an Authentication Method is a protocol error.
    if (v5 && p.props.has(PropertyId.AuthenticationData) && !p.props.has(PropertyId.AuthenticationMethod)) return this.refuse(ReasonCode.ProtocolError);
    if (v5 && p.willFlag && wildcardResponseTopic(p.willProps!)) return this.refuse(ReasonCode.ProtocolError);
    if (v5 && p.props.has(PropertyId.AuthenticationMethod)) return this.refuse(ReasonCode.BadAuthenticationMethod);
    // Authentication.
    const user = p.usernameLen >= 0 ? str(p.username, p.usernameOff, p.usernameLen) : null;
    this.user = user;
    if (b.passwords) {
      if (user === null) {
        if (!b.opts.allowAnonymous) return this.refuse(ReasonCode.NotAuthorized);
      } else {
        const pass = p.passwordLen >= 0 ? str(p.password, p.passwordOff, p.passwordLen) : '';
        if (!b.passwords.check(user, pass)) return this.refuse(ReasonCode.BadUserNameOrPassword);
      }
    } else if (!b.opts.allowAnonymous && user === null) return this.refuse(ReasonCode.NotAuthorized);
    const refuse = b.faults.take('refuse', clientId);
    if (refuse) {
      b.fired(refuse, clientId, `CONNECT refused with 0x${refuse.reason.toString(16)}`);
      return this.refuse(refuse.reason);
    }
    // Limits the client asks for (v5).
    let expiry = p.cleanStart ? 0 : NEVER;
    if (v5) {
      const pr = p.props;
      expiry = pr.has(PropertyId.SessionExpiryInterval) ? pr.get(PropertyId.SessionExpiryInterval) : 0;
      this.sessionExpiryFromConnect = expiry;
      if (expiry > b.opts.maxSessionExpiry) expiry = b.opts.maxSessionExpiry;
      if (pr.has(PropertyId.ReceiveMaximum)) this.clientReceiveMax = pr.get(PropertyId.ReceiveMaximum);
      if (pr.has(PropertyId.MaximumPacketSize)) this.clientMaxPacket = pr.get(PropertyId.MaximumPacketSize);
      if (pr.has(PropertyId.TopicAliasMaximum)) this.clientAliasMax = pr.get(PropertyId.TopicAliasMaximum);
      if (pr.has(PropertyId.RequestProblemInformation)) this.problemInfo = pr.get(PropertyId.RequestProblemInformation) !== 0;
    }
    this.keepAlive = p.keepAlive;
    const cap = b.opts.maxKeepAlive;
    if (v5 && b.opts.serverKeepAlive > 0) this.keepAlive = b.opts.serverKeepAlive;
    else if (cap > 0 && (p.keepAlive === 0 || p.keepAlive > cap)) {
      // 3.1.1 has no Server Keep Alive to say it with (mosquitto answers the same).
      if (!v5) {
        b.note(clientId, 'REFUSE', 'keep-alive', `keep alive ${p.keepAlive} s over the cap of ${cap} s`);
        return this.refuse(ReasonCode.ClientIdentifierNotValid);
      }
      this.keepAlive = cap;
    }
    this.keepAliveImposed = v5 && this.keepAlive !== p.keepAlive;
    if (v5 && this.clientMaxPacket < MAX_PACKET) {
      const n = encodeServerPacket(this.connack(0, false, assigned), CONNACK_SCRATCH, 0);
      if (n < 0 || n > this.clientMaxPacket) {
        // MQTT-3.1.2-25: not even a CONNACK fits the client's Maximum Packet Size; nothing can be said, so the connection ends.
        b.note(clientId, 'REFUSE', 'connack-too-large', `Maximum Packet Size ${this.clientMaxPacket}, CONNACK ${n} bytes`);
        this.close(-1, '', false);
        return;
      }
    }
    let will: Will | null = null;
    if (p.willFlag && v5 && p.willProps!.userSeen > b.opts.maxUserProperties) {
      b.note(clientId, 'REFUSE', 'user-properties', `will with ${p.willProps!.userSeen} user properties`);
      return this.refuse(ReasonCode.QuotaExceeded);
    }
    const over = b.sessionRefusal(clientId, expiry);
    if (over !== null) {
      b.note(clientId, 'REFUSE', over === 'total' ? 'session-total' : 'session-quota', over);
      return this.refuse(ReasonCode.QuotaExceeded);
    }
    if (p.willFlag) {
      const topic = str(p.willTopic, p.willTopicOff, p.willTopicLen);
      if (b.acl && !b.acl.canPublish(user, clientId, topic)) return this.refuse(ReasonCode.NotAuthorized);
      const wp = p.willProps!;
      const exp = v5 && wp.has(PropertyId.MessageExpiryInterval) ? wp.get(PropertyId.MessageExpiryInterval) : 0;
      will = {
        msg: {
          topic, topicBytes: copy(p.willTopic, p.willTopicOff, p.willTopicLen), payload: copy(p.willPayload, p.willPayloadOff, p.willPayloadLen),
          qos: p.willQos, retain: p.willRetain, props: v5 ? messageProps(wp) : null, expiresAt: 0, origin: clientId,
        },
        delay: v5 && wp.has(PropertyId.WillDelayInterval) ? wp.get(PropertyId.WillDelayInterval) : 0,
        expiry: exp,
      };
    }
    const present = b.attach(this, p.cleanStart, expiry, will);
    this.connected = true;
    this.framer.maxPacketSize = b.opts.maxPacketSize;
    b.stats.connected++;
    const close = b.faults.take('close', clientId);
    if (close && close.after > 0) this.armClose(close);
    else if (close) {
      // A close rule with after=0 found at CONNECT: accept, then close at once.
      this.sendConnack(0, present, assigned);
      b.fired(close, clientId, 'closed the connection on connect');
      this.close(ReasonCode.AdministrativeAction, 'fault injection', true);
      return;
    }
    const thr = b.faults.peek('throttle', clientId);
    if (thr) this.throttle(thr);
    this.sendConnack(0, present, assigned);
    b.log(`${clientId} connected (v${this.version}, ${this.label}${present ? ', session resumed' : ''})`);
    if (present) b.resume(this.session!, this);
  }

  /** How many sessions hold this publisher back; reading stops while any does. */
  pauses = 0;

  pause(): void {
    if (this.pauses++ === 0) this.stream.pause();
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0 && !this.closed) this.stream.resume();
  }

  /** The `close` fault with after=N: close once N more packets have come from the client. */
  armClose(f: Fault): void {
    this.closeAfter = f;
    this.closeAfterCount = this.packetsIn + f.after;
  }

  /** The `throttle` fault: writes to this client at most f.bps bytes a second from now on. */
  throttle(f: Fault): void {
    this.throttleBps = f.bps;
    this.broker.fired(f, this.clientId, `throttled to ${f.bps} B/s`);
  }

  // ---- PUBLISH in

  private onPublish(p: Packet): void {
    const b = this.broker;
    const s = this.session!;
    b.stats.publishReceived++;
    let topic: string;
    // MQTT-3.3.4-6: a client does not send subscription identifiers.
    if (this.version === 5 && p.props.subIdCount > 0) {
      this.trace('in', p);
      this.close(ReasonCode.ProtocolError, 'subscription identifier in PUBLISH', true);
      return;
    }
    if (this.version === 5 && wildcardResponseTopic(p.props)) {
      this.trace('in', p);
      this.close(ReasonCode.ProtocolError, 'wildcard in the Response Topic', true);
      return;
    }
    if (this.version === 5 && p.props.has(PropertyId.TopicAlias)) {
      const alias = p.props.get(PropertyId.TopicAlias);
      // MQTT-3.3.2-9, -10: within our Topic Alias Maximum.
      if (alias > b.opts.topicAliasMaximum) {
        this.trace('in', p);
        this.close(ReasonCode.TopicAliasInvalid, 'topic alias out of range', true);
        return;
      }
      this.aliasIn ??= new Map();
      if (p.topicLen > 0) {
        topic = str(p.topic, p.topicOff, p.topicLen);
        this.aliasIn.set(alias, topic);
      } else {
        const t = this.aliasIn.get(alias);
        if (t === undefined) {
          this.trace('in', p);
          this.close(ReasonCode.ProtocolError, 'unknown topic alias', true);
          return;
        }
        topic = t;
      }
    } else {
      topic = str(p.topic, p.topicOff, p.topicLen);
    }
    this.trace('in', p, topic);
    const qos = p.qos;
    const pid = p.packetId;
    if (qos === 2) {
      if (s.qos2In.has(pid)) {
        // MQTT-4.3.3-10 (5.0) / 4.3.3 method B: a resent QoS 2 PUBLISH is not delivered again.
        this.sendAck(PacketType.Pubrec, pid, 0);
        return;
      }
      // MQTT-3.3.4-7: more unreleased QoS 2 messages than our Receive Maximum.
      if (s.qos2In.size >= b.opts.receiveMaximum) {
        this.close(ReasonCode.ReceiveMaximumExceeded, 'receive maximum exceeded', true);
        return;
      }
    }
    let code = 0;
    if (b.acl && !b.acl.canPublish(this.user, this.clientId, topic)) code = ReasonCode.NotAuthorized;
    else if (this.version === 5 && p.props.userSeen > b.opts.maxUserProperties) {
      // More user properties than maxUserProperties: refused whole, never forwarded cut.
      code = ReasonCode.QuotaExceeded;
      b.note(this.clientId, 'REFUSE', 'user-properties', `${p.props.userSeen} user properties t=${topic}`);
    } else {
      const props = this.version === 5 ? p.props : null;
      const exp = props && props.has(PropertyId.MessageExpiryInterval) ? props.get(PropertyId.MessageExpiryInterval) : 0;
      const payload = Buffer.allocUnsafe(p.payloadLen);
      payload.set(p.payload.subarray(p.payloadOff, p.payloadOff + p.payloadLen));
      const msg: Message = {
        topic, topicBytes: p.topicLen > 0 ? copy(p.topic, p.topicOff, p.topicLen) : Buffer.from(topic), payload, qos, retain: p.retain,
        props: props ? messageProps(props) : null, expiresAt: exp > 0 ? Date.now() + exp * 1000 : 0, origin: this.clientId,
      };
      b.quotaDrops = 0;
      const n = b.publishFrom(this, msg);
      if (n < 0) code = ReasonCode.NotAuthorized;
      else if (n === 0 && this.version === 5) code = ReasonCode.NoMatchingSubscribers;
      // Every matching subscriber's queue was full: nobody will get it (README.md, Limits).
      else if (n > 0 && b.quotaDrops === n && !msg.retain) code = ReasonCode.QuotaExceeded;
    }
    if (code === ReasonCode.NotAuthorized) b.log(`${this.clientId}: PUBLISH to ${topic} refused`);
    if (qos === 1) this.sendAck(PacketType.Puback, pid, code);
    else if (qos === 2) {
      if (code < 0x80) b.holdQos2In(s, pid);
      this.sendAck(PacketType.Pubrec, pid, code);
    }
  }

  // ---- SUBSCRIBE, UNSUBSCRIBE

  private onSubscribe(p: Packet): void {
    const b = this.broker;
    const s = this.session!;
    const v5 = this.version === 5;
    const subId = v5 && p.props.subIdCount > 0 ? p.props.subscriptionId(0) : 0;
    const codes: number[] = [];
    const retainedFor: [Subscription, string][] = [];
    let refusal = '';
    for (let i = 0; i < p.count; i++) {
      const filter = str(p.filter[i], p.filterOffset(i), p.filterLength(i));
      const opt = p.options[i];
      const qos = opt & 3;
      const shared = filter.startsWith('$share/');
      const plain = shared ? filter.slice(filter.indexOf('/', 7) + 1) : filter;
      if (b.acl && !b.acl.canSubscribe(this.user, this.clientId, plain)) {
        codes.push(v5 ? b.opts.subscribeDeniedCode : 0x80);
        refusal = 'not authorised by the ACL';
        continue;
      }
      // A new filter past the per-client limit; replacing an existing subscription is always allowed.
      const max = b.opts.maxSubscriptionsPerClient;
      if (s.subs.size >= max && !s.subs.has(filter)) {
        codes.push(v5 ? ReasonCode.QuotaExceeded : 0x80);
        refusal = 'too many subscriptions';
        b.note(this.clientId, 'REFUSE', 'subscriptions', `${max} subscriptions held, f=${filter}`);
        continue;
      }
      const sub: Subscription = {
        clientId: this.clientId, filter, qos, noLocal: v5 && (opt & 4) !== 0, retainAsPublished: v5 && (opt & 8) !== 0,
        retainHandling: v5 ? (opt >> 4) & 3 : 0, subscriptionId: subId, share: shared ? filter.slice(7, filter.indexOf('/', 7)) : '',
      };
      const existed = b.subscribe(s, sub);
      codes.push(qos);
      // MQTT-3.3.1-9..-11: retain handling 0 always, 1 for a new subscription, 2 never; none for shared (MQTT-3.8.4-4... 4.8.2).
      if (!shared && (sub.retainHandling === 0 || (sub.retainHandling === 1 && !existed))) retainedFor.push([sub, plain]);
    }
    const o = b.records.outFor(PacketType.Suback, this.version, codes.length);
    o.packetId = p.packetId;
    for (const c of codes) o.addCode(c);
    if (v5 && this.problemInfo && refusal !== '') this.reason(o, refusal);
    this.sendControl(o, 'suback');
    for (const [sub, filter] of retainedFor) b.sendRetained(s, sub, filter);
  }

  private onUnsubscribe(p: Packet): void {
    const b = this.broker;
    const s = this.session!;
    const codes: number[] = [];
    for (let i = 0; i < p.count; i++) {
      const filter = str(p.filter[i], p.filterOffset(i), p.filterLength(i));
      codes.push(b.unsubscribe(s, filter) ? 0 : ReasonCode.NoSubscriptionExisted);
    }
    const o = b.records.outFor(PacketType.Unsuback, this.version, codes.length);
    o.packetId = p.packetId;
    for (const c of codes) o.addCode(c);
    this.sendControl(o, 'unsuback');
  }

  private onDisconnect(p: Packet): void {
    const s = this.session!;
    if (this.version === 5 && p.props.has(PropertyId.SessionExpiryInterval)) {
      const e = p.props.get(PropertyId.SessionExpiryInterval);
      // MQTT-3.14.2-2: not from zero to non-zero.
      if (s.expiry === 0 && e !== 0) {
        this.close(ReasonCode.ProtocolError, 'session expiry cannot be set after a zero one', true);
        return;
      }
      this.broker.setExpiry(s, Math.min(e, this.broker.opts.maxSessionExpiry));
    }
    // MQTT-3.14.4-3: a normal DISCONNECT discards the will; 0x04 asks for it.
    const sendWill = this.version === 5 && p.reasonCode === ReasonCode.DisconnectWithWillMessage;
    this.flush();
    this.finish(sendWill);
    this.stream.end();
  }

  // ---- output

  /** Capacity of the outgoing QoS 1/2 window. */
  window(): number {
    const m = this.broker.opts.maxInflight;
    return this.clientReceiveMax < m ? this.clientReceiveMax : m;
  }

  congested(): boolean {
    return this.closed || this.stream.writableLength + this.outPos + this.throttleBytes > this.broker.opts.highWaterMark;
  }

  private reason(o: Packet, text: string): void {
    const r = Buffer.from(text);
    o.props.setBytes(PropertyId.ReasonString, r, 0, r.length);
  }

  /** Encodes into the output buffer; false when the packet exceeds the client's maximum packet size. */
  send(o: Packet, topic?: string): boolean {
    if (this.closed) return false;
    let at = this.outPos;
    let n = encodeServerPacket(o, this.out, at);
    if (n === -ReasonCode.PacketTooLarge) {
      // Full: write what is there, and give a busy connection a bigger buffer.
      if (at > 0) {
        this.flush();
        at = 0;
        if (this.out.length < OUT_MAX) this.out = Buffer.allocUnsafe(this.out.length * 2);
        n = encodeServerPacket(o, this.out, 0);
      }
      // One packet larger than the buffer: a buffer its size, dropped after the flush.
      let size = this.out.length;
      while (n === -ReasonCode.PacketTooLarge && size < MAX_PACKET * 2) {
        size *= 4;
        this.out = Buffer.allocUnsafe(size);
        n = encodeServerPacket(o, this.out, 0);
      }
    }
    if (n < 0) {
      this.broker.log(`${this.clientId}: cannot encode ${o.type}: reason 0x${(-n).toString(16)}`);
      return false;
    }
    // MQTT-3.1.2-25: nothing larger than the client's Maximum Packet Size is sent.
    if (n > this.clientMaxPacket) {
      this.broker.drop(this.clientId, 'too-large', topic ?? `(${o.type === PacketType.Publish ? 'alias' : 'packet type ' + o.type})`);
      return false;
    }
    this.outPos = at + n;
    this.broker.stats.messagesSent++;
    if (this.broker.onTrace) this.trace('out', o, topic);
    if (this.outPos >= OUT_MAX / 2) this.flush();
    else this.broker.markDirty(this);
    return true;
  }

  flush(): void {
    if (this.outPos === 0 || this.closed) {
      this.outPos = 0;
      return;
    }
    // An ack leaves only once what it acknowledges is durable: the store commits before any write.
    this.broker.store.commit();
    const chunk = Buffer.allocUnsafe(this.outPos);
    this.out.copy(chunk, 0, 0, this.outPos);
    this.outPos = 0;
    if (this.out.length > OUT_MAX) this.out = Buffer.allocUnsafe(OUT_MAX);
    this.write(chunk);
  }

  private write(chunk: Buffer): void {
    if (this.throttleBps > 0) {
      this.throttleQueue.push(chunk);
      this.throttleBytes += chunk.length;
      if (!this.throttleTimer) {
        this.throttleTimer = setInterval(() => this.throttleTick(), 100);
        this.throttleTimer.unref();
      }
      return;
    }
    this.broker.stats.bytesSent += chunk.length;
    this.stream.write(chunk);
  }

  private throttleTick(): void {
    let budget = Math.max(1, Math.floor(this.throttleBps / 10));
    while (budget > 0 && this.throttleQueue.length > 0 && !this.closed) {
      const head = this.throttleQueue[0];
      const n = Math.min(budget, head.length);
      this.stream.write(head.subarray(0, n));
      this.broker.stats.bytesSent += n;
      budget -= n;
      this.throttleBytes -= n;
      if (n === head.length) this.throttleQueue.shift();
      else this.throttleQueue[0] = head.subarray(n);
    }
    if (this.throttleQueue.length === 0 || this.closed) {
      clearInterval(this.throttleTimer!);
      this.throttleTimer = null;
    }
  }

  sendPublish(msg: Message, qos: number, retain: boolean, pid: number, dup: boolean, subIds: number[] | null): boolean {
    const b = this.broker;
    const o = b.records.outFor(PacketType.Publish, this.version, 0, msg.props ? msg.props.user.length >> 1 : 0, subIds ? subIds.length : 0);
    o.qos = qos;
    o.retain = retain;
    o.dup = dup;
    o.packetId = pid;
    o.setPayload(msg.payload, 0, msg.payload.length);
    o.setTopic(msg.topicBytes, 0, msg.topicBytes.length);
    let newAlias = 0;
    if (this.version === 5) {
      Broker.setMessageProps(o, msg, Date.now(), subIds);
      if (this.clientAliasMax > 0) {
        this.aliasOut ??= new Map();
        const a = this.aliasOut.get(msg.topic);
        if (a !== undefined) {
          o.setTopic(msg.topicBytes, 0, 0);
          o.props.setNumber(PropertyId.TopicAlias, a);
        } else if (this.aliasOut.size < this.clientAliasMax) {
          newAlias = this.aliasOut.size + 1;
          o.props.setNumber(PropertyId.TopicAlias, newAlias);
        }
      }
    }
    const ok = this.send(o, msg.topic);
    // The mapping exists only once the client has been sent it (a packet too large for it is not).
    if (ok && newAlias > 0) this.aliasOut!.set(msg.topic, newAlias);
    if (ok) {
      b.stats.publishSent++;
      if (b.faults.rules.length > 0) this.duplicate(o, msg.topic);
    }
    return ok;
  }

  /** The `duplicate` fault: the same PUBLISH (DUP set when QoS > 0) or PUBREL once more. */
  private duplicate(o: Packet, topic?: string): void {
    const f = this.broker.faults.take('duplicate', this.clientId);
    if (!f) return;
    if (o.type === PacketType.Publish && o.qos > 0) o.dup = true;
    const what = `duplicated ${o.type === PacketType.Publish ? 'PUBLISH' : 'PUBREL'}${o.packetId ? ' id=' + o.packetId : ''}`;
    this.send(o, topic);
    // Reported after sending: the report is itself a PUBLISH, encoded in the same reused record.
    this.broker.fired(f, this.clientId, what);
  }

  /** PUBACK, PUBREC, PUBREL, PUBCOMP, through the drop/delay faults. */
  sendAck(type: number, pid: number, code: number): void {
    const o = this.broker.records.outFor(type, this.version);
    o.packetId = pid;
    o.reasonCode = this.version === 5 ? code : 0;
    if (this.version === 5 && code >= 0x80 && this.problemInfo) this.reason(o, code === ReasonCode.NotAuthorized ? 'not authorised' : 'refused');
    const name = type === PacketType.Puback ? 'puback' : type === PacketType.Pubrec ? 'pubrec' : type === PacketType.Pubrel ? 'pubrel' : 'pubcomp';
    if (this.sendControl(o, name) && type === PacketType.Pubrel && this.broker.faults.rules.length > 0) this.duplicate(o);
  }

  /** Sends an ack unless a drop or delay rule applies; true when sent now. */
  private sendControl(o: Packet, name: string): boolean {
    const b = this.broker;
    if (b.faults.rules.length > 0) {
      const drop = b.faults.take('drop', this.clientId, name);
      if (drop) {
        b.fired(drop, this.clientId, `dropped ${name.toUpperCase()}${o.packetId ? ' id=' + o.packetId : ''}`);
        return false;
      }
      const delay = b.faults.take('delay', this.clientId, name);
      if (delay) {
        // Keep a copy of what to send: the record is reused (the report below uses it too).
        const type = o.type;
        const pid = o.packetId;
        const code = o.reasonCode;
        const codes: number[] = [];
        for (let i = 0; i < o.count; i++) codes.push(o.codes[i]);
        b.fired(delay, this.clientId, `delayed ${name.toUpperCase()}${pid ? ' id=' + pid : ''} by ${delay.ms} ms`);
        new Deadline(() => {
          const q = b.records.outFor(type, this.version, codes.length);
          q.packetId = pid;
          q.reasonCode = code;
          for (const c of codes) q.addCode(c);
          this.send(q);
          this.flush();
        }, delay.ms);
        return false;
      }
    }
    return this.send(o);
  }

  // ---- closing

  checkTimers(now: number): void {
    if (this.closed) return;
    if (!this.connected) {
      if (now - this.acceptedAt > this.broker.opts.connectTimeout) {
        this.broker.log(`connection (${this.label}) sent no CONNECT within ${this.broker.opts.connectTimeout} ms`);
        this.close(-1, '', true);
      }
      return;
    }
    // MQTT-3.1.2-22: one and a half times the keep alive without a packet.
    if (this.pauses > 0) {
      // Not read while paused: neither silence nor slowness is the client's.
      this.lastIn = now;
      if (this.partialSince !== 0) this.partialSince = now;
      this.partialBytes = this.bytesIn;
      return;
    }
    if (this.keepAlive > 0 && now - this.lastIn > this.keepAlive * 1500) {
      this.broker.log(`${this.clientId}: keep alive timeout`);
      this.close(ReasonCode.KeepAliveTimeout, 'keep alive timeout', true);
      return;
    }
    // A packet started long ago must at least be coming at minByteRate (a byte now and then keeps nothing alive).
    const o = this.broker.opts;
    const took = now - this.partialSince;
    if (this.partialSince !== 0 && took > o.packetTimeout && (this.bytesIn - this.partialBytes) * 1000 < o.minByteRate * took) {
      this.broker.note(this.clientId, 'REFUSE', 'slow-packet', `${this.bytesIn - this.partialBytes} bytes of a packet in ${took} ms`);
      this.close(ReasonCode.KeepAliveTimeout, 'packet too slow', true);
    }
  }

  /** Ends the session side of the connection once. */
  private finish(sendWill: boolean): void {
    if (this.closed) return;
    this.closed = true;
    const b = this.broker;
    b.connections.delete(this);
    b.addresses.leave(this.address);
    if (this.throttleTimer) clearInterval(this.throttleTimer);
    if (this.connected) {
      b.stats.connected--;
      if (!this.takenOver) b.detach(this, sendWill);
      else if (this.session && this.session.conn === this) this.session.conn = null;
      b.log(`${this.clientId} disconnected`);
    }
  }

  /**
   * Closes the connection: a v5 client that has connected gets DISCONNECT with the reason
   * first (reason -1: none). `sendWill` says whether this counts as an abnormal end.
   */
  close(reason: number, text: string, sendWill: boolean): void {
    if (this.closed) return;
    if (reason >= 0 && this.version === 5 && this.connected) {
      const o = this.broker.records.outFor(PacketType.Disconnect, 5);
      o.reasonCode = reason;
      if (text !== '' && this.problemInfo) this.reason(o, text);
      this.send(o);
    }
    // Write what is buffered before closing; throttling no longer applies.
    this.throttleBps = 0;
    for (const c of this.throttleQueue) this.stream.write(c);
    this.throttleQueue = [];
    this.flush();
    this.finish(sendWill);
    this.stream.end();
    const t = setTimeout(() => this.stream.destroy(), 500);
    t.unref();
  }

  private onClosed(): void {
    if (!this.closed) this.finish(true);
    this.stream.destroy();
  }
}
