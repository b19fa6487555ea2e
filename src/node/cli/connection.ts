// Connecting for `xsmqtt pub` and `xsmqtt sub`: the packet log attached before the first byte,
// and a refused connection turned into mosquitto's exit status (the CONNACK reason code).
import { MqttClient } from '../client.js';
import { PacketLog } from './packet-log.js';
import type { Command, PubSubConfig } from './pubsub-options.js';

export interface Connected {
  client: MqttClient;
  log: PacketLog;
}

/** A failed connection: its exit status and the line for stderr. */
export class ConnectFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Writes one error line (unless --quiet) and returns the status. */
export function fail(command: Command, c: { quiet: boolean }, message: string, status = 1): number {
  if (!c.quiet) process.stderr.write(`xsmqtt ${command}: ${message}\n`);
  return status;
}

/**
 * Connects; rejects with a ConnectFailure (status 1, or the CONNACK code as the server sent it).
 * prepare() sees the client before it starts (a kept session's messages follow CONNACK at once).
 */
export function connectClient(command: Command, c: PubSubConfig, reconnectPeriod: number, prepare?: (client: MqttClient) => void): Promise<Connected> {
  const client = new MqttClient({ ...c.client, reconnectPeriod });
  prepare?.(client);
  const log = new PacketLog(c.label, client.version === 5, c.debug ? (l) => process.stdout.write(l) : null);
  log.printGrants = command === 'sub';
  log.attach(client.transport);
  client.start();
  return new Promise((resolve, reject) => {
    let firstError: Error | null = null;
    const onError = (err: Error): void => { firstError ??= err; };
    const onConnect = (): void => {
      client.off('error', onError);
      client.off('close', onClose);
      resolve({ client, log });
    };
    const onClose = (): void => {
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
      void client.endAsync(true);
      const refused = log.connackCode;
      const why = firstError?.message ?? 'connection closed before CONNACK';
      reject(new ConnectFailure(refused > 0 ? refused : 1, `connection failed: ${why}`));
    };
    client.once('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  });
}
