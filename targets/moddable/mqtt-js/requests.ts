// mqtt/js's subscribe and unsubscribe calls waiting for their SUBACK / UNSUBACK: each call's
// filters, matched by bytes against the acks' filters, and its callback once all are answered.
// All cold: a record per call.
import type { Packet } from '../../../src/core/codec/packet.js';
import { ReasonCode } from '../../../src/core/codec/constants.js';
import type { Session } from '../../../src/core/session/session.js';
import { utf8 } from '../../../src/core/session/options.js';

export type PacketCallback = (error?: Error | null) => unknown;
export type SubscribeCallback = (error: Error | null, granted: { topic: string; qos: number }[]) => unknown;

/** A call refused by the server or the session. */
/* cold */
export function refusal(what: string, code: number): Error {
  return new Error(what + ' refused: reason 0x' + code.toString(16));
}

/** A subscribe or unsubscribe call waiting for its SUBACK / UNSUBACK codes. */
export interface Request {
  unsubscribe: boolean;
  topics: string[];
  bytes: Uint8Array[];
  /** Per filter: the code, or -1 while unanswered. */
  codes: number[];
  left: number;
  /** The first reason code of a filter refused before it was sent (invalid, no slot left), or 0. */
  refused: number;
  callback: Function | null;
}

export class Requests {
  private session: Session;
  private waiting: Request[];

  /* cold */
  constructor(session: Session) {
    this.session = session;
    this.waiting = [];
  }

  /* cold */
  begin(unsubscribe: boolean, callback: Function | null): Request {
    return { unsubscribe, topics: [], bytes: [], codes: [], left: 0, refused: 0, callback };
  }

  /** Adds a filter to the next SUBSCRIBE / UNSUBSCRIBE; a refused one is answered at once with its code. */
  /* cold */
  addFilter(req: Request, topic: string, options: number, subId: number): void {
    const b = utf8(topic);
    const s = this.session;
    const rc = req.unsubscribe ? s.unsubscribeAdd(b, 0, b.length) : s.subscribeAdd(b, 0, b.length, options, subId, null);
    req.topics.push(topic);
    req.bytes.push(b);
    if (rc < 0) {
      // Unsubscribing from a filter not held is no error (MQTT.js sends it anyway; the server would answer 0x11).
      const missing = req.unsubscribe && -rc === ReasonCode.NoSubscriptionExisted;
      req.codes.push(missing ? ReasonCode.NoSubscriptionExisted : 0x80);
      if (!missing && req.refused === 0) req.refused = -rc;
    } else {
      req.codes.push(-1);
      req.left++;
    }
  }

  /** Sends the request's filters, or answers it now when none was sent. */
  /* cold */
  send(req: Request): void {
    if (req.left > 0) {
      this.waiting.push(req);
      this.session.subscribeSend();
    } else finish(req);
  }

  /** A SUBACK / UNSUBACK: its codes go to the waiting calls with those filters, in order. */
  /* cold */
  answered(ack: Packet, unsubscribe: boolean): void {
    const reqs = this.waiting;
    for (let i = 0; i < ack.count; i++) {
      const len = ack.filterLength(i);
      if (len < 0) continue;
      const f = ack.filter[i];
      const off = ack.filterOffset(i);
      for (let r = 0; r < reqs.length; r++) {
        const req = reqs[r];
        if (req.unsubscribe !== unsubscribe) continue;
        for (let j = 0; j < req.bytes.length; j++) {
          const b = req.bytes[j];
          if (req.codes[j] >= 0 || b.length !== len) continue;
          let same = true;
          for (let k = 0; k < len && same; k++) same = b[k] === f[off + k];
          if (!same) continue;
          req.codes[j] = ack.codes[i];
          req.left--;
        }
      }
    }
    for (let r = 0; r < reqs.length;) {
      if (reqs[r].left > 0) r++;
      else finish(reqs.splice(r, 1)[0]);
    }
  }
}

/* cold */
function finish(req: Request): void {
  const cb = req.callback;
  if (cb === null) return;
  if (req.unsubscribe) {
    let failed = req.refused;
    for (let i = 0; i < req.codes.length; i++) if (req.codes[i] >= 0x80 && failed === 0) failed = req.codes[i];
    (cb as PacketCallback)(failed !== 0 ? refusal('unsubscribe', failed) : null);
    return;
  }
  // A SUBACK failure code is reported in granted (as MQTT.js and Moddable do); a filter refused before it was sent is an error.
  const granted: { topic: string; qos: number }[] = [];
  for (let i = 0; i < req.topics.length; i++) granted.push({ topic: req.topics[i], qos: req.codes[i] });
  (cb as SubscribeCallback)(req.refused !== 0 ? refusal('subscribe', req.refused) : null, granted);
}
