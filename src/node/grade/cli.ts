// `xsmqtt grade`: the device report card. Starts the companion broker, runs the client under
// test (or waits for one started by hand), runs the scripted situations and grades the trace.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Broker } from '../../broker/index.js';
import { formatHelp, parseOptions, UsageError, type OptionSpec } from '../cli/args.js';
import { GradeListener } from './listener.js';
import { judgeAll } from './checks.js';
import { cardJson, cardJunit, cardTable } from './report.js';
import { GradeScript } from './script.js';
import { CHECKS, counts, ReportCard, verdict } from './verdict.js';

const USAGE = `usage: xsmqtt grade [options] -- COMMAND [ARGS...]   grade the client COMMAND starts
       xsmqtt grade [options] --wait                  grade a client started by hand

COMMAND gets the broker in MQTT_URL, MQTT_HOST and MQTT_PORT, and {url}, {host}, {port} in
its arguments are replaced.`;

const SPECS: OptionSpec[] = [
  { name: 'port', long: '--port', values: ['N'], int: [0, 65535], what: 'port', help: 'broker port (default 1883; 0: any free port)' },
  { name: 'host', long: '--host', values: ['ADDR'], help: 'address to listen on (default 127.0.0.1)' },
  { name: 'name', long: '--name', values: ['NAME'], help: "the client's name on the card (default: the command)" },
  { name: 'junit', long: '--junit', values: ['FILE'], help: 'write the card as JUnit XML' },
  { name: 'json', long: '--json', values: ['FILE'], help: 'write the card as JSON' },
  { name: 'trace', long: '--trace', values: ['FILE'], help: "write the broker's packet trace (every client) as text" },
  { name: 'console', long: '--console', values: ['PORT'], int: [0, 65535], what: 'port', help: 'serve the bench console during the run (0: any free port), and the card\non it at the end ($bench/grade/<client id>) until Ctrl-C' },
  { name: 'connectWait', long: '--connect-wait', values: ['S'], int: [1, 3600], what: 'seconds', help: 'seconds to wait for the first CONNECT (default 30)' },
  { name: 'reconnectWait', long: '--reconnect-wait', values: ['S'], int: [1, 3600], what: 'seconds', help: 'seconds to wait for each reconnect (default 30)' },
  { name: 'refusals', long: '--refusals', values: ['N'], int: [2, 8], what: 'count', help: 'reconnect attempts turned away after the drop, 2..8 (default 3)' },
  { name: 'wait', long: '--wait', help: 'grade the first client that connects (started by hand)' },
  { name: 'verbose', short: '-v', long: '--verbose', help: 'say what the script is doing (stderr)' },
  { name: 'help', short: '-h', long: '--help', help: 'this help' },
];

interface GradeArgs {
  port: number; host: string; name: string; junit: string; json: string; trace: string;
  /** The bench console's port; -1: none. */
  console: number;
  connectWait: number; reconnectWait: number; refusals: number; verbose: boolean; wait: boolean; command: string[];
}

/** Parses the flags (those before `--`; the client's command after it); a string is the one-line error. */
export function parseGradeArgs(argv: string[]): GradeArgs | string {
  const dash = argv.indexOf('--');
  let a;
  try {
    a = parseOptions(SPECS, dash >= 0 ? argv.slice(0, dash) : argv);
  } catch (e) {
    if (e instanceof UsageError) return `${e.message} (xsmqtt grade --help)`;
    throw e;
  }
  for (const f of ['host', 'name', 'junit', 'json', 'trace']) if (a.value(f) === '') return `--${f} needs a value`;
  const r: GradeArgs = {
    port: a.int('port') ?? 1883, host: a.value('host') ?? '127.0.0.1', name: a.value('name') ?? '',
    junit: a.value('junit') ?? '', json: a.value('json') ?? '', trace: a.value('trace') ?? '', console: a.int('console') ?? -1,
    connectWait: a.int('connectWait') ?? 30, reconnectWait: a.int('reconnectWait') ?? 30, refusals: a.int('refusals') ?? 3,
    verbose: a.has('verbose'), wait: a.has('wait'), command: dash >= 0 ? argv.slice(dash + 1) : [],
  };
  if (r.wait === (r.command.length > 0)) return r.wait ? '--wait and a command exclude each other' : 'give the client command after --, or --wait';
  return r;
}

