// The example sensor application for esp8266: Wi-Fi comes up before main() (Moddable's network
// setup, from the ssid and password config values); the broker address and the rest come
// from mcconfig config values (broker=, port=, qos=, interval=).
import config from 'mc/config';
import { SensorApp } from 'targets/moddable/sensor.js';

export default function main(): void {
  const app = new SensorApp({
    broker: String(config.broker ?? '192.168.1.10'),
    port: Number(config.port ?? 1883),
    clientId: String(config.clientId ?? 'xsmqtt-esp8266'),
    prefix: String(config.prefix ?? 'xsmqtt/esp8266'),
    version: Number(config.version ?? 5),
    qos: Number(config.qos ?? 1),
    interval: Number(config.interval ?? 5000),
    count: 0,
  });
  app.start();
}
