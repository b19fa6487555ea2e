// A kill -9 between routing an incoming QoS 2 PUBLISH and its PUBREC reaching the publisher:
// the publisher sends it again with DUP after the restart, and the broker, which keeps the
// unreleased packet ids in its store, must recognise it and not deliver it again (MQTT-4.3.3-10).
import test from 'ava';
import type { Packet } from '../../src/core/codec/packet.js';
import { Driver } from '../../src/core/driver/driver.js';
import type { SessionHandler } from '../../src/core/session/handler.js';
import { Session } from '../../src/core/session/session.js';
import { SessionOptions, utf8 } from '../../src/core/session/options.js';
import { SchedClock, Scheduler } from '../../src/node/sim/scheduler.js';
import { TcpTransport } from '../../src/node/sim/transport.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/broker/store.js';
import { BrokerProcess, brokerSnapshot } from '../bench/broker-process.js';
import { ChaosProxy } from './cut-proxy.js';
import { until as waitUntil } from '../wait.js';

class Client implements SessionHandler {
  session: Session;
  driver: Driver;
  connacks: Packet[] = [];
  messages: string[] = [];
  done: number[] = [];
  constructor(id: string, port: number, sched: Scheduler) {
    const o = new SessionOptions();
    o.clientId = utf8(id);
    o.cleanStart = false;
    o.sessionExpiry = 3600;
    o.backoffBase = 100;
    o.backoffMax = 500;
    this.session = new Session(o, this, null);
    this.driver = new Driver(this.session, new TcpTransport('127.0.0.1', port), new SchedClock(sched, Math.random));
  }
  onConnect(ack: Packet): void { this.connacks.push(ack); }
  onMessage(msg: Packet): void {
    this.messages.push(Buffer.from(msg.payload.subarray(msg.payloadOff, msg.payloadOff + msg.payloadLen)).toString());
  }
  onPublishDone(_h: number, code: number): void { this.done.push(code); }
  onSubscribe(): void {}
  onUnsubscribe(): void {}
  onClose(): void {}
}

/** The shared wait, with room for a broker process restarting on its store. */
const until = (cond: () => boolean, what: string): Promise<void> => waitUntil(cond, what, 20000, 20);

test('QoS 2 with its PUBREC lost, broker killed and restarted on its store: delivered once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-q2r-'));
  const snap = brokerSnapshot();
  const args = ['--store', join(dir, 'b.db'), '--sys-interval', '0'];
  const broker = new BrokerProcess(snap.command, [...args, '--fault', 'drop:packet=pubrec,client=q2r-pub,count=1']);
  // The same store, without the fault rule.
  const restarted = new BrokerProcess(snap.command, args);
  const sched = new Scheduler();
  const proxy = new ChaosProxy(await broker.start());
  await proxy.listen();
  const sub = new Client('q2r-sub', proxy.port, sched);
  const pub = new Client('q2r-pub', proxy.port, sched);
  t.teardown(async () => {
    sub.driver.stop(0);
    pub.driver.stop(0);
    await new Promise((r) => setTimeout(r, 100));
    sched.stop();
    await proxy.close();
    await broker.stop();
    await restarted.stop();
    snap.remove();
    rmSync(dir, { recursive: true, force: true });
  });
  sub.driver.start();
  await until(() => sub.connacks.length > 0, 'subscriber CONNACK');
  sub.session.subscribeString('q2r/#', 2, null);
  pub.driver.start();
  await until(() => pub.connacks.length > 0, 'publisher CONNACK');
  await new Promise((r) => setTimeout(r, 300));
  pub.session.publishString('q2r/x', 'once', 2, false);
  await until(() => sub.messages.length === 1, 'the message at the subscriber');
  // Its PUBREC was dropped: not finished at the publisher.
  await new Promise((r) => setTimeout(r, 300));
  t.deepEqual(pub.done, []);
  await broker.kill9();
  proxy.resetAll();
  proxy.upstreamPort = await restarted.start();
  await until(() => pub.done.length === 1, 'completion after the restart');
  t.true(pub.connacks[pub.connacks.length - 1].sessionPresent);
  pub.session.publishString('q2r/marker', 'end', 2, false);
  await until(() => sub.messages.includes('end'), 'the marker');
  t.deepEqual(sub.messages.filter((m) => m === 'once'), ['once'], 'delivered once');
  t.is(pub.done[0], 0);
});

test('the store keeps unreleased incoming QoS 2 ids per session, and opens a file made before it kept them', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-q2s-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'old.db');
  const a = new SqliteStore(file);
  a.saveSession('dev', 60, 0);
  a.addQos2In('dev', 7);
  a.addQos2In('dev', 9);
  a.removeQos2In('dev', 7);
  a.close();
  const b = new SqliteStore(file);
  t.deepEqual(b.loadSessions().map((r) => [r.clientId, r.qos2In]), [['dev', [9]]]);
  b.deleteSession('dev');
  b.saveSession('dev', 60, 0);
  b.close();
  const c = new SqliteStore(file);
  t.deepEqual(c.loadSessions()[0].qos2In, [], 'a deleted session leaves no ids behind');
  c.close();
  // An older file: the same but without the table.
  const Db = createRequire(import.meta.url)('better-sqlite3') as new (f: string) => { exec(s: string): void; close(): void };
  const raw = new Db(file);
  raw.exec('DROP TABLE qos2_in');
  raw.close();
  const d = new SqliteStore(file);
  t.deepEqual(d.loadSessions().map((r) => [r.clientId, r.qos2In]), [['dev', []]]);
  d.close();
});