/** The client under test as a child process: its output kept (up to 1 MiB), stopped with SIGINT. */
function startChild(command: string[], url: string, host: string, port: number): { proc: ChildProcess; output(): string; alive(): boolean; stop(): void } {
  const fill = (s: string): string => s.replace(/\{url\}/g, url).replace(/\{host\}/g, host).replace(/\{port\}/g, String(port));
  const proc = spawn(command[0], command.slice(1).map(fill), {
    env: { ...process.env, MQTT_URL: url, MQTT_HOST: host, MQTT_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  const keep = (b: Buffer): void => { if (out.length < 1 << 20) out += b.toString('utf8'); };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  proc.on('error', (e) => { out += `\n${command[0]}: ${e.message}\n`; });
  return {
    proc,
    output: () => out,
    alive: () => proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined,
    stop: () => { try { proc.kill('SIGINT'); } catch { /* gone */ } },
  };
}

export async function main(argv: string[]): Promise<number> {
  const own = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (own.includes('-h') || own.includes('--help')) {
    process.stdout.write(formatHelp(USAGE, SPECS) + '\n');
    return 0;
  }
  const args = parseGradeArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`xsmqtt grade: ${args}\n`);
    return 2;
  }
  const broker = new Broker({ sysInterval: 0 });
  const listener = new GradeListener(broker);
  try {
    await listener.listen(args.port, args.host);
  } catch (e) {
    broker.close();
    process.stderr.write(`xsmqtt grade: cannot listen on ${args.host}:${args.port}: ${(e as Error).message}\n`);
    return 1;
  }
  const host = args.host === '0.0.0.0' ? '127.0.0.1' : args.host;
  const url = `mqtt://${host}:${listener.port}`;
  const progress = (line: string): void => { if (args.verbose) process.stderr.write(`grade: ${line}\n`); };
  const started = new Date();
  const child = args.wait ? null : startChild(args.command, url, host, listener.port);
  if (args.wait) process.stderr.write(`xsmqtt grade: waiting for a client on ${args.host}:${listener.port} (${args.connectWait} s)\n`);
  else progress(`broker on ${url}; started ${args.command.join(' ')}`);
  const script = new GradeScript({
    broker, listener, url, connectWaitMs: args.connectWait * 1000, reconnectWaitMs: args.reconnectWait * 1000,
    refusals: args.refusals, finalMs: 6000, endWaitMs: 8000, child, progress,
  });
  const trace: string[] = [];
  broker.onTrace = (line, rec) => {
    script.obs.onTrace(line, rec);
    if (args.trace !== '') trace.push(line);
  };
  // Started after onTrace is set: the console's recorder chains to it.
  const bench = args.console < 0 ? null : await (await import('../../console/server.js')).startConsole(broker, { port: args.console, host: args.host });
  if (bench !== null) process.stderr.write(`bench console: ${bench.url}\n`);
  try {
    await script.run();
  } finally {
    if (child !== null && child.alive() && child.proc.pid !== undefined) {
      try { process.kill(-child.proc.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    await listener.close();
  }
  const first = script.obs.connections[0];
  const card: ReportCard = {
    client: args.name !== '' ? args.name : args.wait ? 'a client started by hand' : args.command.join(' '),
    clientId: first?.clientId ?? '',
    version: first?.version ?? 0,
    started: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
    verdicts: first === undefined
      ? CHECKS.map(([id]) => verdict(id, 'not exercised', `no client connected within ${args.connectWait} s`))
      : judgeAll(script.obs, script.facts),
  };
  process.stdout.write(cardTable(card));
  if (first === undefined && child !== null && child.output() !== '') process.stdout.write(`the command said:\n${child.output().slice(-2000)}\n`);
  if (args.junit !== '') writeFileSync(args.junit, cardJunit(card));
  if (args.json !== '') writeFileSync(args.json, cardJson(card));
  if (args.trace !== '') writeFileSync(args.trace, trace.join('\n') + '\n');
  const status = first === undefined || counts(card).fail > 0 ? 1 : 0;
  if (bench !== null) {
    // The card where the console's page (and any client) reads it: retained, by client id.
    const level = card.clientId !== '' ? card.clientId.replace(/[/+#]/g, '_') : 'no-client';
    broker.publishInternal(`$bench/grade/${level}`, Buffer.from(cardJson(card)), true);
    process.stderr.write(`the card is on the bench console: ${bench.url} (Ctrl-C to end)\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await bench.close();
  }
  broker.close();
  return status;
}
