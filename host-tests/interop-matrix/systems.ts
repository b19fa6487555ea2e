// What the matrix runs: the brokers the xsmqtt client must work with, and the clients the
// companion broker must serve, each with the deviations from the specification it is known for.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startActiveMQ, activemqMissing } from '../peers/activemq.js';
import { startAedes } from '../peers/aedes.js';
import { startMosca, moscaMissing } from '../peers/mosca.js';
import { startMosquitto } from '../peers/mosquitto.js';
import { startRabbitMQ, rabbitmqServerScript } from '../peers/rabbitmq.js';
import { LOOPBACK, type RunningBroker } from '../peers/proc.js';
import type { ClientAdapter } from './adapter.js';
import { mqttjsAdapter } from './adapter-mqttjs.js';
import { cliMissing, mosquittoCliAdapter, pahoCAsyncAdapter, pahoCSyncAdapter } from './adapter-cli.js';
import { pahoPythonAdapter, pahoPythonMissing, pahoPythonVersion } from './adapter-paho-python.js';

export interface BrokerSystem {
  name: string;
  /** Why it cannot run here, or null. */
  missing(): Promise<string | null>;
  /** When missing: true makes the row fail (it must run on CI); false shows n/a. */
  required: boolean;
  start(): Promise<RunningBroker>;
  /** Deviation key -> what the peer does and why it is accepted. */
  deviations: Record<string, string>;
  /** Speaks MQTT 5 (else a v5 refusal is shown, not failed). */
  v5: boolean;
}

export interface ClientSystem {
  name: string;
  adapter(): Promise<ClientAdapter | string>;
  required: boolean;
}

export const BROKERS: BrokerSystem[] = [
  {
    name: 'mosquitto 2.0', required: true, deviations: {}, v5: true,
    missing: async () => (existsSync('/usr/sbin/mosquitto') ? null : 'mosquitto is not installed (Debian package mosquitto)'),
    start: () => startMosquitto(),
  },
  {
    name: 'RabbitMQ 3.10', required: true, v5: false,
    deviations: {
      'qos2-granted-1': 'the RabbitMQ MQTT plugin has no QoS 2: it grants QoS 2 subscriptions as QoS 1 (a server may grant less, MQTT-3.9.3)',
      'qos2-answered-puback': 'the RabbitMQ MQTT plugin handles a QoS 2 PUBLISH as QoS 1 and answers it with PUBACK, where the spec asks for PUBREC',
    },
    missing: async () => (rabbitmqServerScript() ? null : 'rabbitmq-server is not installed (Debian package rabbitmq-server)'),
    start: () => startRabbitMQ(),
  },
  {
    name: 'ActiveMQ 5.17', required: true, v5: false,
    deviations: {
      'session-present-0-on-resume': 'ActiveMQ 5.17 resumes a persistent MQTT session (queued messages are delivered) but answers CONNACK with Session Present 0',
    },
    missing: async () => activemqMissing(),
    start: () => startActiveMQ(),
  },
  {
    name: 'aedes 1.2', required: true, deviations: {}, v5: false,
    missing: async () => null,
    start: () => startAedes(),
  },
  {
    // Installed apart, into build/mosca, by `make interop` (see host-tests/peers/mosca.ts), so
    // its 2018 dependency tree (mqtt 1.x, levelup, optional database drivers) stays out of npm ci.
    name: 'mosca 2.8.3', required: true, v5: false,
    deviations: {
      'qos2-granted-1': 'mosca has no QoS 2: it grants QoS 2 subscriptions as QoS 1 (a server may grant less, MQTT-3.9.3)',
      'qos2-answered-nothing': 'mosca 2.8.3 never answers a QoS 2 PUBLISH (no PUBREC), though it delivers the message at QoS 1',
      'retain-flag-missing': 'mosca 2.8.3 delivers a retained message to a new subscriber with RETAIN 0 (MQTT-3.3.1-8)',
    },
    missing: async () => moscaMissing(),
    start: () => startMosca(),
  },
];

const here = dirname(fileURLToPath(import.meta.url));
/** dist/src/<sub> as seen from dist/host-tests/interop-matrix/. */
const distSrc = (sub: string): string => join(here, '..', '..', 'src', sub);

/** The companion broker (src/broker/), once it exports a start function; else a reason. */
export function companionBroker(): BrokerSystem {
  let found: { start: () => Promise<RunningBroker> } | string | undefined;
  const find = async (): Promise<{ start: () => Promise<RunningBroker> } | string> => {
    if (found !== undefined) return found;
    found = 'the companion broker (src/broker/) does not export startBroker (build it: make build)';
    for (const file of ['index.js', 'broker.js', 'server.js']) {
      const path = join(distSrc('broker'), file);
      if (!existsSync(path)) continue;
      const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
      const fn = mod.startBroker;
      if (typeof fn === 'function') {
        found = { start: () => companionStart(fn as CompanionStart) };
        break;
      }
    }
    return found;
  };
  return {
    name: 'xsmqtt broker', required: true, deviations: {}, v5: true,
    missing: async () => { const f = await find(); return typeof f === 'string' ? f : null; },
    start: async () => { const f = await find(); if (typeof f === 'string') throw new Error(f); return f.start(); },
  };
}

type CompanionStart = (opts: { host?: string; port?: number }) => Promise<{ port?: number; address?: () => unknown; close?: () => Promise<void>; stop?: () => Promise<void> }>;

async function companionStart(fn: CompanionStart): Promise<RunningBroker> {
  const b = await fn({ host: LOOPBACK, port: 0 });
  const addr = b.address?.() as { port?: number } | undefined;
  const port = b.port ?? addr?.port;
  if (typeof port !== 'number') throw new Error('startBroker() returned no port');
  return {
    name: 'xsmqtt broker', host: LOOPBACK, port, log: () => '',
    async stop() { if (b.close) await b.close(); else if (b.stop) await b.stop(); },
  };
}

/** The xsmqtt Node client as a client under test, once src/node/ has it; else a reason. */
export async function xsmqttAdapter(): Promise<ClientAdapter | string> {
  const path = join(here, 'adapter-xsmqtt.js');
  if (!existsSync(path)) return 'the xsmqtt Node client adapter is not wired yet: src/node/ has no TCP client to drive';
  const mod = (await import(pathToFileURL(path).href)) as { xsmqttAdapter?: () => Promise<ClientAdapter | string> };
  return mod.xsmqttAdapter ? mod.xsmqttAdapter() : 'adapter-xsmqtt.js exports no xsmqttAdapter';
}

export const CLIENTS: ClientSystem[] = [
  { name: 'MQTT.js 5', required: true, adapter: async () => mqttjsAdapter },
  { name: 'mosquitto_sub/pub', required: true, adapter: async () => cliMissing(['mosquitto_sub', 'mosquitto_pub'], 'mosquitto-clients') ?? mosquittoCliAdapter },
  { name: 'Paho C async', required: true, adapter: async () => cliMissing(['paho_c_sub', 'paho_c_pub'], 'paho.mqtt.c-examples') ?? pahoCAsyncAdapter },
  { name: 'Paho C sync', required: true, adapter: async () => cliMissing(['paho_cs_sub', 'paho_cs_pub'], 'paho.mqtt.c-examples') ?? pahoCSyncAdapter },
  { name: 'Paho Python', required: true, adapter: async () => pahoPythonMissing() ?? { ...pahoPythonAdapter, name: `Paho Python ${pahoPythonVersion()}` } },
];
