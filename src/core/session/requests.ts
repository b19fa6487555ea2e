// SUBSCRIBE and UNSUBSCRIBE requests: filters waiting for one get a request entry and a packet
// id (the handle the application is given), the requests due are written, and SUBACK / UNSUBACK
// settle them. A request keeps its id across reconnects until acknowledged.
import { PacketType, PropertyId, ReasonCode } from '../codec/constants.js';
import { addProperties } from './options.js';
import type { Session } from './session.js';
import { SubState } from './subscriptions.js';

const EMPTY = new Uint8Array(0);
/** In a request's state (Session.reqs): the request is still to be written on this connection. */
export const REQ_DUE = 0x80;

export function receiveSuback(s: Session): void {
  const p = s.rx;
  const id = p.packetId;
  let req = -1;
  const n = s.opts.pendingRequests;
  for (let i = 0; i < n; i++) if (s.reqs[i] === id) req = i;
  // MQTT-3.8.4-2 (UNSUBACK: 3.1.1 MQTT-3.10.4-4): an ack carries the id of a request in flight;
  // any other is the server's protocol error, and no request can be matched to it.
  if (req < 0) return s.fail(ReasonCode.ProtocolError);
  s.reqs[req] = 0;
  s.reqs[n + req] = 0;
  const subs = s.subs;
  const sub = p.type === PacketType.Suback;
  // The ack names the filters its codes answer (the handler maps codes to its requests).
  for (let i = 0; i < p.count; i++) p.setFilterAt(i, EMPTY, 0, -1);
  for (let i = 0; i < subs.slots; i++) {
    if (subs.pendingId(i) !== id) continue;
    subs.setPendingId(i, 0);
    const at = subs.position(i);
    if (at < p.count) p.setFilterAt(at, subs.arena.bytes, subs.arena.off(i), subs.arena.len(i));
    if (sub && subs.state(i) === SubState.Subscribing) {
      const pos = subs.position(i);
      const code = pos < p.count ? p.codes[pos] : ReasonCode.UnspecifiedError;
      if (code >= 0x80) subs.free(i);
      else subs.setState(i, SubState.Granted);
      if (s.opts.persistence !== null) s.opts.persistence.subscription(i);
    } else if (!sub && subs.state(i) === SubState.Unsubscribing) {
      subs.free(i);
      if (s.opts.persistence !== null) s.opts.persistence.subscription(i);
    }
  }
  if (sub) s.handler.onSubscribe(p);
  else s.handler.onUnsubscribe(p);
}

/** Subscription slot i waits for a request of s kind (and, for SUBSCRIBE, s subscription identifier). */
function joins(s: Session, i: number, kind: number, subId: number): boolean {
  const subs = s.subs;
  return subs.state(i) === kind && subs.pendingId(i) === 0 && (kind !== SubState.Subscribing || subs.subId(i) === subId);
}

/**
 * Gives the filters waiting for a request (SUBSCRIBE or UNSUBSCRIBE, grouped by subscription
 * identifier, filtersPerPacket at most) a request entry and a packet id: the first id, or 0.
 */
export function assignRequests(s: Session): number {
  const subs = s.subs;
  const n = s.opts.pendingRequests;
  let first = 0;
  for (let guard = 0; guard < subs.slots; guard++) {
    let lead = -1;
    for (let i = 0; i < subs.slots && lead < 0; i++) {
      if ((subs.state(i) === SubState.Subscribing || subs.state(i) === SubState.Unsubscribing) && subs.pendingId(i) === 0) lead = i;
    }
    if (lead < 0) break;
    let req = -1;
    for (let i = 0; i < n && req < 0; i++) if (s.reqs[i] === 0) req = i;
    if (req < 0) break;
    const id = s.allocatePacketId();
    if (id === 0) break;
    const kind = subs.state(lead);
    const subId = subs.subId(lead);
    let filters = 0;
    for (let i = lead; i < subs.slots && filters < s.opts.filtersPerPacket; i++) {
      if (!joins(s, i, kind, subId)) continue;
      subs.setPendingId(i, id);
      filters++;
    }
    s.reqs[req] = id;
    s.reqs[n + req] = kind | REQ_DUE;
    if (first === 0) first = id;
  }
  return first;
}

/** Writes the SUBSCRIBE / UNSUBSCRIBE requests due, in entry order, as far as the send buffer allows. */
export function sendRequests(s: Session): void {
  assignRequests(s);
  const n = s.opts.pendingRequests;
  for (let req = 0; req < n; req++) {
    if ((s.reqs[n + req] & REQ_DUE) === 0) continue;
    if (writeRequest(s, req) < 0) return;
  }
}

/**
 * Writes request req from the filters carrying its id: > 0 written, 0 done without a packet
 * (none of its filters is left: the server kept no session, or they were subscribed again
 * since), or a negated reason code (no room now: it stays due).
 */
function writeRequest(s: Session, req: number): number {
  const subs = s.subs;
  const n = s.opts.pendingRequests;
  const id = s.reqs[req];
  const kind = s.reqs[n + req] & ~REQ_DUE;
  let lead = -1;
  for (let i = 0; i < subs.slots && lead < 0; i++) if (subs.pendingId(i) === id && subs.state(i) === kind) lead = i;
  const t = s.tx;
  const sub = kind === SubState.Subscribing;
  if (lead < 0) {
    s.reqs[req] = 0;
    s.reqs[n + req] = 0;
    // Its ack, with no codes: the request's end is reported as any other.
    t.reset(sub ? PacketType.Suback : PacketType.Unsuback, s.opts.version);
    t.packetId = id;
    if (sub) s.handler.onSubscribe(t);
    else s.handler.onUnsubscribe(t);
    return 0;
  }
  t.reset(sub ? PacketType.Subscribe : PacketType.Unsubscribe, s.opts.version);
  const subId = subs.subId(lead);
  if (sub && subId > 0) t.props.setNumber(PropertyId.SubscriptionIdentifier, subId);
  const extra = s.reqs[2 * n] === id ? s.requestProperties() : null;
  if (extra !== null) addProperties(t.props, extra);
  for (let i = lead; i < subs.slots; i++) {
    if (subs.pendingId(i) !== id || subs.state(i) !== kind) continue;
    subs.setPosition(i, t.count);
    t.addFilter(subs.arena.bytes, subs.arena.off(i), subs.arena.len(i), subs.options(i));
  }
  t.packetId = id;
  const written = s.writeTx();
  if (written < 0) return written;
  s.reqs[n + req] = kind;
  if (extra !== null) {
    extra.clear();
    s.reqs[2 * n] = 0;
  }
  return written;
}
