// mqtts:// against mosquitto with certificates made by the test: verified server, client
// certificate required, a wrong CA refused, --insecure only when asked.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { connectAsync } from '../../src/node/index.js';
import { startMosquitto } from '../peers/mosquitto.js';
import type { RunningBroker } from '../peers/proc.js';
import { makeCerts, type Certs } from './certs.js';
import { CLI, next, runToEnd } from './helpers.js';

let certs: Certs;
let broker: RunningBroker;
test.before(async () => {
  certs = makeCerts();
  broker = await startMosquitto({
    extraConfig: [`cafile ${certs.ca}`, `certfile ${certs.serverCert}`, `keyfile ${certs.serverKey}`, 'require_certificate true'],
  });
});
test.after.always(async () => {
  await broker?.stop();
  certs?.remove();
});

const url = (): string => `mqtts://127.0.0.1:${broker.port}`;

for (const version of [4, 5] as const) {
  test(`v${version}: TLS with the CA and a client certificate: publish and receive`, async (t) => {
    const c = await connectAsync(url(), {
      protocolVersion: version, ca: readFileSync(certs.ca), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey),
    });
    t.teardown(() => c.endAsync(true));
    const msg = next<[string, Buffer]>(c, 'message');
    await c.subscribeAsync(`tls/v${version}`, { qos: 1 });
    await c.publishAsync(`tls/v${version}`, 'secret', { qos: 1 });
    const [topic, payload] = await msg;
    t.is(`${topic} ${payload.toString()}`, `tls/v${version} secret`);
    await c.endAsync();
  });

  test(`v${version}: a server certificate from another CA is refused`, async (t) => {
    const err = await t.throwsAsync(connectAsync(url(), {
      protocolVersion: version, ca: readFileSync(certs.otherCa), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey),
    }));
    t.regex(err!.message, /certificate/i);
  });
}

test('without a client certificate the server refuses the handshake', async (t) => {
  const err = await t.throwsAsync(connectAsync(url(), { ca: readFileSync(certs.ca), reconnectPeriod: 0 }));
  t.truthy(err);
});

test('rejectUnauthorized: false connects even with the wrong CA', async (t) => {
  const c = await connectAsync(url(), {
    ca: readFileSync(certs.otherCa), rejectUnauthorized: false, cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey),
  });
  t.true(c.connected);
  await c.endAsync();
});

test('xsmqtt pub over TLS: --cafile --cert --key; a wrong --cafile fails in one line; --insecure connects', async (t) => {
  const common = ['pub', '-h', '127.0.0.1', '-p', String(broker.port), '-t', 'tls/cli', '-m', 'x', '-q', '1', '--cert', certs.clientCert, '--key', certs.clientKey];
  const ok = await runToEnd(t, 'node', [CLI, ...common, '--cafile', certs.ca]);
  t.is(ok.code, 0, ok.stderr);
  const bad = await runToEnd(t, 'node', [CLI, ...common, '--cafile', certs.otherCa]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /^xsmqtt pub: connection failed: .*certificate.*\n$/i);
  const insecure = await runToEnd(t, 'node', [CLI, ...common, '--cafile', certs.otherCa, '--insecure']);
  t.is(insecure.code, 0, insecure.stderr);
});
