// RabbitMQ 3.10 (Debian rabbitmq-server) with its MQTT plugin, as a private node: its own HOME,
// node name, Mnesia and log dirs, a private epmd, every port on loopback. First boot ~10 s.
import { existsSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, LOOPBACK, makeTempDir, removeTempDir, startProcess, waitForPort, type Proc, type RunningBroker } from './proc.js';

const RABBIT_LIB = '/usr/lib/rabbitmq/lib';

/** The versioned server script (not the wrapper in /usr/sbin that switches user), or null. */
export function rabbitmqServerScript(): string | null {
  if (!existsSync(RABBIT_LIB)) return null;
  const dirs = readdirSync(RABBIT_LIB).filter((d) => d.startsWith('rabbitmq_server-')).sort();
  const last = dirs[dirs.length - 1];
  if (last === undefined) return null;
  const script = join(RABBIT_LIB, last, 'sbin', 'rabbitmq-server');
  return existsSync(script) ? script : null;
}

/** A node's rabbitmq.conf: AMQP and MQTT on loopback, anonymous MQTT, warnings on the console only. */
export function rabbitmqConf(amqpPort: number, mqttPort: number): string {
  return [
    `listeners.tcp.default = ${LOOPBACK}:${amqpPort}`,
    `mqtt.listeners.tcp.default = ${LOOPBACK}:${mqttPort}`,
    'mqtt.allow_anonymous = true',
    'loopback_users = none',
    'log.console = true',
    'log.console.level = warning',
    'log.file = false',
    '',
  ].join('\n');
}

export async function startRabbitMQ(): Promise<RunningBroker> {
  const script = rabbitmqServerScript();
  if (script === null) throw new Error('rabbitmq-server is not installed (Debian package rabbitmq-server)');
  const dir = makeTempDir('rabbitmq');
  const [mqttPort, amqpPort, distPort, epmdPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  mkdirSync(join(dir, 'home'));
  writeFileSync(join(dir, 'rabbitmq.conf'), rabbitmqConf(amqpPort, mqttPort));
  writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_mqtt].\n');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  const nodeName = `xsmqtt${mqttPort}@localhost`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: join(dir, 'home'),
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_PID_FILE: join(dir, 'rabbit.pid'),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    RABBITMQ_CTL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: LOOPBACK,
  };
  // A private epmd on loopback first; otherwise Erlang starts a daemon on 4369 that outlives us.
  const epmd = startProcess('epmd', ['-port', String(epmdPort), '-address', LOOPBACK], { env });
  let server: Proc | undefined;
  const cleanup = async (): Promise<void> => {
    if (server) await server.stop(15000);
    await epmd.stop(2000);
    removeTempDir(dir);
  };
  try {
    await waitForPort(epmdPort, 5000, LOOPBACK, () => epmd.child.exitCode === null);
    server = startProcess(script, [], { env, cwd: dir });
    const s = server;
    await waitForPort(mqttPort, 60000, LOOPBACK, () => s.child.exitCode === null);
  } catch (err) {
    const out = server ? server.output() : epmd.output();
    await cleanup();
    throw new Error(`RabbitMQ did not start: ${(err as Error).message}\n${out.slice(-3000)}`);
  }
  const s = server;
  return { name: 'RabbitMQ', host: LOOPBACK, port: mqttPort, log: () => s.output(), stop: cleanup };
}
