// A deliberately bad client for the report card: MQTT 3.1.1, keep alive 1 s but never a
// PINGREQ, no will, a reconnect every 500 ms exactly (no back-off, no jitter), and no
// DISCONNECT when it is stopped. Bytes made by the project's codec; the broker in MQTT_URL.
import { connect } from 'node:net';
import { encodeRecord, connectRecord } from '../broker/helpers.js';

const url = new URL(process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883');
const CONNECT = encodeRecord(1, 4, connectRecord('grade-bad-client', (p) => { p.keepAlive = 1; }), new Uint8Array(256));
const RECONNECT_MS = 500;

function open(): void {
  const s = connect(Number(url.port), url.hostname, () => s.write(CONNECT));
  s.on('data', () => undefined);
  s.on('error', () => undefined);
  s.on('close', () => setTimeout(open, RECONNECT_MS));
}
open();
