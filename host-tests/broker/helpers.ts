// Test helpers: a broker on a free port torn down with the test, MQTT.js clients, and a raw
// client built on the project's own codec for byte-level checks (DUP, aliases, malformed input).
import type { ExecutionContext } from 'ava';
import { ChildProcess, spawn } from 'node:child_process';
import { connect as netConnect, Socket } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startBroker, ListenOptions, RunningBroker } from '../../src/broker/index.js';
import { Framer } from '../../src/core/codec/framer.js';
import { Packet } from '../../src/core/codec/packet.js';
import { encodePacket } from '../../src/core/codec/codec.js';
import { PROPERTY_IDS, PROPERTY_TYPE, PropType } from '../../src/core/codec/properties.js';

export async function broker(t: ExecutionContext, options: ListenOptions = {}): Promise<RunningBroker> {
  const b = await startBroker({ port: 0, sysInterval: 0, ...options });
  t.teardown(() => b.close());
  return b;
}

export async function client(t: ExecutionContext, port: number, opts: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  t.teardown(() => { c.end(true); });
  return c;
}

/** The `xsmqtt` command, built. */
export const CLI = join(process.cwd(), 'dist/src/node/cli.js');

/** `xsmqtt broker ARGS`, killed with the test; resolves with the TCP port it says it listens on. */
export function startCli(t: ExecutionContext, args: string[]): Promise<{ port: number; child: ChildProcess; out: () => string; err: () => string }> {
  const child = spawn(process.execPath, [CLI, 'broker', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { child.kill('SIGKILL'); });
  let stdout = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 10000);
    child.stderr!.on('data', (d) => {
      stderr += d;
      const m = /listening on mqtt:\/\/[^:]+:(\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), child, out: () => stdout, err: () => stderr });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
}

export interface Received {
  topic: string;
  payload: string;
  packet: mqtt.IPublishPacket;
}

/** Collects messages; `take(n)` resolves with the first n (rejects after ms). */
export function collect(c: mqtt.MqttClient): { list: Received[]; take(n: number, ms?: number): Promise<Received[]> } {
  const list: Received[] = [];
  let waiter: (() => void) | null = null;
  c.on('message', (topic, payload, packet) => {
    list.push({ topic, payload: payload.toString(), packet });
    if (waiter) waiter();
  });
  return {
    list,
    take(n: number, ms = 3000): Promise<Received[]> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { waiter = null; reject(new Error(`timed out with ${list.length}/${n} messages`)); }, ms);
        const check = (): void => {
          if (list.length >= n) {
            clearTimeout(timer);
            waiter = null;
            resolve(list.slice(0, n));
          }
        };
        waiter = check;
        check();
      });
    },
  };
}

/**
 * A round trip on c's connection (an UNSUBSCRIBE of a filter nobody uses): once it resolves the
 * broker has handled everything c sent before, and c has received everything the broker wrote
 * to it before; so "nothing more arrived" is exact, not a guess after a delay.
 */
