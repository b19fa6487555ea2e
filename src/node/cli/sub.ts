// `xsmqtt sub`: mosquitto_sub's options, output and exit statuses (27 on -W's timeout).
import { matchFilter } from '../../core/topic/match.js';
import type { MessageInfo, MqttClient } from '../client.js';
import { UsageError } from './args.js';
import { ConnectFailure, connectClient, fail, type Connected } from './connection.js';
import { formatMessage } from './message-format.js';
import { helpText, parsePubSub, type PubSubConfig } from './pubsub-options.js';

/** mosquitto_sub's exit status when -W runs out. */
export const TIMED_OUT = 27;

export async function main(argv: string[]): Promise<number> {
  let c: PubSubConfig | 'help';
  try {
    c = parsePubSub('sub', argv);
  } catch (err) {
    // mosquitto_sub's status for a bad command line is 1.
    if (err instanceof UsageError) return fail('sub', { quiet: false }, `${err.message} (xsmqtt sub --help)`);
    throw err;
  }
  if (c === 'help') {
    process.stdout.write(helpText('sub') + '\n');
    return 0;
  }
  const config = c;
  // As mosquitto_sub: the timeout runs from the start, connecting included.
  const started = Date.now();
  let connected: Connected;
  // Messages that come before the subscriptions are made (a kept session's) wait for run().
  const early: Message[] = [];
  let onMessage = (...m: Message): void => { early.push(m); };
  try {
    connected = await connectClient('sub', config, 1000, (client) => client.on('message', (...m: Message) => onMessage(...m)));
  } catch (err) {
    if (err instanceof ConnectFailure) return fail('sub', config, err.message, err.status);
    throw err;
  }
  const timeoutMs = config.timeout > 0 ? Math.max(1, config.timeout * 1000 - (Date.now() - started)) : 0;
  return run(connected, config, timeoutMs, (handler) => {
    onMessage = handler;
    for (const m of early.splice(0)) handler(...m);
  });
}

type Message = [topic: string, payload: Buffer, info: MessageInfo];

const filterBytes = (f: string): Buffer => Buffer.from(f, 'utf8');

function run({ client, log }: Connected, c: PubSubConfig, timeoutMs: number, listen: (handler: (...m: Message) => void) => void): Promise<number> {
  const filtersOut = c.filterOut.map(filterBytes);
  const wanted = c.topics.map(filterBytes);
  /** Only -U's brief subscriptions brought it (mosquitto_sub never subscribes to those). */
  const unwanted = (topic: string): boolean => {
    const t = Buffer.from(topic, 'utf8');
    return !wanted.some((f) => matchFilter(f, 0, f.length, t, 0, t.length));
  };
  const filteredOut = (topic: string): boolean => {
    const t = Buffer.from(topic, 'utf8');
    return filtersOut.some((f) => matchFilter(f, 0, f.length, t, 0, t.length));
  };
  return new Promise<number>((resolve) => {
    let received = 0;
    let timer: NodeJS.Timeout | null = null;
    let done = false;
    /** Clearing publishes of --remove-retained still in flight. */
    const clearing: Promise<unknown>[] = [];
    const finish = (code: number, message?: string): void => {
      if (done) return;
      done = true;
      if (timer !== null) clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (message !== undefined) fail('sub', c, message);
      void Promise.allSettled(clearing).then(() => client.endAsync()).then(() => resolve(code));
    };
    const onSignal = (): void => finish(0);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    client.on('error', (err) => { if (!done) fail('sub', c, err.message); });
    listen((topic, payload, info) => {
      const mid = log.nextMid();
      if (done || (c.unsubscribe.length > 0 && unwanted(topic))) return;
      if (c.retainedOnly && !info.retain) {
        finish(0);
        return;
      }
      if (info.retain && c.noRetained) return;
      if (filtersOut.length > 0 && filteredOut(topic)) return;
      if (c.removeRetained && info.retain) clearing.push(client.publishAsync(topic, Buffer.alloc(0), { qos: 1, retain: true }).catch(() => undefined));
      if (c.randomFilter >= 10000 || Math.random() * 10000 < c.randomFilter) print(c, topic, payload, info, mid);
      received++;
      if (c.count > 0 && received >= c.count) finish(0);
    });
    if (timeoutMs > 0) timer = setTimeout(() => finish(TIMED_OUT, 'timed out'), timeoutMs);
    subscribeAll(client, c).then((exit) => { if (exit !== null) finish(exit.code, exit.message); }, (err: Error) => finish(1, `subscribe failed: ${err.message}`));
  });
}

/** Subscribes, then unsubscribes (-U); resolves with how to exit now (-E, or every request denied), or null to go on. */
async function subscribeAll(client: MqttClient, c: PubSubConfig): Promise<{ code: number; message?: string } | null> {
  const granted = await client.subscribeAsync(c.topics, { ...c.subscribe, qos: c.qos });
  if (c.unsubscribe.length > 0) {
    // The session sends UNSUBSCRIBE only for filters it holds, but -U is for those a kept session
    // (-c) holds on the server: subscribing first (no retained messages in MQTT 5) makes them ours.
    await client.subscribeAsync(c.unsubscribe, { qos: 0, rh: 2 });
    await client.unsubscribeAsync(c.unsubscribe, c.unsubscribeOptions);
  }
  if (granted.every((g) => g.qos >= 0x80)) return { code: 1, message: 'all subscription requests were denied' };
  return c.exitAfterSubscribe ? { code: 0 } : null;
}

function print(c: PubSubConfig, topic: string, payload: Buffer, info: MessageInfo, mid: number): void {
  const now = Date.now();
  const ns = Number(process.hrtime.bigint() % 1000000000n);
  // The nanoseconds within the wall-clock second: whole milliseconds from the clock, the rest from hrtime.
  const within = (now % 1000) * 1000000 + (ns % 1000000);
  const printed = formatMessage({ topic, payload, info, mid, ms: now, ns: within }, c);
  if (printed.error !== undefined) fail('sub', c, printed.error);
  if (printed.out !== null && printed.out.length > 0) process.stdout.write(printed.out);
}
