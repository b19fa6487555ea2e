// A simulator process: a share of the fleet, on TCP to the broker for the first `tcp` devices
// and over the one pipe to the parent (fd 3, mux.ts) for the rest. It reports its counters to
// the parent every statsMs and obeys stop / measure / exit. Started by procs.ts.
import { Socket } from 'node:net';
import { fleetDeviceSpec, FleetConfig, SimDevice } from './device.js';
import { LinkTransport } from './memory-link.js';
import { MuxClient } from './mux.js';
import { Scheduler } from './scheduler.js';
import { FleetStats, snapshotStats } from './stats.js';

export interface WorkerConfig extends FleetConfig {
  /** Devices first .. first+count-1 of the fleet. */
  first: number;
  count: number;
  /** How many of them connect over TCP (the rest over the pipe). */
  tcp: number;
  /** New connections per second in this process while starting. */
  ramp: number;
  statsMs: number;
}

const gc = (): void => { (globalThis as { gc?: () => void }).gc?.(); };

function memory(): { rss: number; heapUsed: number; arrayBuffers: number } {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

function run(c: WorkerConfig): void {
  // Before any device: what the process costs on its own.
  const base = memory();
  const sched = new Scheduler();
  const stats = new FleetStats();
  const devices: SimDevice[] = [];
  const pipe = new Socket({ fd: 3, readable: true, writable: true });
  const mux = new MuxClient(pipe, (msg) => onControl(msg));
  const sendStats = (): void => {
    mux.control({ t: 'stats', s: snapshotStats(stats), tcp: Math.min(c.tcp, devices.length), pipe: Math.max(0, devices.length - c.tcp) });
  };
  const report = setInterval(() => {
    sendStats();
    stats.windowRtt.reset();
  }, c.statsMs);
  const perTick = Math.max(1, Math.ceil(c.ramp / 20));
  const ramp = setInterval(() => {
    for (let k = 0; k < perTick && devices.length < c.count; k++) {
      const i = devices.length;
      const spec = fleetDeviceSpec(c, c.first + i);
      const d = new SimDevice(spec, sched, stats, i < c.tcp ? null : new LinkTransport(mux, '127.0.0.1'));
      devices.push(d);
      d.start();
    }
    if (devices.length >= c.count) {
      clearInterval(ramp);
      mux.control({ t: 'ready' });
    }
  }, 50);

  const onControl = (msg: Record<string, unknown>): void => {
    switch (msg.t) {
      case 'stop':
        // No more telemetry; the parent waits until what is in flight is acknowledged.
        clearInterval(ramp);
        for (const d of devices) d.app.nextAt = -1;
        break;
      case 'report':
        sendStats();
        break;
      case 'measure':
        mux.control({ t: 'memory', ...memory(), devices: devices.length, base });
        break;
      case 'exit':
        clearInterval(ramp);
        clearInterval(report);
        sendStats();
        for (const d of devices) d.stop();
        setTimeout(() => {
          for (const d of devices) d.kill();
          sched.stop();
          pipe.end();
          process.exit(0);
        }, 300);
        break;
    }
  };
  pipe.on('close', () => process.exit(0));
}

run(JSON.parse(process.argv[2]) as WorkerConfig);
