// SUBSCRIBE and UNSUBSCRIBE requests of the Node client: queued, sent one at a time (so that
// each SUBACK/UNSUBACK maps to its request), given up after the acknowledgement timeout, and
// sent again with a new packet id after a reconnect.
import type { Packet } from '../../core/codec/packet.js';
import { ReasonCode } from '../../core/codec/constants.js';
import type { Session } from '../../core/session/session.js';
import { SubState } from '../../core/session/subscriptions.js';
import { validateTopicFilter } from '../../core/topic/validate.js';
import type { ClientClock } from './clock.js';
import { endedError, MqttError } from './errors.js';
import type { Granted } from './options.js';
import { fillUserProperties } from './properties.js';

interface Request {
  sub: boolean;
  names: string[];
  filters: Buffer[];
  options: number;
  subId: number;
  /** MQTT 5 user properties of the request. */
  user: Record<string, string | string[]> | undefined;
  /** Session slot per filter (-1: refused locally, code in codes). */
  slots: number[];
  codes: number[];
  id: number;
  resolve(granted: Granted[]): void;
  reject(err: Error): void;
}

export class RequestQueue {
  /** The packet id of the request sent is still to be learnt: call onWrite() after each write. */
  watching = false;
  private readonly waiting: Request[] = [];
  private active: Request | null = null;
  private cancelTimer: (() => void) | null = null;
  private connected = false;

  constructor(private readonly session: Session, private readonly clock: ClientClock, private readonly ackTimeout: number) {}

  /** Queues a request for these filters; resolves with one grant (or reason code) per filter. */
  add(sub: boolean, names: string[], options: number, subId: number, user?: Record<string, string | string[]>): Promise<Granted[]> {
    const filters = names.map((n) => Buffer.from(n, 'utf8'));
    for (let i = 0; i < filters.length; i++) {
      if (validateTopicFilter(filters[i], 0, filters[i].length) < 0) {
        return Promise.reject(new MqttError(ReasonCode.TopicFilterInvalid, `invalid topic filter '${names[i]}'`));
      }
    }
    return new Promise<Granted[]>((resolve, reject) => {
      this.waiting.push({ sub, names, filters, options, subId, user, slots: [], codes: [], id: 0, resolve, reject });
      this.next();
    });
  }

  onConnect(): void {
    this.connected = true;
    // A request cut off by the connection's end is sent again now: its wait starts again.
    if (this.active !== null) this.armTimer();
    this.next();
  }

  onClose(): void {
    this.connected = false;
    this.clearTimer();
    const r = this.active;
    if (r !== null && r.id > 0) {
      // Sent again with a new packet id after the reconnect.
      r.id = 0;
      this.watching = true;
    }
  }

  /** The client has ended: every request fails. */
  failAll(): void {
    const err = endedError();
    this.clearTimer();
    this.watching = false;
    if (this.active !== null) this.active.reject(err);
    this.active = null;
    for (const r of this.waiting.splice(0)) r.reject(err);
  }

  onAck(ack: Packet, sub: boolean): void {
    const r = this.active;
    if (r === null || r.sub !== sub || r.id !== ack.packetId) return;
    for (let i = 0; i < r.slots.length; i++) {
      const slot = r.slots[i];
      if (slot < 0) continue;
      const pos = this.session.subs.position(slot);
      r.codes[i] = pos < ack.count ? ack.codes[pos] : ReasonCode.UnspecifiedError;
    }
    this.settle(r);
  }

  /** Finds the packet id the session gave the active request's filters once it is sent. */
  onWrite(): void {
    const r = this.active;
    if (r === null || r.id !== 0) {
      this.watching = false;
      return;
    }
    const subs = this.session.subs;
    let freed = true;
    for (const slot of r.slots) {
      if (slot < 0) continue;
      const want = r.sub ? SubState.Subscribing : SubState.Unsubscribing;
      if (subs.state(slot) === want && subs.pendingId(slot) !== 0) {
        r.id = subs.pendingId(slot);
        this.watching = false;
        return;
      }
      if (subs.state(slot) !== SubState.Free) freed = false;
    }
    if (!r.sub && freed) {
      // Dropped with the session after a reconnect: nothing is left to unsubscribe from.
      this.watching = false;
      this.settle(r);
    }
  }

  /** Starts the next request (one at a time). */
  private next(): void {
    if (this.active !== null || !this.connected || this.waiting.length === 0) return;
    const r = this.waiting.shift()!;
    const s = this.session;
    let added = 0;
    for (let i = 0; i < r.filters.length; i++) {
      const f = r.filters[i];
      const rc = r.sub ? s.subscribeAdd(f, 0, f.length, r.options, r.subId, null) : s.unsubscribeAdd(f, 0, f.length);
      r.slots.push(rc < 0 ? -1 : s.subs.find(f, 0, f.length));
      r.codes.push(rc < 0 ? -rc : 0);
      if (rc >= 0) added++;
    }
    if (added === 0) {
      r.resolve(granted(r));
      this.next();
      return;
    }
    this.active = r;
    this.armTimer();
    const rp = s.requestProperties();
    if (rp !== null) {
      rp.clear();
      if (r.user !== undefined) fillUserProperties(rp, r.user);
    }
    r.id = s.subscribeSend();
    if (r.id === 0) {
      this.watching = true;
      this.onWrite();
    }
  }

  private settle(r: Request): void {
    this.clearTimer();
    this.active = null;
    r.resolve(granted(r));
    this.next();
  }

  private armTimer(): void {
    this.clearTimer();
    if (this.ackTimeout > 0) this.cancelTimer = this.clock.after(this.ackTimeout, this.onTimeout);
  }

  private clearTimer(): void {
    if (this.cancelTimer === null) return;
    this.cancelTimer();
    this.cancelTimer = null;
  }

  /**
   * No SUBACK/UNSUBACK in time: the request fails and the next one goes. A late ack still
   * updates the session's subscriptions; one with an id never sent ends the connection (0x82).
   */
  private readonly onTimeout = (): void => {
    this.cancelTimer = null;
    const r = this.active;
    if (r === null) return;
    this.watching = false;
    this.active = null;
    const what = r.sub ? 'subscribe to' : 'unsubscribe from';
    r.reject(new Error(`${what} '${r.names.join("', '")}' timed out: no ${r.sub ? 'SUBACK' : 'UNSUBACK'} within ${this.ackTimeout} ms`));
    this.next();
  };
}

function granted(r: Request): Granted[] {
  return r.names.map((topic, i) => ({ topic, qos: r.codes[i] }));
}
