// Failures the Node client reports: MqttError carries the MQTT reason code (MQTT.js's
// ErrorWithReasonCode has the same `code` field), and its message says the code in words.
import { reasonText } from '../reason-text.js';

export { reasonText };

/** A failure carrying its MQTT reason code. */
export class MqttError extends Error {
  readonly reasonCode: number;
  /** The reason code again, under MQTT.js's name. */
  readonly code: number;
  constructor(reasonCode: number, what: string) {
    super(`${what}: ${reasonText(reasonCode)}`);
    this.name = 'MqttError';
    this.reasonCode = reasonCode;
    this.code = reasonCode;
  }
}

/** What every operation on an ended client fails with. */
export function endedError(): Error {
  return new Error('client has ended');
}
