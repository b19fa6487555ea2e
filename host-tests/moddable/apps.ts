// The Moddable apps `make lin-apps` builds with the real mcconfig before the tests run. An app is
// a folder with a manifest, or a wrapper the builder writes under build/lin/apps/<name>/ (a
// manifest that includes another, with other config values, or a copy of one of Moddable's
// example apps with its host and port pointed at the local broker). Broker ports are fixed at
// build time (the app is compiled with them), one per app, so tests can run side by side.
import { ROOT, type LinApp } from './lin.js';
import { extractGuide } from './guide-extract.js';

export interface AppSpec extends LinApp {
  /** A wrapper manifest: these includes (relative to the repository, or $(MODDABLE)/...). */
  include?: string[];
  /** Files copied into the wrapper's folder: destination name -> source (repository-relative or $(MODDABLE)/...), with text replacements. */
  copy?: Record<string, { from: string; replace?: [string, string][] }>;
  /** Extra wrapper manifest fields (modules, preload, creation...). */
  manifest?: Record<string, unknown>;
  /** Built by `make test` (false: only by the benchmark that needs it). */
  inTest: boolean;
  /** Called by build-apps before the wrapper is written and the app built (guide-app: extracts the guide's snippets). */
  prepare?: () => void;
}

export const WRAPPERS = 'build/lin/apps';

