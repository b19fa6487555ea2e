// A stored PUBLISH copied and patched for transmission (DUP, packet id, expiry, topic alias)
// gives the same bytes as encoding the message again.
import test from 'ava';
import { PATCH_DUP, PATCH_NO_TOPIC, storedExpiry, storedPayloadLeft, storedPublishSize, storedTopicAt, writeStoredPublish } from '../../src/core/session/stored-publish.js';
import { encodeClientPacket } from '../../src/core/codec/client.js';
import { Packet } from '../../src/core/codec/packet.js';
import { PacketType, PropertyId } from '../../src/core/codec/constants.js';
import { enc } from './harness.js';


interface Case { v: number; qos: number; topic: string; payload: number; expiry?: number; user?: boolean; content?: number }

function stored(c: Case): { bytes: Uint8Array; p: Packet } {
  const p = new Packet(1, 2, 1);
  p.reset(PacketType.Publish, c.v);
  p.qos = c.qos;
  p.packetId = c.qos > 0 ? 1 : 0;
  const topic = enc(c.topic);
  p.setTopic(topic, 0, topic.length);
  const payload = new Uint8Array(c.payload).map((_, i) => i & 0xff);
  p.setPayload(payload, 0, payload.length);
  if (c.v === 5) {
    if (c.expiry !== undefined) p.props.setNumber(PropertyId.MessageExpiryInterval, c.expiry);
    if (c.content !== undefined) {
      const ct = enc('x'.repeat(c.content));
      p.props.setBytes(PropertyId.ContentType, ct, 0, ct.length);
    }
    if (c.user) p.props.addUserProperty(enc('k'), 0, 1, enc('value'), 0, 5);
  }
  const out = new Uint8Array(70000);
  const n = encodeClientPacket(p, out, 0);
  return { bytes: out.slice(0, n), p };
}

const CASES: Case[] = [];
for (const v of [4, 5]) {
  for (const qos of [0, 1, 2]) {
    CASES.push({ v, qos, topic: 'a/b', payload: 3 });
    CASES.push({ v, qos, topic: 't'.repeat(130), payload: 200 });
    if (v === 5) {
      CASES.push({ v, qos, topic: 'e', payload: 1, expiry: 100 });
      CASES.push({ v, qos, topic: 'e/u', payload: 20, expiry: 0x80000005, user: true, content: 4 });
      CASES.push({ v, qos, topic: 'big', payload: 16380, user: true, content: 120 });
      CASES.push({ v, qos, topic: 'u', payload: 0, user: true });
    }
  }
}

test('writeStoredPublish: DUP, packet id, expiry and a topic alias give the bytes the encoder gives', (t) => {
  for (const c of CASES) {
    const { bytes, p } = stored(c);
    t.is(c.v === 5 ? storedExpiry(bytes, 0, c.qos) : -1, c.expiry ?? -1);
    for (const alias of c.v === 5 ? [0, 1, 300] : [0]) {
      for (const keep of alias > 0 ? [true, false] : [true]) {
        const id = c.qos > 0 ? 0x1234 : 0;
        const patch = id | (c.qos > 0 ? PATCH_DUP : 0) | (keep ? 0 : PATCH_NO_TOPIC);
        const expiry = c.expiry !== undefined ? 7 : -1;
        const out = new Uint8Array(bytes.length + 16).fill(0xee);
        const n = writeStoredPublish(bytes, 0, bytes.length, c.qos, out, 3, patch, expiry, alias);
        // The same message encoded with the changes made on the packet.
        p.packetId = id;
        p.dup = c.qos > 0;
        if (c.expiry !== undefined) p.props.setNumber(PropertyId.MessageExpiryInterval, 7);
        if (alias > 0) p.props.setNumber(PropertyId.TopicAlias, alias);
        else p.props.unset(PropertyId.TopicAlias);
        const topic = enc(c.topic);
        p.setTopic(topic, 0, keep ? topic.length : 0);
        const want = new Uint8Array(bytes.length + 16);
        const m = encodeClientPacket(p, want, 0);
        const what = `v${c.v} QoS ${c.qos} topic ${c.topic.length} payload ${c.payload} alias ${alias} keep ${keep}`;
        t.is(n, m, what);
        t.is(storedPublishSize(bytes, 0, bytes.length, c.qos, patch, alias), m, what + ' size');
        t.deepEqual(Array.from(out.subarray(3, 3 + n)), Array.from(want.subarray(0, m)), what);
        t.is(out[2], 0xee, what + ' nothing before');
        t.is(out[3 + n], 0xee, what + ' nothing after');
      }
    }
  }
});

test('a stored head (publishStream) says how much payload follows it', (t) => {
  for (const payload of [0, 5, 200, 20000]) {
    const { bytes } = stored({ v: 5, qos: 1, topic: 'h', payload, user: true });
    const head = bytes.length - payload;
    t.is(storedPayloadLeft(bytes, 0, head), payload);
    const at = storedTopicAt(bytes, 0);
    t.deepEqual([bytes[at], bytes[at + 1], bytes[at + 2]], [0, 1, 'h'.charCodeAt(0)], 'the topic length and topic');
  }
});
