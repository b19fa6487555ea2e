// The example sensor application for esp32: Wi-Fi comes up before main() (Moddable's network
// setup, from the ssid and password config values); the broker address and the rest come
// from mcconfig config values (broker=, port=, qos=, interval=, version=, clientId=).
import config from 'mc/config';
import { startSensor } from 'targets/moddable/sensor';

export default function main(): void {
  startSensor(config, 'esp32', 5, 5000);
}
