// `xsmqtt pub`: mosquitto_pub's options, output and exit statuses.
import { createInterface } from 'node:readline';
import type { MqttClient, PublishOptions } from '../client.js';
import { UsageError } from './args.js';
import { ConnectFailure, connectClient, fail } from './connection.js';
import { helpText, parsePubSub, type PubSubConfig } from './pubsub-options.js';

/** QoS 1/2 messages from -l in flight before reading more lines (within the client's queue). */
const LINE_WINDOW = 256;

export async function main(argv: string[]): Promise<number> {
  let c: PubSubConfig | 'help';
  try {
    c = parsePubSub('pub', argv);
  } catch (err) {
    // mosquitto_pub's status for a bad command line is 1.
    if (err instanceof UsageError) return fail('pub', { quiet: false }, `${err.message} (xsmqtt pub --help)`);
    throw err;
  }
  if (c === 'help') {
    process.stdout.write(helpText('pub') + '\n');
    return 0;
  }
  let client: MqttClient;
  try {
    client = (await connectClient('pub', c, 0)).client;
  } catch (err) {
    if (err instanceof ConnectFailure) return fail('pub', c, err.message, err.status);
    throw err;
  }
  client.on('error', () => undefined);
  const error = await publishAll(client, c);
  await client.endAsync();
  return error === null ? 0 : fail('pub', c, error.message);
}

/** Sends the message(s); resolves with the first failure, or null. */
async function publishAll(client: MqttClient, c: PubSubConfig): Promise<Error | null> {
  const topic = c.topics[0];
  const opts: PublishOptions = { qos: c.qos, retain: c.retain };
  if (Object.keys(c.publish).length > 0) opts.properties = c.publish;
  const sent: Promise<void>[] = [];
  let error: Error | null = null;
  const send = (payload: Buffer): void => {
    sent.push(client.publishAsync(topic, payload, opts).catch((err: Error) => { error ??= err; }));
  };
  if (c.lines) {
    const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of rl) {
      if (error !== null) break;
      if (line !== '') send(Buffer.from(line, 'utf8'));
      if (sent.length >= LINE_WINDOW) await Promise.all(sent.splice(0));
    }
  } else {
    const payload = c.message ?? Buffer.alloc(0);
    for (let i = 0; i < c.repeat && error === null; i++) {
      if (i > 0 && c.repeatDelayMs > 0) {
        // As mosquitto_pub: the delay runs from one message's completion to the next.
        await Promise.all(sent.splice(0));
        await new Promise((resolve) => setTimeout(resolve, c.repeatDelayMs));
      }
      send(payload);
      if (sent.length >= LINE_WINDOW) await Promise.all(sent.splice(0));
    }
  }
  await Promise.all(sent);
  return error;
}
