// XS figures for `npm run footprint`: the heap of one connected client at default capacities
// (1 KiB buffers, 8 inflight, 8 subscriptions) and of the example sensor application, measured
// inside the host XS runtime against a mosquitto started here; slots allocated per packet in
// the steady state; the core's minified size. Slot bytes are the device's (16, 32-bit XS); the
// host's 64-bit slots (32 bytes) are given as well.
import { join } from 'node:path';
import { build } from 'esbuild';
import { startMosquitto } from '../peers/mosquitto.js';
import { lastJson, ROOT, runInXs } from './helpers.js';

const DEVICE_SLOT = 16;
const CHECK = join(ROOT, 'build/moddable/targets/moddable/check');

async function coreMinBytes(): Promise<number> {
  const core = join(ROOT, 'dist/src/core');
  const contents = ['codec', 'topic', 'session', 'driver'].map((m) => `export * from ${JSON.stringify(join(core, m, 'index.js'))};`).join('\n');
  const r = await build({ stdin: { contents, resolveDir: ROOT, loader: 'js' }, bundle: true, format: 'esm', minify: true, write: false, logLevel: 'silent' });
  return r.outputFiles[0].contents.length;
}

async function main(): Promise<void> {
  const broker = await startMosquitto();
  try {
    const loop = { broker: '127.0.0.1', port: broker.port, version: 5, clientId: `fp-${process.pid}`, count: 1000, warmup: 100, window: 4, capacities: 'default' };
    const r1 = await runInXs(`import { Loopback } from ${JSON.stringify(join(CHECK, 'loopback.js'))};\nexport default function main() { new Loopback(${JSON.stringify(loop)}).start(); }\n`, 'esp32', 120000);
    if (r1.code !== 0) throw new Error(`loopback failed:\n${r1.stdout}\n${r1.stderr}`);
    const heap = lastJson(r1.stdout, 'HEAP ');
    const loops = r1.stdout.split('\n').filter((l) => l.startsWith('LOOP ')).map((l) => JSON.parse(l.slice(5)));
    let packets = 0;
    let slots = 0;
    for (const l of loops) { packets += l.messages * (l.qos === 0 ? 2 : l.qos === 1 ? 4 : 8); slots += l.slots; }

    const sensor = { broker: '127.0.0.1', port: broker.port, clientId: `fp-app-${process.pid}`, prefix: 'xsmqtt/fp', version: 5, qos: 1, interval: 60000, count: 0 };
    const r2 = await runInXs(`import { measureSensorApp } from ${JSON.stringify(join(CHECK, 'sensor-heap.js'))};\nexport default function main() { measureSensorApp(${JSON.stringify(sensor)}); }\n`, 'esp32', 60000);
    if (r2.code !== 0) throw new Error(`sensor app failed (${r2.code}):\n${r2.stdout}\n${r2.stderr}`);
    const app = lastJson(r2.stdout, 'APP ');

    // Where the job-sized client's heap goes, part by part (targets/moddable/check/parts.ts).
    const r3 = await runInXs(`import { breakdown } from ${JSON.stringify(join(CHECK, 'breakdown-xs.js'))};\nexport default function main() { breakdown(); }\n`, 'esp32', 60000);
    if (r3.code !== 0) throw new Error(`breakdown failed (${r3.code}):\n${r3.stdout}\n${r3.stderr}`);
    for (const l of r3.stdout.split('\n').filter((x) => x.startsWith('PART '))) {
      const p = JSON.parse(l.slice(5)) as { name: string; slots: number; chunks: number; per: string };
      if (p.name !== 'nothing') console.log(`part ${p.name}: ${p.slots} slots + ${p.chunks} chunk bytes${p.per !== '' ? ` per ${p.per}` : ''}`);
    }
    console.log(`client at default capacities: ${heap.slots} slots + ${heap.chunks} chunk bytes (host: ${heap.slotSize}-byte slots)`);
    console.log(`example sensor app: ${app.slots} slots + ${app.chunks} chunk bytes`);
    console.log(`steady state: ${slots} slots over ${packets} packets (${loops.length} QoS levels)`);
    const figures = {
      bench: 'footprint-xs',
      clientHeapBytes: heap.slots * DEVICE_SLOT + heap.chunks,
      appHeapBytes: app.slots * DEVICE_SLOT + app.chunks,
      slotsPerPacket: packets > 0 ? slots / packets : -1,
      coreMinBytes: await coreMinBytes(),
    };
    console.log(`host 64-bit slots: client ${heap.slots * heap.slotSize + heap.chunks} bytes, app ${app.slots * app.slotSize + app.chunks} bytes`);
    console.log(JSON.stringify(figures));
  } finally {
    await broker.stop();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
