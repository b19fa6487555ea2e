// `make device-test TARGET=node`: the integration suite on Node against the companion broker
// (started in-process with the suite profile, or --broker URL), TAP on stdout; exit 1 when a
// scenario fails.
import { allScenarios } from '../../core/suite/scenarios.js';
import { SuiteRunner } from '../../core/suite/runner.js';
import { NodeSuiteHost } from './suite-host.js';
import { Driver } from '../../core/driver/driver.js';
import type { Packet } from '../../core/codec/packet.js';
import { Session } from '../../core/session/session.js';
import type { SessionHandler } from '../../core/session/handler.js';
import { SessionOptions, utf8 } from '../../core/session/options.js';
import { SchedClock, Scheduler } from './scheduler.js';
import { TcpTransport } from './transport.js';
import { parseBrokerUrl } from './run.js';
import { runSuiteInXs, xsMissing } from './xs-suite.js';

/**
 * What the suite needs from the broker: a small Receive Maximum (MQTT 5 only: the companion broker
 * applies it to 3.1.1 clients too, which cannot know it) and an ACL that allows suite/#, devices/#
 * and $bench/#.
 */
export const SUITE_ACL = 'pattern readwrite suite/#\npattern readwrite devices/#\npattern readwrite $bench/#\n';
export const SUITE_RECEIVE_MAXIMUM = 4;

/**
 * The broker a suite run talks to: the one at `url`, or else the companion broker with the suite
 * profile on a free loopback port (then `close` stops it).
 */
export async function suiteBroker(url: string | undefined, version: number): Promise<{ host: string; port: number; close: (() => Promise<void>) | null }> {
  if (url !== undefined) return { ...parseBrokerUrl(url), close: null };
  const { startBroker, Acl } = await import('../../broker/index.js');
  const host = '127.0.0.1';
  const running = await startBroker({ port: 0, host, receiveMaximum: version === 5 ? SUITE_RECEIVE_MAXIMUM : undefined, acl: Acl.parse(SUITE_ACL), sysInterval: 0 });
  return { host, port: running.port, close: running.close };
}

const USAGE = 'usage: device-test [--broker mqtt://host:port] [--device ID] [--mqtt 4|5] [--xs] | --collect --device ID [--listen HOST:PORT] [--port N] [--timeout S]';

export async function main(argv: string[]): Promise<number> {
  let broker: string | undefined;
  let device = `node-${process.pid}`;
  let version = 5;
  let xs = false;
  let deviceGiven = false;
  let collect = false;
  let listen = '0.0.0.0:1883';
  let timeoutS = 600;
  let listenPort = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--broker' && v !== undefined) { broker = v; i++; }
    else if (a === '--device' && v !== undefined && /^[A-Za-z0-9_-]+$/.test(v)) { device = v; deviceGiven = true; i++; }
    else if (a === '--mqtt' && (v === '4' || v === '5')) { version = Number(v); i++; }
    else if (a === '--xs') xs = true;
    else if (a === '--collect') collect = true;
    else if (a === '--listen' && v !== undefined && /^[^:]+:\d+$/.test(v)) { listen = v; i++; }
    else if (a === '--port') {
      // Beside a system broker on 1883, the collector listens elsewhere (the device is told the same port).
      if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) {
        process.stderr.write(`device-test: --port needs a port number 1..65535, got '${v ?? ''}'\n`);
        return 2;
      }
      listenPort = v;
      i++;
    }
    else if (a === '--timeout' && v !== undefined && /^\d+$/.test(v)) { timeoutS = Number(v); i++; }
    else if (a === '-h' || a === '--help') { process.stdout.write(USAGE + '\n'); return 0; }
    else { process.stderr.write(`device-test: bad argument '${a}'\n${USAGE}\n`); return 2; }
  }
  if (collect) {
    if (!deviceGiven) { process.stderr.write(`device-test: --collect needs --device ID\n${USAGE}\n`); return 2; }
    if (listenPort !== '') listen = listen.slice(0, listen.lastIndexOf(':') + 1) + listenPort;
    return collectResults(listen, device, version, timeoutS);
  }
  if (xs) {
    if (!deviceGiven) device = `xs-${process.pid}`;
    const missing = xsMissing();
    if (missing !== null) { process.stderr.write(`device-test --xs: ${missing}\n`); return 1; }
  }
  const { host, port, close } = await suiteBroker(broker, version);
  if (close) process.stdout.write(`# companion broker (suite profile) on ${host}:${port}; device ${device}, MQTT ${version === 5 ? '5.0' : '3.1.1'}${xs ? ', inside XS' : ''}\n`);
  if (xs) {
    try {
      return await runSuiteInXs(host, port, device, version, (d) => process.stdout.write(d));
    } finally {
      if (close) await close();
    }
  }
  const h = new NodeSuiteHost(host, port, (line) => process.stdout.write(line + '\n'));
  const runner = new SuiteRunner(h, device, version, allScenarios());
  const guard = setTimeout(() => undefined, 1 << 30);
  try {
    runner.start();
    const r = await h.done;
    return r.failed === 0 ? 0 : 1;
  } finally {
    clearTimeout(guard);
    h.shutdown();
    if (close) await close();
  }
}

/**
 * For a real device: the companion broker with the suite profile on `listen`, printing what the
 * device publishes to $bench/results/<device> until its summary line; 0 when nothing failed.
 */
async function collectResults(listen: string, device: string, version: number, timeoutS: number): Promise<number> {
  const { startBroker, Acl } = await import('../../broker/index.js');
  const colon = listen.lastIndexOf(':');
  const running = await startBroker({
    port: Number(listen.slice(colon + 1)), host: listen.slice(0, colon),
    receiveMaximum: version === 5 ? SUITE_RECEIVE_MAXIMUM : undefined, acl: Acl.parse(SUITE_ACL), sysInterval: 0,
  });
  process.stdout.write(`# companion broker (suite profile) on ${listen}: waiting for $bench/results/${device} (${timeoutS} s)\n`);
  const topic = `$bench/results/${device}`;
  const sched = new Scheduler();
  let driver: Driver | null = null;
  try {
    return await new Promise<number>((resolve) => {
      let failed = 0;
      const timer = setTimeout(() => {
        process.stdout.write(`Bail out! no summary from ${device} within ${timeoutS} s\n`);
        resolve(1);
      }, timeoutS * 1000);
      const o = new SessionOptions();
      o.clientId = utf8(`bench-collect-${process.pid}`);
      o.receiveBufferSize = 4096;
      const handler: SessionHandler = {
        onConnect: () => { session.subscribeString(topic, 1, null); },
        onSubscribe: () => undefined,
        onUnsubscribe: () => undefined,
        onPublishDone: () => undefined,
        onClose: () => undefined,
        onMessage: (msg: Packet) => {
          const line = Buffer.from(msg.payload.subarray(msg.payloadOff, msg.payloadOff + msg.payloadLen)).toString('utf8');
          process.stdout.write(line + '\n');
          if (line.startsWith('not ok')) failed++;
          if (line.startsWith(`# ${device}: `)) {
            clearTimeout(timer);
            resolve(failed === 0 && / failed 0,/.test(line) ? 0 : 1);
          }
        },
      };
      const session = new Session(o, handler, null);
      driver = new Driver(session, new TcpTransport(running.host === '0.0.0.0' ? '127.0.0.1' : running.host, running.port), new SchedClock(sched, Math.random));
      driver.start();
    });
  } finally {
    (driver as Driver | null)?.stop(0);
    sched.stop();
    await running.close();
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    process.stderr.write(`device-test: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
