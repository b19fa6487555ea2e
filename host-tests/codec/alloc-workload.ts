// Workloads for the zero-allocation check (run by host-tests/alloc in a child process): mixed
// packets encoded with encodePacket and decoded with decodePacket and the Framer.
import { decodeBody, decodePacket, encodePacket, Framer, Packet, PacketType, PropertyId, Reader } from '../../src/core/codec/index.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The mix: PUBLISH QoS 0/1/2 with and without v5 properties, the four acks, PINGREQ/PINGRESP. */
export function buildMix(): Packet[] {
  const topic = enc('sensors/room-1/temperature');
  const payload = new Uint8Array(64).map((_, i) => i);
  const contentType = enc('application/json');
  const response = enc('replies/room-1');
  const correlation = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const key = enc('unit');
  const value = enc('celsius');
  const mix: Packet[] = [];
  for (const version of [4, 5]) {
    for (const qos of [0, 1, 2]) {
      for (const withProps of version === 5 ? [false, true] : [false]) {
        const p = new Packet(4, 4, 4);
        p.reset(PacketType.Publish, version);
        p.qos = qos;
        p.retain = qos === 1;
        p.packetId = qos > 0 ? 1000 + qos : 0;
        p.setTopic(topic, 0, topic.length);
        p.setPayload(payload, 0, payload.length);
        if (withProps) {
          p.props.setNumber(PropertyId.PayloadFormatIndicator, 1);
          p.props.setNumber(PropertyId.MessageExpiryInterval, 3600);
          p.props.setBytes(PropertyId.ContentType, contentType, 0, contentType.length);
          p.props.setBytes(PropertyId.ResponseTopic, response, 0, response.length);
          p.props.setBytes(PropertyId.CorrelationData, correlation, 0, correlation.length);
          p.props.setNumber(PropertyId.TopicAlias, 7);
          p.props.addSubscriptionId(42);
          p.props.addUserProperty(key, 0, key.length, value, 0, value.length);
        }
        mix.push(p);
      }
    }
    for (const type of [PacketType.Puback, PacketType.Pubrec, PacketType.Pubrel, PacketType.Pubcomp]) {
      const p = new Packet(1, 1, 1);
      p.reset(type, version);
      p.packetId = 4242;
      if (version === 5 && type === PacketType.Puback) p.reasonCode = 0x10;
      mix.push(p);
    }
    for (const type of [PacketType.Pingreq, PacketType.Pingresp]) {
      const p = new Packet(1, 1, 1);
      p.reset(type, version);
      mix.push(p);
    }
  }
  return mix;
}

interface Workload {
  mix: Packet[];
  out: Uint8Array;
  reader: Reader;
  decoded: Packet;
  framed: Packet;
  framers: Framer[];
}

function setUp(): Workload {
  const framers = [new Framer(4096, null, decodeBody), new Framer(4096, null, decodeBody), new Framer(4096, null, decodeBody), new Framer(4096, null, decodeBody), new Framer(4096, null, decodeBody), new Framer(4096, null, decodeBody)];
  framers[4].version = 4;
  framers[5].version = 5;
  return { mix: buildMix(), out: new Uint8Array(4096), reader: new Reader(), decoded: new Packet(4, 4, 4), framed: new Packet(4, 4, 4), framers };
}

/** One packet: encode, decodePacket, Framer push + next. Returns a number from the decoded fields. */
function step(w: Workload, i: number): number {
  const p = w.mix[i % w.mix.length];
  const n = encodePacket(p, w.out, 0);
  if (n < 0) return -1000000;
  let sum = n;
  if (decodePacket(w.reader, w.out, 0, n, p.version, w.decoded) === 0) sum += w.decoded.packetId + w.decoded.payloadLen;
  const framer = w.framers[p.version];
  framer.push(w.out, 0, n);
  if (framer.next(w.framed) === n) sum += w.framed.type;
  return sum;
}

/** The steady-state loop the codec promises to run without allocating. */
export function codecMix(): (iterations: number) => number {
  const w = setUp();
  return (iterations: number): number => {
    let sum = 0;
    for (let i = 0; i < iterations; i++) sum = (sum + step(w, i)) | 0;
    return sum;
  };
}

/**
 * The control: the same loop plus one `subarray` every `every` packets (default: each one),
 * which the checker must detect.
 */
export function codecMixWithSubarray(args?: { every?: number }): (iterations: number) => number {
  const w = setUp();
  const every = args?.every ?? 1;
  const sink: Uint8Array[] = [w.out];
  return (iterations: number): number => {
    let sum = 0;
    for (let i = 0; i < iterations; i++) {
      sum = (sum + step(w, i)) | 0;
      if (i % every === 0) {
        sink[0] = w.out.subarray(0, 1 + (i & 7));
        sum = (sum + sink[0].length) | 0;
      }
    }
    return sum;
  };
}