export async function roundTrip(c: mqtt.MqttClient): Promise<void> {
  await c.unsubscribeAsync('round/trip/barrier');
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A decoded packet copied out of the codec's record. */
export interface Snap {
  type: number;
  qos: number;
  dup: boolean;
  retain: boolean;
  packetId: number;
  topic: string;
  payload: string;
  reasonCode: number;
  sessionPresent: boolean;
  codes: number[];
  props: Record<number, number | string>;
  subIds: number[];
  user: [string, string][];
}

const text = (b: Uint8Array, off: number, len: number): string => Buffer.from(b.buffer, b.byteOffset + off, len).toString();

/** Frames the bytes a server wrote and appends each packet, copied out, to `into`. */
export function readPackets(framer: Framer, pkt: Packet, chunk: Uint8Array, into: Snap[]): void {
  let off = 0;
  while (off < chunk.length) {
    off += framer.push(chunk, off, chunk.length - off);
    for (;;) {
      const r = framer.next(pkt);
      if (r <= 0) break;
      into.push(snap(pkt));
    }
  }
}

/** A fresh record of `type` filled by `build`, encoded by the project's codec. */
export function encodeRecord(type: number, version: number, build: (p: Packet) => void, out: Uint8Array): Buffer {
  const p = new Packet(32, 16, 8);
  p.reset(type, version);
  build(p);
  const n = encodePacket(p, out, 0);
  if (n < 0) throw new Error(`encode failed: ${-n}`);
  return Buffer.from(out.subarray(0, n));
}

/** Fills a CONNECT record: the client id, clean start, keep alive 60, then `build`'s changes. */
export function connectRecord(clientId: string, build: (p: Packet) => void): (p: Packet) => void {
  return (p) => {
    const id = Buffer.from(clientId);
    p.clientId = id;
    p.clientIdOff = 0;
    p.clientIdLen = id.length;
    p.cleanStart = true;
    p.keepAlive = 60;
    build(p);
  };
}

function snap(p: Packet): Snap {
  const props: Record<number, number | string> = {};
  for (const id of PROPERTY_IDS) {
    if (!p.props.has(id)) continue;
    const ty = PROPERTY_TYPE[id];
    props[id] = ty === PropType.Utf8 || ty === PropType.Binary ? text(p.props.bufferOf(id), p.props.offsetOf(id), p.props.lengthOf(id)) : p.props.get(id);
  }
  const user: [string, string][] = [];
  for (let i = 0; i < p.props.userCount; i++) {
    user.push([text(p.props.userKeyBuffer(i), p.props.userKeyOffset(i), p.props.userKeyLength(i)), text(p.props.userValueBuffer(i), p.props.userValueOffset(i), p.props.userValueLength(i))]);
  }
  return {
    type: p.type, qos: p.qos, dup: p.dup, retain: p.retain, packetId: p.packetId,
    topic: p.type === 3 ? text(p.topic, p.topicOff, p.topicLen) : '',
    payload: p.type === 3 ? text(p.payload, p.payloadOff, p.payloadLen) : '',
    reasonCode: p.reasonCode, sessionPresent: p.sessionPresent,
    codes: Array.from(p.codes.subarray(0, p.type === 9 || p.type === 11 ? p.count : 0)),
    props, subIds: Array.from({ length: p.props.subIdCount }, (_, i) => p.props.subscriptionId(i)), user,
  };
}

/** A client speaking bytes made by the project's codec. */
export class RawClient {
  sock: Socket;
  framer = new Framer(1 << 20);
  pkt = new Packet(32, 16, 8);
  out = new Uint8Array(1 << 20);
  packets: Snap[] = [];
  closed = false;
  private wake: (() => void) | null = null;

  private constructor(sock: Socket, readonly version: number) {
    this.sock = sock;
    this.framer.version = version;
    sock.on('data', (chunk: Buffer) => {
      readPackets(this.framer, this.pkt, chunk, this.packets);
      this.wake?.();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    sock.on('error', () => undefined);
  }

  static open(t: ExecutionContext, port: number, version = 5): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = netConnect(port, '127.0.0.1', () => resolve(c));
      const c = new RawClient(s, version);
      s.once('error', reject);
      t.teardown(() => { s.destroy(); });
    });
  }

  /** Fills a fresh record with `build` and sends its encoding. */
  send(type: number, build: (p: Packet) => void = () => undefined): void {
    this.sock.write(encodeRecord(type, this.version, build, this.out));
  }

  raw(bytes: number[] | Buffer): void {
    this.sock.write(Buffer.from(bytes));
  }

  /** CONNECT with the given client id (and record tweaks), and the CONNACK. */
  async connect(clientId: string, build: (p: Packet) => void = () => undefined): Promise<Snap> {
    this.send(1, connectRecord(clientId, build));
    return this.expect(2);
  }

  /** The next packet (of `type`, skipping nothing): rejects after ms or on close. */
  async next(ms = 3000): Promise<Snap> {
    const deadline = Date.now() + ms;
    while (this.packets.length === 0) {
      if (this.closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a packet');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => { clearTimeout(timer); this.wake = null; resolve(); };
      });
    }
    return this.packets.shift()!;
  }

  async expect(type: number, ms = 3000): Promise<Snap> {
    const p = await this.next(ms);
    if (p.type !== type) throw new Error(`expected packet type ${type}, got ${p.type} ${JSON.stringify(p)}`);
    return p;
  }

  /** Resolves when the broker has closed the connection. */
  async waitClosed(ms = 3000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('still open');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => { clearTimeout(timer); this.wake = null; resolve(); };
      });
    }
  }
}

export function bytes(s: string): [Buffer, number, number] {
  const b = Buffer.from(s);
  return [b, 0, b.length];
}

/** Anything that sends packets built on a record: a RawClient over TCP, a MemoryClient in process. */
export interface PacketSender {
  send(type: number, build?: (p: Packet) => void): void;
}

/** A PUBLISH from a raw client; `build` adds properties. */
export function publish(raw: PacketSender, topic: string, payload: string, qos = 0, pid = 0, build: (p: Packet) => void = () => undefined): void {
  raw.send(3, (p) => {
    p.setTopic(...bytes(topic));
    p.setPayload(...bytes(payload));
    p.qos = qos;
    p.packetId = pid;
    build(p);
  });
}

/** Sets a will on a CONNECT record; its properties (delay, expiry) are `p.willProps`. */
export function setWill(p: Packet, topic: string, payload: string, qos = 0, retain = false): void {
  p.willFlag = true;
  p.willQos = qos;
  p.willRetain = retain;
  [p.willTopic, p.willTopicOff, p.willTopicLen] = bytes(topic);
  [p.willPayload, p.willPayloadOff, p.willPayloadLen] = bytes(payload);
}

/** A SUBSCRIBE of one filter with its options byte, and a subscription identifier when subId > 0. */
export function subscribe(raw: PacketSender, filter: string, options: number, pid = 1, subId = 0): void {
  raw.send(8, (p) => {
    p.packetId = pid;
    p.addFilter(...bytes(filter), options);
    if (subId) p.props.addSubscriptionId(subId);
  });
}