export const APPS: AppSpec[] = [
  { name: 'esp32', dir: 'targets/esp32', config: { broker: '127.0.0.1', port: 18831, interval: 1000 }, inTest: true },
  { name: 'esp8266', dir: 'targets/esp8266', config: { broker: '127.0.0.1', port: 18832, interval: 1000 }, inTest: true },
  { name: 'suite', dir: 'targets/esp32/suite', config: { broker: '127.0.0.1', port: 18833, device: 'lin-suite5', version: 5 }, inTest: true },
  {
    name: 'suite-v4', dir: `${WRAPPERS}/suite-v4`, include: ['targets/esp32/suite/manifest.json'],
    config: { broker: '127.0.0.1', port: 18834, device: 'lin-suite4', version: 4 }, inTest: true,
  },
  // host-tests/moddable/device-net.test.ts: the sensor with a broker host name (DNS server on 127.0.0.1:18853), TLS with the
  // right and a wrong CA, and broker credentials.
  ...(['dns', 'tls', 'tls-badca', 'auth'] as const).map((k): AppSpec => ({
    name: `net-${k}`, dir: `${WRAPPERS}/net-${k}`, include: ['host-tests/moddable/apps/net-sensor/manifest.json'], inTest: true,
    config: {
      dns: { broker: 'broker.xsmqtt.test', port: 18837, dns: '127.0.0.1', dnsPort: 18853, clientId: 'lin-net-dns' },
      tls: { port: 18838, secure: 'true', ca: 'broker-ca.der', clientId: 'lin-net-tls' },
      'tls-badca': { port: 18839, secure: 'true', ca: 'other-ca.der', clientId: 'lin-net-badca' },
      auth: { port: 18854, mqttUser: 'sensor-user', mqttPassword: 'sensor-pass', clientId: 'lin-net-auth' },
    }[k],
  })),
  // The device platforms as far as their ESP toolchains (not installable here): tsc, xsc, xsl, mc.xs.c.
  { name: 'esp32-device', dir: `${WRAPPERS}/esp32-device`, include: ['targets/esp32/manifest.json'], platform: 'esp32', config: {}, inTest: true },
  { name: 'esp8266-suite-device', dir: `${WRAPPERS}/esp8266-suite-device`, include: ['targets/esp8266/suite/manifest.json'], platform: 'esp', config: {}, inTest: true },
  // npm run footprint:moddable (host-tests/moddable/footprint-moddable.ts): the same MQTT job (host-tests/moddable/jobs/) on
  // each client, instrumented. Moddable's example manifests are copied with their module paths made absolute and their DNS
  // resolver (examples/io/udp/dns, not in the trimmed SDK) replaced by xsmqtt's (targets/moddable/manifest_dns.json).
  {
    name: 'fp-moddable-mqttclient', dir: `${WRAPPERS}/fp-moddable-mqttclient`, instrument: true, inTest: false,
    include: ['host-tests/moddable/jobs/moddable-mqttclient/manifest.json', `${WRAPPERS}/fp-moddable-mqttclient/manifest_mqttclient.json`],
    copy: { 'manifest_mqttclient.json': { from: '$(MODDABLE)/examples/io/tcp/mqttclient/manifest_mqttclient.json', replace: [
      ['"./config"', '"$(MODDABLE)/examples/io/tcp/mqttclient/config"'], ['"./mqttclient"', '"$(MODDABLE)/examples/io/tcp/mqttclient/mqttclient"'],
      ['$(MODDABLE)/examples/io/udp/dns/manifest_dns.json', '../../../../targets/moddable/manifest_dns.json']] } },
    config: { broker: '127.0.0.1', port: 18840, client: 'moddable-mqttclient' },
  },
  {
    name: 'fp-moddable-mqttjs', dir: `${WRAPPERS}/fp-moddable-mqttjs`, instrument: true, inTest: false,
    include: ['host-tests/moddable/jobs/moddable-mqttjs/manifest.json', `${WRAPPERS}/fp-moddable-mqttjs/manifest_mqtt.json`],
    copy: {
      'manifest_mqtt.json': { from: '$(MODDABLE)/examples/io/tcp/mqtt/manifest_mqtt.json', replace: [
        ['"./mqtt"', '"$(MODDABLE)/examples/io/tcp/mqtt/mqtt"'], ['$(MODDABLE)/examples/io/tcp/mqttclient/manifest_mqttclient.json', './manifest_mqttclient.json']] },
      'manifest_mqttclient.json': { from: '$(MODDABLE)/examples/io/tcp/mqttclient/manifest_mqttclient.json', replace: [
        ['"./config"', '"$(MODDABLE)/examples/io/tcp/mqttclient/config"'], ['"./mqttclient"', '"$(MODDABLE)/examples/io/tcp/mqttclient/mqttclient"'],
        ['$(MODDABLE)/examples/io/udp/dns/manifest_dns.json', '../../../../targets/moddable/manifest_dns.json']] },
    },
    config: { broker: '127.0.0.1', port: 18841, client: 'moddable-mqttjs' },
  },
  {
    name: 'fp-xsmqtt', dir: `${WRAPPERS}/fp-xsmqtt`, instrument: true, inTest: true, // footprint-moddable.test.ts runs it
    include: ['host-tests/moddable/jobs/xsmqtt/manifest.json'],
    config: { broker: '127.0.0.1', port: 18842, client: 'xsmqtt', capacities: 'job' },
  },
  {
    name: 'fp-xsmqtt-sensor', dir: `${WRAPPERS}/fp-xsmqtt-sensor`, instrument: true, inTest: false, include: ['host-tests/moddable/jobs/xsmqtt/manifest.json'],
    config: { broker: '127.0.0.1', port: 18843, client: 'xsmqtt-sensor', capacities: 'sensor' },
  },
  // The same job with xsmqtt's modules NOT preloaded (a copy of the library manifest without its preload list): what loading
  // them costs in RAM when they are not in flash.
  {
    name: 'fp-xsmqtt-unpreloaded', dir: `${WRAPPERS}/fp-xsmqtt-unpreloaded`, instrument: true, inTest: false,
    include: [`${WRAPPERS}/fp-xsmqtt-unpreloaded/job.json`],
    copy: {
      'library.json': { from: 'manifest.json', replace: [['"preload"', '"not-preloaded"'], ['"./src/', '"../../../../src/'], ['"./targets/', '"../../../../targets/']] },
      'job.json': { from: 'host-tests/moddable/jobs/xsmqtt/manifest.json', replace: [
        ['"../lib/manifest.json"', '"../../../../host-tests/moddable/jobs/lib/manifest.json"'], ['"../../../../manifest.json"', '"./library.json"'],
        ['"./main"', '"../../../../host-tests/moddable/jobs/xsmqtt/main"']] },
    },
    config: { broker: '127.0.0.1', port: 18846, client: 'xsmqtt-ram', capacities: 'job' },
  },
  // Where the device client's RAM goes: each part and each capacity's cost (targets/moddable/check/parts.ts), instrumented.
  { name: 'parts-xsmqtt', dir: `${WRAPPERS}/parts-xsmqtt`, include: ['host-tests/moddable/jobs/parts/manifest.json'], instrument: true, inTest: false, config: {} },
  // xsmqtt's drop-ins for Moddable's two clients, on the same jobs as Moddable's.
  {
    name: 'fp-xsmqtt-mqttclient', dir: `${WRAPPERS}/fp-xsmqtt-mqttclient`, instrument: true, inTest: false,
    include: ['host-tests/moddable/jobs/moddable-mqttclient/manifest.json', 'targets/moddable/manifest_mqttclient.json'],
    config: { broker: '127.0.0.1', port: 18844, client: 'xsmqtt-mqttclient' },
  },
  {
    name: 'fp-xsmqtt-mqttjs', dir: `${WRAPPERS}/fp-xsmqtt-mqttjs`, instrument: true, inTest: false,
    include: ['host-tests/moddable/jobs/moddable-mqttjs/manifest.json', 'targets/moddable/manifest_mqtt.json'],
    config: { broker: '127.0.0.1', port: 18845, client: 'xsmqtt-mqttjs' },
  },
  // host-tests/moddable/mqtt-js.test.ts: Moddable's mqtt/js example app (main.js, data.js, config.js copied, the URL pointed at
  // the local broker) on xsmqtt's mqtt/js and on Moddable's own (its DNS resolver, examples/io/udp/dns, not in the trimmed
  // SDK, replaced by xsmqtt's); and xsmqtt's extras (reconnect, offline QoS 1, MQTT 5).
  ...([['mqtt-js-example', 18850, '../../../../targets/moddable/manifest_mqtt.json'], ['mqtt-js-moddable', 18851, './manifest_mqtt.json']] as const).map(([name, port, mqtt]): AppSpec => ({
    name, dir: `${WRAPPERS}/${name}`, config: {}, inTest: true,
    include: [`${WRAPPERS}/${name}/example.json`],
    copy: {
      'main.js': { from: '$(MODDABLE)/examples/io/tcp/mqtt/main.js', replace: [["'mqtt://broker.hivemq.com'", `'mqtt://127.0.0.1:${port}'`]] },
      'data.js': { from: '$(MODDABLE)/examples/io/tcp/mqtt/data.js' },
      'config.js': { from: '$(MODDABLE)/examples/io/tcp/mqtt/config.js' },
      'example.json': { from: '$(MODDABLE)/examples/io/tcp/mqtt/manifest.json', replace: [['"./manifest_mqtt.json"', `"${mqtt}"`]] },
      'manifest_mqtt.json': { from: '$(MODDABLE)/examples/io/tcp/mqtt/manifest_mqtt.json', replace: [
        ['"./mqtt"', '"$(MODDABLE)/examples/io/tcp/mqtt/mqtt"'],
        ['$(MODDABLE)/examples/io/tcp/mqttclient/manifest_mqttclient.json', './manifest_mqttclient.json']] },
      'manifest_mqttclient.json': { from: '$(MODDABLE)/examples/io/tcp/mqttclient/manifest_mqttclient.json', replace: [
        ['"./config"', '"$(MODDABLE)/examples/io/tcp/mqttclient/config"'], ['"./mqttclient"', '"$(MODDABLE)/examples/io/tcp/mqttclient/mqttclient"'],
        ['$(MODDABLE)/examples/io/udp/dns/manifest_dns.json', '../../../../targets/moddable/manifest_dns.json']] },
    },
  })),
  { name: 'mqtt-js-extras', dir: 'host-tests/moddable/apps/mqtt-js-extras', config: { port: 18852, version: 4 }, inTest: true },
  { name: 'mqtt-js-extras5', dir: `${WRAPPERS}/mqtt-js-extras5`, include: ['host-tests/moddable/apps/mqtt-js-extras/manifest.json'], config: { port: 18857, version: 5 }, inTest: true },
  // host-tests/moddable/mqttclient.test.ts: Moddable's ECMA-419 MQTT client example, unchanged but for host and port, on
  // Moddable's own module and on ours (targets/moddable/manifest_mqttclient.json); the DNS resolver is xsmqtt's.
  ...([['mqttclient-moddable', 18835], ['mqttclient', 18836]] as const).map(([name, port]): AppSpec => ({
    name, dir: `${WRAPPERS}/${name}`, config: {}, inTest: true,
    include: ['$(MODDABLE)/examples/manifest_base.json', '$(MODDABLE)/examples/manifest_net.json', '$(MODDABLE)/modules/io/manifest.json',
      name === 'mqttclient' ? 'targets/moddable/manifest_mqttclient.json' : 'targets/moddable/manifest_dns.json'],
    copy: {
      'main.js': { from: '$(MODDABLE)/examples/io/tcp/mqttclient/main.js', replace: [['host: "test.mosquitto.org"', 'host: "127.0.0.1"'], ['port: 1883,', `port: ${port},`]] },
      ...(name === 'mqttclient' ? {} : {
        'config.js': { from: '$(MODDABLE)/examples/io/tcp/mqttclient/config.js' },
        'mqttclient.js': { from: '$(MODDABLE)/examples/io/tcp/mqttclient/mqttclient.js' },
      }),
    },
    manifest: name === 'mqttclient' ? { modules: { '*': './main' } } : {
      modules: { '*': './main', 'mqttclient/config': './config', 'embedded:network/mqtt/client': './mqttclient' },
      preload: ['mqttclient/config', 'embedded:network/mqtt/client'],
    },
  })),
  // host-tests/moddable/guide.test.ts: the app of docs/moddable.md, its files extracted from the guide's marked snippets;
  // its manifest finds the library through $(XSMQTT), set here to this checkout.
  {
    name: 'guide-app', dir: `${WRAPPERS}/guide-app`, config: { broker: '127.0.0.1', port: 18855 }, inTest: true,
    prepare: () => { extractGuide(); process.env.XSMQTT = ROOT; },
  },
];

/** An app by name (tests name the app they run). */
export function app(name: string): AppSpec {
  const a = APPS.find((x) => x.name === name);
  if (a === undefined) throw new Error(`no lin app named ${name}`);
  return a;
}
