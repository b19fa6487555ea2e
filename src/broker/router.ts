// Routing: the subscription index (topic-tree.ts), shared subscriptions and retained messages.
// A message goes to each matching session once, at the highest QoS of its matching
// subscriptions and with all their identifiers (MQTT-3.3.4-2, -3); to one member of each
// shared group; and is kept when retained.
import type { Broker } from './broker.js';
import { internalMessage, Message } from './message.js';
import type { Session } from './session.js';
import { SharedGroup, Subscription, TopicTree, topicMatches } from './topic-tree.js';

export class Router {
  readonly tree = new TopicTree();
  readonly retained = new Map<string, Message>();

  constructor(private readonly broker: Broker) {}

  /** Reads retained messages back from the store; expired ones are deleted. */
  restore(): void {
    const store = this.broker.store;
    const now = this.broker.clock.now();
    for (const m of store.loadRetained()) {
      if (m.expiresAt !== 0 && m.expiresAt <= now) store.clearRetained(m.topic);
      else this.retained.set(m.topic, { ...m, topicBytes: Buffer.from(m.topic) });
    }
  }

  /** A message published by the broker itself ($SYS, $bench/events). */
  publishInternal(topic: string, payload: Buffer, retain: boolean): void {
    this.route(internalMessage(topic, payload, retain));
  }

  /** Stores a retained message and delivers to every matching subscription; returns how many. */
  route(msg: Message): number {
    if (msg.retain) this.retain(msg);
    const sessions = this.broker.sessions;
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
      // The common case, one matching subscription: no map.
      if (first !== null) {
        const f = first as Subscription;
        const s = sessions.get(f.clientId);
        if (s) {
          s.deliver(msg, f.qos, f.retainAsPublished, f.subscriptionId > 0 ? [f.subscriptionId] : null);
          delivered++;
        }
      }
      return delivered;
    }
    for (const [clientId, subs] of perClient as Map<string, Subscription[]>) {
      const s = sessions.get(clientId);
      if (!s) continue;
      let qos = 0;
      let rap = false;
      let ids: number[] | null = null;
      for (const sub of subs) {
        if (sub.qos > qos) qos = sub.qos;
        if (sub.retainAsPublished) rap = true;
        if (sub.subscriptionId > 0) (ids ??= []).push(sub.subscriptionId);
      }
      s.deliver(msg, qos, rap, ids);
      delivered++;
    }
    return delivered;
  }

  private retain(msg: Message): void {
    const store = this.broker.store;
    if (msg.payload.length === 0) {
      if (this.retained.delete(msg.topic) && store.persistent) store.clearRetained(msg.topic);
    } else {
      this.retained.set(msg.topic, msg);
      // $SYS is republished at start; the rest is written through.
      if (store.persistent && !msg.topic.startsWith('$SYS/')) store.setRetained(msg);
    }
  }

  /** Round-robin among the group's members, skipping offline and congested ones when another can take it. */
  private deliverShared(g: SharedGroup, msg: Message): boolean {
    const sessions = this.broker.sessions;
    const n = g.members.length;
    let fallback: Subscription | null = null;
    for (let k = 0; k < n; k++) {
      const i = (g.next + k) % n;
      const sub = g.members[i];
      const s = sessions.get(sub.clientId);
      if (!s) continue;
      if (s.conn && !s.conn.output.congested()) {
        g.next = (i + 1) % n;
        s.deliver(msg, sub.qos, false, sub.subscriptionId > 0 ? [sub.subscriptionId] : null);
        return true;
      }
      fallback ??= sub;
    }
    if (fallback) {
      const s = sessions.get(fallback.clientId)!;
      g.next = (g.members.indexOf(fallback) + 1) % n;
      s.deliver(msg, fallback.qos, false, fallback.subscriptionId > 0 ? [fallback.subscriptionId] : null);
      return true;
    }
    return false;
  }

  /** Retained messages for a new subscription (`filter` without its $share/ prefix). */
  sendRetained(s: Session, sub: Subscription, filter: string): void {
    if (this.retained.size === 0) return;
    const now = this.broker.clock.now();
    // A filter without wildcards names one topic: a lookup, not a scan of every retained
    // message (a fleet whose devices each keep a retained status subscribes N times).
    if (!filter.includes('+') && !filter.includes('#')) {
      const msg = this.retained.get(filter);
      if (msg !== undefined && this.retainedLive(filter, msg, now)) this.deliverRetained(s, sub, msg);
      return;
    }
    for (const [topic, msg] of this.retained) {
      if (this.retainedLive(topic, msg, now) && topicMatches(filter, topic)) this.deliverRetained(s, sub, msg);
    }
  }

  /** False, and the message forgotten, once its expiry interval has passed. */
  private retainedLive(topic: string, msg: Message, now: number): boolean {
    if (msg.expiresAt === 0 || msg.expiresAt > now) return true;
    this.retained.delete(topic);
    if (this.broker.store.persistent) this.broker.store.clearRetained(topic);
    return false;
  }

  private deliverRetained(s: Session, sub: Subscription, msg: Message): void {
    s.deliver(msg, sub.qos, true, sub.subscriptionId > 0 ? [sub.subscriptionId] : null, true);
  }
}
