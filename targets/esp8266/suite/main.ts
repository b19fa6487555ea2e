// The integration suite on esp8266: Wi-Fi comes up before main() (Moddable's network setup, from
// the ssid and password config values); then every scenario of src/core/suite runs against the
// companion broker at broker=:port= (make device-test TARGET=esp8266 starts it and collects the
// results it publishes to $bench/results/<device>); TAP lines on the console (xsbug or serial).
import config from 'mc/config';
import { TraceConsole, deviceSuiteConfig, runDeviceSuite } from 'targets/moddable/suite-host';

export default function main(): void {
  runDeviceSuite(deviceSuiteConfig(config, 'esp8266'), new TraceConsole());
}
