// SUBSCRIBE and UNSUBSCRIBE decoding: what a server reads; a client never receives them, so
// this stays out of its build.
import { PacketType, ProtocolVersion, ReasonCode } from './constants.js';
import { Packet } from './packet.js';
import { Reader } from './reader.js';
import { decodeHead } from './subscribe.js';
import { isSharedFilter, validateTopicFilter } from '../topic/validate.js';

/** SUBSCRIBE and UNSUBSCRIBE: filters (with an options byte each for SUBSCRIBE). */
export function decodeFilters(r: Reader, p: Packet): number {
  let rc = decodeHead(r, p);
  if (rc < 0) return rc;
  const subscribe = p.type === PacketType.Subscribe;
  const v5 = p.version === ProtocolVersion.V5;
  p.count = 0;
  while (r.pos < r.end) {
    const off = r.utf8();
    const len = r.len;
    const options = subscribe ? r.u8() : 0;
    if (r.err !== 0) return -r.err;
    rc = validateTopicFilter(r.buf, off, len);
    if (rc < 0) return rc;
    if (subscribe) {
      // MQTT-3.8.3-4 (3.1.1) / MQTT-3.8.3-5 (5.0): reserved option bits are zero; 3.1.1: QoS 3 is malformed.
      if ((options & (v5 ? 0xc0 : 0xfc)) !== 0 || (!v5 && (options & 0x03) === 3)) return -ReasonCode.MalformedPacket;
      // 5.0 section 3.8.3.1: Maximum QoS 3 and retain handling 3 are protocol errors; MQTT-3.8.3-4: no local on a shared subscription too.
      if ((options & 0x03) === 3 || ((options >> 4) & 0x03) === 3) return -ReasonCode.ProtocolError;
      if ((options & 0x04) !== 0 && isSharedFilter(r.buf, off, len)) return -ReasonCode.ProtocolError;
    }
    if (!p.addFilter(r.buf, off, len, options)) return -ReasonCode.ImplementationSpecificError;
  }
  // MQTT-3.8.3-3, MQTT-3.10.3-2: at least one filter.
  if (p.count === 0) return -ReasonCode.ProtocolError;
  return 0;
}
