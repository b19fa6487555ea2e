// SUBSCRIBE and UNSUBSCRIBE requests of the Node client: each one the session's request, with
// the packet id it returns as its handle, several in flight at once; given up after the
// acknowledgement timeout. The session sends a request cut off by a reconnect again itself.
import type { Packet } from '../../core/codec/packet.js';
import { ReasonCode } from '../../core/codec/constants.js';
import type { Session } from '../../core/session/session.js';
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
  /** The packet id the session gave it. */
  id: number;
  cancelTimer: (() => void) | null;
  resolve(granted: Granted[]): void;
  reject(err: Error): void;
}

export class RequestQueue {
  /** Requests waiting for a request entry of the session (SessionOptions.pendingRequests). */
  private readonly waiting: Request[] = [];
  /** Requests the session holds (a few: pendingRequests), each with its packet id. */
  private sent: Request[] = [];
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
      this.waiting.push({ sub, names, filters, options, subId, user, slots: [], codes: [], id: 0, cancelTimer: null, resolve, reject });
      this.next();
    });
  }

  onConnect(): void {
    this.connected = true;
    // Requests the session sends now (again, after a cut) wait for their acks from now.
    for (const r of this.sent) this.armTimer(r);
    this.next();
  }

  onClose(): void {
    this.connected = false;
    for (const r of this.sent) this.clearTimer(r);
  }

  /** The client has ended: every request fails. */
  failAll(): void {
    const err = endedError();
    for (const r of this.sent.splice(0)) {
      this.clearTimer(r);
      r.reject(err);
    }
    for (const r of this.waiting.splice(0)) r.reject(err);
  }

  /** SUBACK / UNSUBACK (or the session's own end of a request whose filters are gone: no codes). */
  onAck(ack: Packet, sub: boolean): void {
    const r = this.sent.find((x) => x.id === ack.packetId);
    if (r === undefined || r.sub !== sub) return;
    for (let i = 0; i < r.slots.length; i++) {
      const slot = r.slots[i];
      if (slot < 0) continue;
      const pos = this.session.subs.position(slot);
      // No codes: an unsubscription the server no longer held, or filters a later request took.
      if (ack.count === 0) r.codes[i] = sub ? ReasonCode.UnspecifiedError : 0;
      else r.codes[i] = pos < ack.count ? ack.codes[pos] : ReasonCode.UnspecifiedError;
    }
    this.forget(r);
    this.clearTimer(r);
    r.resolve(granted(r));
    this.next();
  }

  /** Hands waiting requests to the session while it has request entries. */
  private next(): void {
    const s = this.session;
    while (this.waiting.length > 0 && s.requestRoom() > 0) {
      const r = this.waiting[0];
      // The session's request properties go with one request until it is written: one such at a time.
      if (r.user !== undefined && this.userInFlight()) return;
      this.waiting.shift();
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
        continue;
      }
      const rp = s.requestProperties();
      if (rp !== null) {
        rp.clear();
        if (r.user !== undefined) fillUserProperties(rp, r.user);
      }
      r.id = r.sub ? s.subscribeSend() : s.unsubscribeSend();
      if (r.id === 0) {
        // Packet ids exhausted (65,535 in use): the session sends the filters when one frees.
        r.reject(new MqttError(ReasonCode.QuotaExceeded, 'no packet identifier free'));
        continue;
      }
      this.sent.push(r);
      if (this.connected) this.armTimer(r);
    }
  }

  private userInFlight(): boolean {
    return this.sent.some((r) => r.user !== undefined);
  }

  private forget(r: Request): void {
    const i = this.sent.indexOf(r);
    if (i >= 0) this.sent.splice(i, 1);
  }

  private armTimer(r: Request): void {
    this.clearTimer(r);
    if (this.ackTimeout > 0) r.cancelTimer = this.clock.after(this.ackTimeout, () => this.timedOut(r));
  }

  private clearTimer(r: Request): void {
    if (r.cancelTimer === null) return;
    r.cancelTimer();
    r.cancelTimer = null;
  }

  /**
   * No SUBACK/UNSUBACK in time: the request fails. A late ack still updates the session's
   * subscriptions; one with an id never sent ends the connection (0x82).
   */
  private timedOut(r: Request): void {
    r.cancelTimer = null;
    if (!this.sent.includes(r)) return;
    this.forget(r);
    const what = r.sub ? 'subscribe to' : 'unsubscribe from';
    r.reject(new Error(`${what} '${r.names.join("', '")}' timed out: no ${r.sub ? 'SUBACK' : 'UNSUBACK'} within ${this.ackTimeout} ms`));
    this.next();
  }
}

function granted(r: Request): Granted[] {
  return r.names.map((topic, i) => ({ topic, qos: r.codes[i] }));
}
