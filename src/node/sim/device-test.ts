// `make device-test TARGET=node`: the integration suite on Node against the companion broker
// (started in-process with the suite profile, or --broker URL), TAP on stdout; exit 1 when a
// scenario fails.
import { allScenarios } from '../../core/suite/scenarios.js';
import { SuiteRunner } from '../../core/suite/runner.js';
import { NodeSuiteHost } from './suite-host.js';
import { parseBrokerUrl } from './run.js';
import { runSuiteInXs, xsMissing } from './xs-suite.js';

/**
 * What the suite needs from the broker: a small Receive Maximum (MQTT 5 only: the companion broker
 * applies it to 3.1.1 clients too, which cannot know it) and an ACL that allows suite/#, devices/#
 * and $bench/#.
 */
export const SUITE_ACL = 'pattern readwrite suite/#\npattern readwrite devices/#\npattern readwrite $bench/#\n';
export const SUITE_RECEIVE_MAXIMUM = 4;

const USAGE = 'usage: device-test [--broker mqtt://host:port] [--device ID] [--mqtt 4|5] [--xs]';

export async function main(argv: string[]): Promise<number> {
  let broker: string | undefined;
  let device = `node-${process.pid}`;
  let version = 5;
  let xs = false;
  let deviceGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--broker' && v !== undefined) { broker = v; i++; }
    else if (a === '--device' && v !== undefined && /^[A-Za-z0-9_-]+$/.test(v)) { device = v; deviceGiven = true; i++; }
    else if (a === '--mqtt' && (v === '4' || v === '5')) { version = Number(v); i++; }
    else if (a === '--xs') xs = true;
    else if (a === '-h' || a === '--help') { process.stdout.write(USAGE + '\n'); return 0; }
    else { process.stderr.write(`device-test: bad argument '${a}'\n${USAGE}\n`); return 2; }
  }
  if (xs) {
    if (!deviceGiven) device = `xs-${process.pid}`;
    const missing = xsMissing();
    if (missing !== null) { process.stderr.write(`device-test --xs: ${missing}\n`); return 1; }
  }
  let host = '127.0.0.1';
  let port: number;
  let close: (() => Promise<void>) | null = null;
  if (broker === undefined) {
    const { startBroker, Acl } = await import('../../broker/index.js');
    const running = await startBroker({ port: 0, host, receiveMaximum: version === 5 ? SUITE_RECEIVE_MAXIMUM : undefined, acl: Acl.parse(SUITE_ACL), sysInterval: 0 });
    port = running.port;
    close = running.close;
    process.stdout.write(`# companion broker (suite profile) on ${host}:${port}; device ${device}, MQTT ${version === 5 ? '5.0' : '3.1.1'}${xs ? ', inside XS' : ''}\n`);
  } else {
    ({ host, port } = parseBrokerUrl(broker));
  }
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

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    process.stderr.write(`device-test: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
