// A client's session: its subscriptions, the QoS 1/2 messages in flight to it and queued for it,
// the QoS 2 ids it has sent and not released, its will and its timers. It outlives the
// connection when the session expiry says so. Sending goes through the connection, when there is
// one; everything kept is written through to the broker's store in the same turn.
import { PacketType } from '../core/codec/constants.js';
import { followingPacketId, freePacketId } from '../core/session/packet-id.js';
import type { PacketIdTable } from '../core/session/packet-id.js';
import type { Broker } from './broker.js';
import type { Timer } from './clock.js';
import type { Connection } from './connection.js';
import type { Message } from './message.js';
import type { Subscription } from './topic-tree.js';

/** Session expiry interval meaning "never" (3.1.1 clean session 0, or v5 0xFFFFFFFF). */
export const NEVER = 0xffffffff;

/** An outgoing QoS 1/2 message of one session. */
export interface Outgoing {
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

export interface Will {
  msg: Message;
  delay: number;
  /** v5 message expiry interval of the will, seconds (0: none), counted from when it is published. */
  expiry: number;
}

export class Session implements PacketIdTable {
  subs = new Map<string, Subscription>();
  inflight = new Map<number, Outgoing>();
  queue: Outgoing[] = [];
  /** Publishers paused because this online session's queue passed half its bound (back-pressure). */
  blocked: Set<Connection> | null = null;
  /**
   * Inbound QoS 2 ids awaiting PUBREL. Not the core's InboundQos2: that is a fixed table,
   * scanned, sized for a device's receive maximum of a few; the broker's bound is the receive
   * maximum it announces (up to 65,535) for each of many sessions, so a set that grows as used.
   */
  qos2In = new Set<number>();
  expiry = 0;
  conn: Connection | null = null;
  expiryTimer: Timer | null = null;
  will: Will | null = null;
  willTimer: Timer | null = null;
  nextPid = 1;
  /** The user name it last connected with (ACL checks while it is offline). */
  user: string | null = null;

  constructor(readonly broker: Broker, readonly clientId: string) {}

  /** Whether this session's state is written to the store. */
  get persisted(): boolean {
    return this.broker.store.persistent && this.expiry !== 0;
  }

  subscribe(sub: Subscription): boolean {
    this.subs.set(sub.filter, sub);
    if (this.persisted) this.broker.store.saveSubscription(sub);
    return this.broker.router.tree.add(sub);
  }

  unsubscribe(filter: string): boolean {
    if (!this.subs.delete(filter)) return false;
    this.broker.router.tree.remove(this.clientId, filter);
    if (this.persisted) this.broker.store.deleteSubscription(this.clientId, filter);
    return true;
  }

  /** Takes every subscription out of the topic tree (the session ends, or goes with a will pending). */
  unsubscribeAll(): void {
    for (const f of this.subs.keys()) this.broker.router.tree.remove(this.clientId, f);
    this.subs.clear();
  }

  /**
   * An incoming QoS 2 message was routed: its id is held until PUBREL. Stored in the routing's
   * transaction, committed before the PUBREC is written, so a resend after a restart is known.
   */
  holdQos2In(pid: number): void {
    this.qos2In.add(pid);
    if (this.persisted) this.broker.store.addQos2In(this.clientId, pid);
  }

  /** PUBREL for pid: false when it was not held. */
  releaseQos2In(pid: number): boolean {
    if (!this.qos2In.delete(pid)) return false;
    if (this.persisted) this.broker.store.removeQos2In(this.clientId, pid);
    return true;
  }

  /** Sends or queues one copy of msg for this session at min(msg QoS, subscription QoS). */
  deliver(msg: Message, subQos: number, retainAsPublished: boolean, subIds: number[] | null, retainFlag?: boolean): void {
    const b = this.broker;
    // An ACL deny rule inside a granted tree: the subscription stands, the denied topic is not delivered.
    if (b.acl !== null && b.acl.denies(this.user, this.clientId, msg.topic)) return;
    const qos = msg.qos < subQos ? msg.qos : subQos;
    const conn = this.conn;
    // Retain flag: 1 for retained messages sent on subscribe, else as published only with retain-as-published (v5, or a marked bridge).
    const retain = retainFlag ?? (retainAsPublished && msg.retain && conn !== null && (conn.version === 5 || conn.bridge));
    if (qos === 0) {
      if (conn === null || !conn.connected || conn.output.congested()) {
        b.drop(this.clientId, conn === null || !conn.connected ? 'qos0-offline' : 'qos0-congested', msg.topic);
        return;
      }
      conn.output.sendPublish(msg, 0, retain, 0, false, subIds);
      return;
    }
    const out: Outgoing = { msg, qos, retain, subIds, pid: 0, state: 0 };
    if (conn !== null && conn.connected && this.queue.length === 0 && this.inflight.size < conn.window()) {
      this.startInflight(conn, out);
      return;
    }
    if (this.queue.length >= b.opts.maxQueued) {
      b.quotaDrops++;
      b.drop(this.clientId, 'queue-full', msg.topic);
      return;
    }
    if (this.persisted) out.sid = b.store.addMessage(this.clientId, out);
    this.queue.push(out);
    // Back-pressure: a publisher filling an online client's queue past half waits for it.
    const from = b.publishing;
    if (conn !== null && from !== null && from !== conn && this.queue.length >= b.opts.maxQueued >> 1) {
      const set = (this.blocked ??= new Set());
      if (!set.has(from)) {
        set.add(from);
        from.pause();
      }
    }
  }

