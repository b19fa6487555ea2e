// A device for the report card, on xsmqtt's Node client or MQTT.js (same API): it subscribes
// to its commands at QoS 2, prints each message, publishes telemetry at QoS 1 every 500 ms and
// disconnects on SIGINT. `node device.js xsmqtt|mqtt [4|5]`, the broker in MQTT_URL.
import mqtt from 'mqtt';
import xsmqtt from '../../src/node/index.js';

const lib = process.argv[2] === 'mqtt' ? mqtt : xsmqtt;
const version = process.argv[3] === '4' ? 4 : 5;
const id = `grade-${process.argv[2] ?? 'xsmqtt'}-${process.pid}`;
const url = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const connect = lib.connect as (url: string, options: object) => unknown;
const client = connect(url, {
  clientId: id, protocolVersion: version, keepalive: 2, clean: true, reconnectPeriod: 1000, connectTimeout: 5000,
  will: { topic: `grade/${id}/status`, payload: Buffer.from('offline'), qos: 1, retain: false },
}) as mqtt.MqttClient;
client.on('message', (topic: string, payload: Buffer) => { process.stdout.write(`message ${topic} ${payload.toString()}\n`); });
client.on('error', (e: Error) => { process.stderr.write(`error ${e.message}\n`); });
client.subscribe(`grade/${id}/cmd/#`, { qos: 2 });
// A reading of about 300 bytes, the size of a device's JSON telemetry with a few fields.
let seq = 0;
const timer = setInterval(() => {
  seq++;
  client.publish(`grade/${id}/telemetry`, JSON.stringify({ seq, pad: 'x'.repeat(280) }), { qos: 1 });
}, 500);
process.on('SIGINT', () => {
  clearInterval(timer);
  client.end(false, {}, () => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
});
