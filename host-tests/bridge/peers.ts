// The peers of the bridge tests: a mosquitto that can be stopped and started again on the same
// port with its persistence file, the companion broker likewise, and MQTT.js clients that
// collect what they receive. Everything is torn down with the test.
import type { ExecutionContext } from 'ava';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startBroker, ListenOptions, RunningBroker } from '../../src/broker/index.js';
import { freePort, LOOPBACK, makeTempDir, removeTempDir, startProcess, waitForPort, type Proc } from '../peers/proc.js';
import { until } from '../wait.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';

/** Why the mosquitto tests cannot run here, or null. */
export function mosquittoMissing(): string | null {
  return existsSync(MOSQUITTO) ? null : `${MOSQUITTO} is not installed`;
}

export function tempDir(t: ExecutionContext, prefix: string): string {
  const dir = makeTempDir(prefix);
  t.teardown(() => removeTempDir(dir));
  return dir;
}

/** mosquitto on one port and one persistence directory across restarts. */
export class Mosquitto {
  private proc: Proc | null = null;
  private constructor(readonly dir: string, readonly port: number, private readonly extra: string[]) {}

  static async start(t: ExecutionContext, extra: string[] = []): Promise<Mosquitto> {
    const dir = tempDir(t, 'bridge-mosquitto');
    // Started as root, mosquitto runs as the user mosquitto, which must write its persistence file here.
    chmodSync(dir, 0o777);
    const m = new Mosquitto(dir, await freePort(), extra);
    t.teardown(() => m.stop());
    await m.restart();
    return m;
  }

  log(): string {
    return this.proc?.output() ?? '';
  }

  async restart(): Promise<void> {
    const conf = join(this.dir, 'mosquitto.conf');
    writeFileSync(conf, [
      `listener ${this.port} ${LOOPBACK}`, 'allow_anonymous true',
      'persistence true', `persistence_location ${this.dir}/`, 'autosave_interval 1',
      'log_dest stderr', 'log_type error', 'log_type warning', 'log_type notice', 'log_type information',
      ...this.extra, '',
    ].join('\n'));
    const proc = startProcess(MOSQUITTO, ['-c', conf]);
    this.proc = proc;
    try {
      // Its own line, not just the port open: another process may have taken the port while it was down.
      await proc.waitFor(`listen socket on port ${this.port}`, 5000);
      await waitForPort(this.port, 5000, LOOPBACK, () => proc.child.exitCode === null);
    } catch (err) {
      await proc.stop();
      throw new Error(`mosquitto did not start: ${(err as Error).message}\n${proc.output()}`);
    }
  }

  /** SIGTERM: mosquitto writes its persistence file and exits. */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (p !== null) await p.stop(3000);
  }
}

/** The companion broker on one port (and store) across restarts. */
export class Companion {
  running: RunningBroker | null = null;
  private constructor(readonly port: number, private readonly options: ListenOptions) {}

  static async start(t: ExecutionContext, options: ListenOptions = {}): Promise<Companion> {
    const c = new Companion(await freePort(), options);
    t.teardown(() => c.stop());
    await c.restart();
    return c;
  }

  async restart(): Promise<void> {
    this.running = await startBroker({ port: this.port, sysInterval: 0, ...this.options });
  }

  async stop(): Promise<void> {
    const r = this.running;
    this.running = null;
    if (r !== null) await r.close();
  }
}

export interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

/** An MQTT.js client that reconnects by itself and keeps every message it gets. */
export class Peer {
  readonly got: Received[] = [];
  private constructor(readonly c: mqtt.MqttClient) {
    c.on('message', (topic, payload, packet) => this.got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }));
  }

  static async connect(t: ExecutionContext, port: number, opts: mqtt.IClientOptions = {}): Promise<Peer> {
    const c = await mqtt.connectAsync(`mqtt://${LOOPBACK}:${port}`, { reconnectPeriod: 200, connectTimeout: 5000, ...opts });
    t.teardown(() => { c.end(true); });
    return new Peer(c);
  }

  /** Resolves once `pred` holds of the messages; rejects after ms with what came. */
  async until(pred: (got: Received[]) => boolean, ms: number, what: string): Promise<Received[]> {
    const deadline = Date.now() + ms;
    while (!pred(this.got)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.got)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.got;
  }

  /** Payloads received on topic, in order. */
  on(topic: string): string[] {
    return this.got.filter((m) => m.topic === topic).map((m) => m.payload);
  }
}

/** Resolves once pred() holds (the shared wait, polling every 20 ms); rejects after ms. */
export function eventually(pred: () => boolean, ms: number, what: string): Promise<void> {
  return until(pred, what, ms, 20);
}
