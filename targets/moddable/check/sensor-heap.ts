// A check run in the host XS runtime: the example sensor application's heap, from before it
// is created to when it is connected and subscribed (after a collection). Prints `APP {json}`.
import Timer from 'timer';
import { SensorApp, type SensorConfig } from '../sensor.js';

/* cold */
export function measureSensorApp(config: SensorConfig): void {
  const base = new Float64Array(8);
  const after = new Float64Array(8);
  gc();
  memoryStats(base);
  const app = new SensorApp(config);
  app.start();
  let waited = 0;
  const poll = Timer.repeat(function (): void {
    waited += 10;
    if (!app.connected && waited < 5000) return;
    if (waited < 200 && app.connected) return;   // let SUBACK arrive
    Timer.clear(poll);
    app.client.transport.settle();
    gc();
    memoryStats(after);
    const connected = app.connected;
    print('APP ' + JSON.stringify({ connected, slots: after[0] - base[0], chunks: after[1] - base[1], slotSize: after[5] }));
    app.client.stop(0);
    __xsHost.exit(connected ? 0 : 1);
  }, 10);
}
