// `xsmqtt sim`: the host simulator. With no flags: the embedded companion broker and 100
// simulated devices for 20 s, live progress, then a summary.
import { parseFaultSpec } from '../../broker/faults.js';
import { FaultPlan, formatSummary, parseBrokerUrl, runSim, SimOptions } from './run.js';
import { runVirtualCli } from './virtual-cli.js';
import { fleetMissing, LX106_MAX_DEVICES } from './xs-fleet.js';
import { formatHelp, parseOptions, UsageError, type OptionSpec } from '../cli/args.js';

export const DEFAULT_DEVICES = 100;
export const DEFAULT_DURATION_S = 20;

const USAGE = 'usage: xsmqtt sim [options]';

const int = (min: number, max: number): [number, number] => [min, max];

export const SPECS: OptionSpec[] = [
  { name: 'devices', long: '--devices', values: ['N'], int: int(1, 1000000), help: `simulated devices (default ${DEFAULT_DEVICES})` },
  { name: 'broker', long: '--broker', values: ['URL[,URL...]'], help: 'mqtt://host:port of a broker to use instead of the embedded one;\nseveral: devices spread over them in turn' },
  { name: 'qos', long: '--qos', values: ['0|1|2'], int: int(0, 2), what: 'QoS', help: 'telemetry QoS (default 1)' },
  { name: 'interval', long: '--interval', values: ['T'], help: 'time between telemetry messages per device: ms, or with s/m (default 1s)' },
  { name: 'payloadBytes', long: '--payload-bytes', values: ['N'], int: int(0, 1 << 20), help: 'telemetry payload size, padded (default: the JSON reading, about 60 bytes)' },
  { name: 'duration', long: '--duration', values: ['T'], help: `how long to run: s, or with ms/s/m (default ${DEFAULT_DURATION_S}s)` },
  { name: 'faults', long: '--faults', values: ['SPEC'], help: 'disconnect:P%[/T] (the broker closes P % of devices every T, default 5s),\nkill:P%[/T] (devices drop their connection: wills fire), or a broker\nfault rule kind:key=value,... (e.g. drop:packet=puback,count=10);\nseveral separated by \';\'' },
  { name: 'xs', long: '--xs', help: 'run the devices inside the XS engine (the host XS runtime, targets/xs)' },
  { name: 'lx106', long: '--lx106', help: `run each device on an emulated ESP8266 (targets/lx106 under QEMU;\nmake lx106): at most ${LX106_MAX_DEVICES} devices, 4 unless --devices says` },
  { name: 'json', long: '--json', help: 'print the summary as JSON on the last line' },
  { name: 'mqtt', long: '--mqtt', values: ['4|5'], int: int(4, 5), what: 'protocol version', help: 'protocol version (default 5)' },
  { name: 'keepalive', long: '--keepalive', values: ['S'], int: int(0, 65535), help: 'keep alive, seconds (default 60)' },
  { name: 'ramp', long: '--ramp', values: ['N'], int: int(1, 1000000), help: 'new connections per second while starting (default 5000)' },
  { name: 'sourceAddresses', long: '--source-addresses', values: ['N'], int: int(1, 250), help: 'spread connections over 127.0.0.2 .. 127.0.0.(N+1) (loopback brokers)' },
  { name: 'noMonitor', long: '--no-monitor', help: 'do not count delivered telemetry (saves broker work for huge fleets)' },
  { name: 'console', long: '--console', values: ['PORT'], int: int(0, 65535), what: 'port', help: 'the embedded broker\'s bench console (web page) on this port (default 0: a free one)' },
  { name: 'noConsole', long: '--no-console', help: 'no bench console' },
  { name: 'link', long: '--link', values: ['tcp|memory|auto'], help: 'how devices reach the embedded broker: TCP, in-process links (no socket),\nor TCP as far as the file limit allows and links beyond (default auto)' },
  { name: 'procs', long: '--procs', values: ['N'], int: int(1, 64), help: 'simulator processes holding the devices (default: 1 up to 20,000 devices,\nthen one per 50,000, at least 2)' },
  { name: 'virtualTime', long: '--virtual-time', help: 'devices and the embedded broker on one simulated clock, in-process links:\na seeded day (keep alive, a broker restart, naps, deaths, expiring\ncommands) in minutes; --duration is simulated (default 24h), --interval\ndefaults to 5m' },
  { name: 'eventLog', long: '--event-log', values: ['FILE'], help: 'with --virtual-time: every event as one line (same seed, same bytes)' },
  { name: 'scenario', long: '--scenario', values: ['restart'], help: 'restart: a third of the way through, the broker drops every connection\nand refuses new ones for --downtime; the summary reports the storm' },
  { name: 'downtime', long: '--downtime', values: ['T'], help: 'how long the restarted broker refuses connections (default 1s; 30s\non virtual time)' },
  { name: 'statsFile', long: '--stats-file', values: ['FILE'], help: 'one JSON line a second (simulated, with --virtual-time) with the live\nnumbers; the summary adds each series\' percentiles' },
  { name: 'seed', long: '--seed', values: ['N'], int: int(0, 0xffffffff), help: 'seed for sensors and faults (default 1)' },
  { name: 'help', short: '-h', long: '--help', help: 'this text' },
];