  packetIdInUse(id: number): boolean {
    return this.inflight.has(id);
  }

  private allocPid(): number {
    const pid = freePacketId(this.nextPid, this);
    if (pid !== 0) this.nextPid = followingPacketId(pid);
    return pid;
  }

  private startInflight(conn: Connection, out: Outgoing): void {
    const pid = this.allocPid();
    if (pid === 0) {
      this.broker.drop(this.clientId, 'no-packet-id', out.msg.topic);
      this.unstore(out);
      return;
    }
    out.pid = pid;
    this.inflight.set(pid, out);
    if (out.sid) this.broker.store.updateMessage(out.sid, pid, 0);
    else if (this.persisted) out.sid = this.broker.store.addMessage(this.clientId, out);
    if (!conn.output.sendPublish(out.msg, out.qos, out.retain, pid, false, out.subIds)) {
      this.inflight.delete(pid);
      this.unstore(out);
    }
  }

  /** A stored outgoing message is done with (acknowledged, expired or dropped). */
  unstore(out: Outgoing): void {
    if (out.sid) {
      this.broker.store.removeMessage(out.sid);
      out.sid = 0;
    }
  }

  /** Resumes the publishers this session held back. */
  unblock(): void {
    if (this.blocked === null) return;
    const list = this.blocked;
    this.blocked = null;
    for (const c of list) c.resume();
  }

  /** Sends queued messages while the client's window has room. */
  drain(): void {
    const conn = this.conn;
    if (!conn || !conn.connected) return;
    const now = this.broker.clock.now();
    const window = conn.window();
    let i = 0;
    while (i < this.queue.length && this.inflight.size < window) {
      const out = this.queue[i++];
      if (out.msg.expiresAt !== 0 && out.msg.expiresAt <= now) { // MQTT-3.3.2-5: expired, not sent
        this.broker.drop(this.clientId, 'expired', out.msg.topic);
        this.unstore(out);
        continue;
      }
      this.startInflight(conn, out);
    }
    if (i > 0) this.queue.splice(0, i);
    if (this.blocked !== null && this.queue.length < this.broker.opts.maxQueued >> 2) this.unblock();
  }

  /** After reconnecting to a session: unacknowledged PUBLISH again with DUP, PUBREL again, then the queue (MQTT-4.4.0-1). */
  resume(conn: Connection): void {
    for (const out of this.inflight.values()) {
      if (out.state === 0) conn.output.sendPublish(out.msg, out.qos, out.retain, out.pid, true, out.subIds);
      else conn.output.sendAck(PacketType.Pubrel, out.pid, 0);
    }
    this.drain();
  }

  /** PUBACK, PUBREC or PUBCOMP for an outgoing message: false when it does not fit the exchange. */
  ack(type: number, pid: number): boolean {
    const out = this.inflight.get(pid);
    if (!out) return false;
    if (type === PacketType.Puback) {
      if (out.qos !== 1) return false;
      this.inflight.delete(pid);
      this.unstore(out);
    } else if (type === PacketType.Pubrec) {
      if (out.qos !== 2) return false;
      out.state = 1;
      if (out.sid) this.broker.store.updateMessage(out.sid, pid, 1);
      return true;
    } else if (type === PacketType.Pubcomp) {
      if (out.state !== 1) return false;
      this.inflight.delete(pid);
      this.unstore(out);
    }
    if (this.queue.length > 0) this.drain();
    return true;
  }

  /** A PUBREC with an error code ends that QoS 2 exchange (MQTT 5 section 4.3.3). */
  refused(pid: number): void {
    const out = this.inflight.get(pid);
    if (out) this.unstore(out);
    this.inflight.delete(pid);
    this.drain();
  }

  /** Forgets everything it holds (the session ends). */
  clear(): void {
    this.unblock();
    this.unsubscribeAll();
    this.inflight.clear();
    this.queue.length = 0;
    this.expiryTimer?.cancel();
    this.willTimer?.cancel();
  }
}
