// Apache ActiveMQ 5.17 (Debian activemq) with an MQTT connector on a free loopback port, from a
// broker URI (no XML), in an instance dir of its own. The Debian package lacks the MQTT codec
// jars: they come from libmqtt-client-java and are put on this instance's lib path.
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, LOOPBACK, makeTempDir, removeTempDir, startProcess, waitForPort, type RunningBroker } from './proc.js';

const ACTIVEMQ_HOME = '/usr/share/activemq';
const CODEC_JARS = ['mqtt-client.jar', 'hawtdispatch.jar', 'hawtdispatch-transport.jar'];

export function activemqMissing(): string | null {
  if (!existsSync(join(ACTIVEMQ_HOME, 'bin', 'activemq.jar'))) return 'activemq is not installed (Debian package activemq)';
  for (const j of CODEC_JARS) if (!existsSync(join('/usr/share/java', j))) return `${j} is missing (Debian package libmqtt-client-java)`;
  return null;
}

export async function startActiveMQ(): Promise<RunningBroker> {
  const missing = activemqMissing();
  if (missing !== null) throw new Error(missing);
  const dir = makeTempDir('activemq');
  const port = await freePort();
  mkdirSync(join(dir, 'lib'));
  for (const j of CODEC_JARS) symlinkSync(join('/usr/share/java', j), join(dir, 'lib', j));
  writeFileSync(join(dir, 'log4j.properties'), [
    'log4j.rootLogger=WARN, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=%d %-5p %c{1} - %m%n',
    'log4j.logger.org.apache.activemq.broker.BrokerService=INFO',
    '',
  ].join('\n'));
  const uri = `broker:(mqtt+nio://${LOOPBACK}:${port})?useJmx=false&persistent=false&brokerName=xsmqtt${port}`;
  const proc = startProcess('java', [
    '-Xmx128m', '-XX:+UseSerialGC',
    `-Dactivemq.home=${ACTIVEMQ_HOME}`, `-Dactivemq.base=${dir}`, `-Dactivemq.conf=${dir}`,
    `-Dactivemq.data=${join(dir, 'data')}`, `-Dactivemq.classpath=${join(dir, 'lib')}`,
    `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
    '-jar', join(ACTIVEMQ_HOME, 'bin', 'activemq.jar'), 'start', uri,
  ], { cwd: dir });
  try {
    await waitForPort(port, 30000, LOOPBACK, () => proc.child.exitCode === null);
  } catch (err) {
    await proc.stop();
    removeTempDir(dir);
    throw new Error(`ActiveMQ did not start: ${(err as Error).message}\n${proc.output().slice(-3000)}`);
  }
  return {
    name: 'ActiveMQ', host: LOOPBACK, port,
    log: () => proc.output(),
    async stop() { await proc.stop(10000); removeTempDir(dir); },
  };
}