function parseTime(v: string, flag: string, unitDefault: 'ms' | 's'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v);
  if (!m) throw new UsageError(`${flag}: expected a time like 500ms, 20s, 2m or 24h, got '${v}'`);
  const n = Number(m[1]);
  const unit = m[2] ?? unitDefault;
  return Math.round(unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60000 : n * 3600000);
}

function parseFaults(spec: string): FaultPlan[] {
  const out: FaultPlan[] = [];
  for (const part of spec.split(';')) {
    const p = part.trim();
    if (p === '') continue;
    const m = /^(disconnect|kill):(\d+(?:\.\d+)?)%(?:\/(.+))?$/.exec(p);
    if (m) {
      const percent = Number(m[2]);
      if (percent <= 0 || percent > 100) throw new UsageError(`--faults: ${m[1]} percentage must be in (0, 100]`);
      out.push({ kind: m[1] as 'disconnect' | 'kill', percent, periodMs: m[3] ? parseTime(m[3], '--faults', 's') : 5000 });
      continue;
    }
    if (/^(disconnect|kill)\b/.test(p)) throw new UsageError(`--faults: expected ${p.split(':')[0]}:P% or ${p.split(':')[0]}:P%/T, got '${p}'`);
    try {
      const f = parseFaultSpec(p);
      const colon = p.indexOf(':');
      const params: Record<string, string> = {};
      if (colon >= 0) {
        for (const kv of p.slice(colon + 1).split(',')) {
          if (kv === '') continue;
          const eq = kv.indexOf('=');
          params[kv.slice(0, eq)] = kv.slice(eq + 1);
        }
      }
      out.push({ kind: 'broker', percent: 0, periodMs: 0, brokerKind: f.kind, params });
    } catch (e) {
      throw new UsageError(`--faults: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (out.length === 0) throw new UsageError('--faults: empty specification');
  return out;
}

export function parseArgs(argv: string[], isTTY: boolean, write: (s: string) => void): SimOptions | 'help' {
  const o: SimOptions = {
    devices: DEFAULT_DEVICES, qos: 1, interval: 1000, payloadBytes: 0, durationMs: DEFAULT_DURATION_S * 1000,
    durationDefaulted: true, faults: [], json: false, version: 5, ramp: 5000, seed: 1, keepAlive: 60,
    localAddresses: [], progress: isTTY ? 'tty' : 'lines', progressMs: 1000, monitor: true, xs: false, lx106: false,
    link: 'auto', procs: 0, scenario: 'none', downtimeMs: 1000, virtualTime: false, write,
  };
  const a = parseOptions(SPECS, argv);
  if (a.has('help')) return 'help';
  const xs = a.has('xs');
  const lx106 = a.has('lx106');
  const devicesSet = a.has('devices');
  o.devices = a.int('devices') ?? o.devices;
  const broker = a.value('broker');
  if (broker !== undefined) {
    for (const url of broker.split(',')) parseBrokerUrl(url);
    o.broker = broker;
  }
  o.qos = a.int('qos') ?? o.qos;
  const interval = a.value('interval');
  if (interval !== undefined) {
    o.interval = parseTime(interval, '--interval', 'ms');
    if (o.interval < 10) throw new UsageError('--interval: at least 10ms');
  }
  o.payloadBytes = a.int('payloadBytes') ?? o.payloadBytes;
  const duration = a.value('duration');
  if (duration !== undefined) {
    o.durationMs = parseTime(duration, '--duration', 's');
    o.durationDefaulted = false;
    if (o.durationMs <= 0) throw new UsageError('--duration: must be positive');
  }
  for (const f of a.all('faults')) o.faults.push(...parseFaults(f));
  const rule = o.faults.find((f) => f.kind === 'broker');
  if (rule !== undefined && o.broker !== undefined) {
    throw new UsageError(`--faults ${rule.brokerKind}:...: a broker fault rule needs the embedded broker; ${o.broker} cannot be told (use disconnect:P% or kill:P%, done by the devices)`);
  }
  o.json = a.has('json');
  o.version = a.int('mqtt') ?? o.version;
  o.keepAlive = a.int('keepalive') ?? o.keepAlive;
  o.ramp = a.int('ramp') ?? o.ramp;
  const sources = a.int('sourceAddresses');
  if (sources !== undefined) o.localAddresses = Array.from({ length: sources }, (_, k) => `127.0.0.${k + 2}`);
  if (a.has('noMonitor')) o.monitor = false;
  o.seed = a.int('seed') ?? o.seed;
  const link = a.value('link');
  if (link !== undefined) {
    if (link !== 'tcp' && link !== 'memory' && link !== 'auto') throw new UsageError(`--link: expected tcp, memory or auto, got '${link}'`);
    o.link = link;
  }
  if (o.link === 'memory' && o.broker !== undefined) throw new UsageError('--link memory needs the embedded broker (drop --broker)');
  o.procs = a.int('procs') ?? o.procs;
  if (o.broker !== undefined && (xs || lx106 || o.procs > 1) && o.faults.some((f) => f.kind === 'disconnect')) {
    // Devices in other processes are disconnected by asking the broker, which an external one cannot be.
    throw new UsageError('--faults disconnect:P% with an external --broker needs the devices in this process (drop --procs, --xs, --lx106)');
  }
  const scenario = a.value('scenario');
  if (scenario !== undefined) {
    if (scenario !== 'restart') throw new UsageError(`--scenario: expected restart, got '${scenario}'`);
    o.scenario = scenario;
  }
  o.virtualTime = a.has('virtualTime');
  const downtime = a.value('downtime');
  o.downtimeMs = downtime !== undefined ? parseTime(downtime, '--downtime', 's') : o.virtualTime ? 30000 : 1000;
  o.eventLog = a.value('eventLog');
  o.statsFile = a.value('statsFile');
  if (o.eventLog !== undefined && !o.virtualTime) throw new UsageError('--event-log needs --virtual-time');
  if (o.scenario === 'restart' && o.broker !== undefined) throw new UsageError('--scenario restart needs the embedded broker (drop --broker)');
  if (o.scenario === 'restart' && o.procs > 1) throw new UsageError('--scenario restart runs the devices in one process (drop --procs)');
  if (o.virtualTime) {
    if (o.broker !== undefined) throw new UsageError('--virtual-time needs the embedded broker (drop --broker)');
    if (o.link === 'tcp' || o.procs > 1 || xs || lx106) throw new UsageError('--virtual-time runs on in-process links only (drop --link tcp, --procs, --xs, --lx106)');
    if (o.faults.length > 0) throw new UsageError('--virtual-time has its own scenario (drop --faults)');
    if (duration === undefined) o.durationMs = 24 * 3600000;
    if (interval === undefined) o.interval = 300000;
  }
  o.console = a.has('noConsole') || o.broker !== undefined ? null : a.int('console') ?? 0;
  if (xs && lx106) throw new UsageError('--xs and --lx106: choose one');
  if (xs || lx106) {
    const f = xs ? '--xs' : '--lx106';
    if (o.faults.some((x) => x.kind === 'kill')) throw new UsageError(`--faults kill:P% is not available with ${f} (use disconnect:P%)`);
    if (o.localAddresses.length > 0) throw new UsageError(`--source-addresses is not available with ${f}`);
    if (o.link === 'memory' || o.procs > 1) throw new UsageError(`--link memory and --procs are not available with ${f}`);
    if (o.faults.length > 0 && !o.monitor) throw new UsageError(`--faults with ${f} needs the monitor (drop --no-monitor)`);
    if (lx106) {
      // One QEMU process per device: the default fleet of 100 is too many for --lx106.
      if (!devicesSet) o.devices = Math.min(o.devices, 4);
      if (o.devices > LX106_MAX_DEVICES) throw new UsageError(`--devices: at most ${LX106_MAX_DEVICES} with --lx106 (one emulated ESP8266 each)`);
    }
    const missing = fleetMissing(lx106 ? 'lx106' : 'xs');
    if (missing !== null) throw new XsUnavailable(`${f}: ${missing}`);
    o.xs = true;
    o.lx106 = lx106;
  }
  return o;
}

class XsUnavailable extends Error {}

export async function main(argv: string[]): Promise<number> {
  const write = (s: string): void => { process.stdout.write(s); };
  let o: SimOptions | 'help';
  try {
    o = parseArgs(argv, process.stdout.isTTY === true, write);
  } catch (e) {
    if (e instanceof XsUnavailable) {
      process.stderr.write(`xsmqtt sim: ${e.message}\n`);
      return 1;
    }
    if (e instanceof UsageError || e instanceof Error) {
      process.stderr.write(`xsmqtt sim: ${e.message} (xsmqtt sim --help)\n`);
      return 2;
    }
    throw e;
  }
  if (o === 'help') {
    write(formatHelp(USAGE, SPECS) + '\n');
    return 0;
  }
  if (o.virtualTime) return runVirtualCli(o, write);
  if (!o.json) {
    write(`xsmqtt sim: ${o.devices} devices${o.lx106 ? ' on emulated ESP8266s' : o.xs ? ' inside XS' : ''}, QoS ${o.qos}, every ${o.interval} ms, MQTT ${o.version === 5 ? '5.0' : '3.1.1'}, for ${o.durationMs / 1000} s` +
      `${o.durationDefaulted ? ' (default)' : ''}${o.broker ? `, broker ${o.broker}` : ', embedded broker'}\n`);
  }
  let stopRequested = false;
  const onSigint = (): void => { stopRequested = true; };
  process.once('SIGINT', onSigint);
  try {
    const summary = await runSim(o);
    if (o.progress === 'tty') write('\n');
    if (!o.json) write(formatSummary(summary, o));
    else write(JSON.stringify(summary) + '\n');
    void stopRequested;
    return 0;
  } catch (e) {
    if (o.progress === 'tty') write('\n');
    process.stderr.write(`xsmqtt sim: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
