// Eclipse Paho Python (Debian python3-paho-mqtt 1.6, importable only by /usr/bin/python3) as a
// client under test: one driver process (paho_driver.py) per connection, JSON lines both ways.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, type Proc } from '../peers/proc.js';
import { Inbox, withTimeout, type ClientAdapter, type ConnackInfo, type Connection, type ConnectOptions, type PublishResult } from './adapter.js';

const PYTHON = '/usr/bin/python3';
// The driver stays in the source tree (tsc does not copy it): dist/host-tests/interop-matrix -> host-tests/interop-matrix.
const DRIVER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'host-tests', 'interop-matrix', 'paho_driver.py');

interface Ev { ev: string; [k: string]: unknown }

/** Null when usable, else why not. */
export function pahoPythonMissing(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  const r = spawnSync(PYTHON, ['-c', 'import paho.mqtt.client, sys; sys.stdout.write(paho.mqtt.__version__)'], { encoding: 'utf8', timeout: 10000 });
  if (r.status !== 0) return 'paho.mqtt is not importable by /usr/bin/python3 (Debian package python3-paho-mqtt)';
  return null;
}

export function pahoPythonVersion(): string {
  const r = spawnSync(PYTHON, ['-c', 'import paho.mqtt, sys; sys.stdout.write(paho.mqtt.__version__)'], { encoding: 'utf8', timeout: 10000 });
  return r.stdout.trim();
}

export const pahoPythonAdapter: ClientAdapter = {
  name: 'Paho Python',
  versions: [4, 5],
  async connect(o: ConnectOptions): Promise<Connection> {
    const proc: Proc = startProcess(PYTHON, [DRIVER]);
    const inbox = new Inbox();
    let nextId = 0;
    const aliasSent = new Map<string, number>();
    const pending = new Map<number, { resolve: (e: Ev) => void; reject: (e: Error) => void }>();
    let onConnack: ((e: Ev) => void) | undefined;
    let closedResolve: () => void = () => {};
    let closedP = new Promise<void>((r) => { closedResolve = r; });
    let lastError = '';
    let buf = '';
    const failAll = (why: string): void => { for (const p of pending.values()) p.reject(new Error(why)); pending.clear(); };
    proc.child.stdout?.on('data', (b: Buffer) => {
      buf += b.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i); buf = buf.slice(i + 1);
        let e: Ev;
        try { e = JSON.parse(line) as Ev; } catch { continue; }
        switch (e.ev) {
          case 'connack': onConnack?.(e); break;
          case 'message': {
            const p = e.properties as Record<string, unknown> | null;
            inbox.push({
              topic: String(e.topic), payload: Buffer.from(String(e.payload), 'hex'), qos: Number(e.qos), retain: e.retain === true,
              properties: p ? { ...p, correlationData: typeof p.correlationData === 'string' ? Buffer.from(p.correlationData, 'hex') : undefined } : undefined,
            });
            break;
          }
          case 'suback': case 'published': case 'publish-error': {
            const w = pending.get(Number(e.id));
            if (w) { pending.delete(Number(e.id)); if (e.ev === 'publish-error') w.reject(new Error(`publish rc ${String(e.rc)}`)); else w.resolve(e); }
            break;
          }
          case 'closed': closedResolve(); onConnack?.({ ev: 'closed' }); break;
          case 'error': lastError = String(e.msg); onConnack?.(e); break;
        }
      }
    });
    void proc.exited.then(() => { closedResolve(); failAll(`driver exited: ${proc.output().slice(-300)}`); onConnack?.({ ev: 'error', msg: 'driver exited' }); });
    const send = (cmd: Record<string, unknown>): void => { proc.child.stdin?.write(JSON.stringify(cmd) + '\n'); };
    const request = (cmd: Record<string, unknown>, ms: number, what: string): Promise<Ev> => {
      const id = ++nextId;
      const p = new Promise<Ev>((resolve, reject) => pending.set(id, { resolve, reject }));
      send({ ...cmd, id });
      return withTimeout(p, ms, what);
    };
    const waitConnack = (ms: number): Promise<ConnackInfo> => withTimeout(new Promise<ConnackInfo>((resolve, reject) => {
      onConnack = (e) => {
        onConnack = undefined;
        if (e.ev === 'connack') {
          if (Number(e.rc) !== 0) reject(new Error(`CONNACK refused: ${String(e.rc)}`));
          else resolve({ sessionPresent: e.sessionPresent === true, reasonCode: Number(e.rc), topicAliasMaximum: typeof e.topicAliasMaximum === 'number' ? e.topicAliasMaximum : undefined });
        } else reject(new Error(e.ev === 'closed' ? 'connection closed before CONNACK' : String(e.msg ?? lastError)));
      };
    }), ms, 'CONNACK');
    const ck = waitConnack(6000);
    send({ op: 'connect', host: o.host, port: o.port, clientId: o.clientId, version: o.version, clean: o.clean, sessionExpiry: o.sessionExpiry ?? 0, keepalive: o.keepalive ?? 30,
      will: o.will ? { topic: o.will.topic, payload: o.will.payload.toString('hex'), qos: o.will.qos, retain: o.will.retain ?? false } : undefined });
    let connack: ConnackInfo;
    try { connack = await ck; } catch (e) { await proc.kill(); throw e; }
    const conn: Connection = {
      connack,
      async subscribe(filter, qos, so) {
        const e = await request({ op: 'subscribe', filter, qos, noLocal: so?.noLocal ?? false }, 5000, 'SUBACK');
        return (e.granted as number[]);
      },
      async publish(topic, payload, qos, po): Promise<PublishResult> {
        const p = po?.properties;
        let sendTopic = topic;
        if (po?.topicAlias !== undefined) {
          // The alias alone once the broker knows it (MQTT-3.3.2-12).
          if (aliasSent.get(topic) === po.topicAlias) sendTopic = ''; else aliasSent.set(topic, po.topicAlias);
        }
        await request({ op: 'publish', topic: sendTopic, payload: payload.toString('hex'), qos, retain: po?.retain ?? false, topicAlias: po?.topicAlias,
          properties: p ? { ...p, correlationData: p.correlationData?.toString('hex') } : undefined }, 15000, 'publish');
        return { ack: qos === 0 ? 'none' : 'unknown' };
      },
      nextMessage: (match, ms) => inbox.next(match, ms),
      received: () => inbox.received(),
      closed: () => closedP,
      async end() { send({ op: 'disconnect' }); await withTimeout(closedP, 5000, 'DISCONNECT'); proc.child.stdin?.end(); await proc.stop(2000); },
      destroy() { void proc.kill(); },
      async reconnect() {
        closedP = new Promise<void>((r) => { closedResolve = r; });
        const p = waitConnack(6000);
        send({ op: 'reconnect' });
        conn.connack = await p;
        return conn.connack;
      },
    };
    return conn;
  },
};
