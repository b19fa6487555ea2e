// A check run in the host XS runtime: the example sensor application's heap, from before it
// is created to when it is connected and subscribed (after a collection). Prints `APP {json}`.
import Timer from 'timer';
import { SensorDevice, sensorConfig } from '../sensor.js';

/* cold */
export function measureSensorApp(values: Record<string, unknown>): void {
  const config = sensorConfig(values, 'host', 5, 60000);
  const base = new Float64Array(8);
  const after = new Float64Array(8);
  gc();
  memoryStats(base);
  const app = new SensorDevice(config);
  app.start();
  let waited = 0;
  const poll = Timer.repeat(function (): void {
    waited += 10;
    if (!app.app.connected && waited < 5000) return;
    if (waited < 200 && app.app.connected) return;   // let SUBACK arrive
    Timer.clear(poll);
    app.transport.settle();
    gc();
    memoryStats(after);
    const connected = app.app.connected;
    print('APP ' + JSON.stringify({ connected, slots: after[0] - base[0], chunks: after[1] - base[1], slotSize: after[5] }));
    app.stop(0);
    __xsHost.exit(connected ? 0 : 1);
  }, 10);
}
