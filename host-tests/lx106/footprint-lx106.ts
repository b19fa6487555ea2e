// Emulated ESP8266 figures for `npm run footprint`: the firmware image's sizes (from the
// linker map: XS, the runtime program, the lx106 platform, libc and libgcc), the JavaScript a
// device would add (core and footprint app, minified), one connected client's heap growth on
// lx106 (default capacities: 1 KiB buffers, 8 inflight, 8 subscriptions; 16-byte slots as on
// the device) and the emulated time of a QoS 1 round trip (PUBLISH to PUBACK through the
// companion broker; -icount shift=0: one guest instruction per nanosecond, a 1 GHz lx106, so
// an 80 MHz ESP8266 takes about 12.5 times as long for the same instructions).
// Last line: {"bench":"footprint-lx106",...}.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { startBroker } from '../../src/broker/index.js';
import { bundleDevice } from '../../src/node/bridge/bundle.js';
import { LX106_ELF, lx106Missing, ROOT, startLx106 } from '../../src/node/bridge/emulator.js';

type Part = 'xs' | 'runtime' | 'platform' | 'libc' | 'libgcc' | 'other';
type Kind = 'text' | 'rodata' | 'data' | 'bss';

/** Sizes by part and kind, from the GNU ld map of the image. */
export function mapSizes(map: string): Record<Part, Record<Kind, number>> {
  const out = {} as Record<Part, Record<Kind, number>>;
  for (const p of ['xs', 'runtime', 'platform', 'libc', 'libgcc', 'other'] as Part[]) out[p] = { text: 0, rodata: 0, data: 0, bss: 0 };
  const start = map.indexOf('Linker script and memory map');
  let section = '';
  for (const line of map.slice(start).split('\n')) {
    const m = /^ (\.[^\s]+|COMMON)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+))?\s*$/.exec(line);
    let size = 0;
    let file = '';
    if (m) {
      section = m[1];
      if (!m[3]) continue;
      size = parseInt(m[3], 16);
      file = m[4];
    } else {
      const c = /^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+\.(?:o|a\(.*\)))\s*$/.exec(line);
      if (!c || !section) continue;
      size = parseInt(c[2], 16);
      file = c[3];
    }
    const kind: Kind | null = /^\.(text|literal|init|fini|vectors|reset)/.test(section) ? 'text'
      : section.startsWith('.rodata') ? 'rodata'
        : /^\.(data|tdata|sdata)/.test(section) ? 'data'
          : /^(\.bss|\.tbss|\.sbss|COMMON)/.test(section) ? 'bss' : null;
    if (kind === null || size === 0) continue;
    const part: Part = file.includes('/obj/xs/') ? 'xs'
      : file.endsWith('/obj/main.o') ? 'runtime'
        : /\/obj\/(semihost|posix|link|start)\.o$/.test(file) ? 'platform'
          : /lib(c|m)\.a\(/.test(file) ? 'libc'
            : /libgcc(extra)?\.a\(/.test(file) ? 'libgcc' : 'other';
    out[part][kind] += size;
  }
  return out;
}

async function minBytes(contents: string): Promise<number> {
  const r = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'ts' }, bundle: true, format: 'esm', minify: true, write: false,
    external: ['timer', 'time', 'embedded:*'], logLevel: 'silent',
  });
  return r.outputFiles[0].contents.length;
}

async function main(): Promise<void> {
  const missing = lx106Missing();
  if (missing) throw new Error(missing);
  const sizes = mapSizes(readFileSync(join(ROOT, 'build/lx106/xsmqtt-lx106.map'), 'utf8'));
  const sum = (k: Kind) => Object.values(sizes).reduce((a, p) => a + p[k], 0);
  const coreMinBytes = await minBytes(['codec', 'topic', 'session', 'driver'].map((m) => `export * from './src/core/${m}/index.ts';`).join('\n'));
  const deviceBundleMinBytes = await minBytes(`export { Footprint } from './targets/lx106/app/footprint.ts';`);

  const broker = await startBroker({ port: 0, host: '127.0.0.1', sysInterval: 0 });
  const config = { broker: '127.0.0.1', port: broker.port, clientId: `fp-lx106-${process.pid}`, version: 5, roundTrips: 50 };
  const bundle = await bundleDevice(`import { Footprint } from './targets/lx106/app/footprint.ts';\nexport default function main() { new Footprint(${JSON.stringify(config)}).start(); }\n`);
  const device = startLx106({ bundle: bundle.file, preload: bundle.preload, profile: 'esp32', timeoutMs: 120000 });
  let fp: Record<string, number>;
  try {
    const r = await device.exited;
    const line = r.stdout.split('\n').find((l) => l.startsWith('FOOTPRINT '));
    if (r.code !== 0 || !line) throw new Error(`footprint app failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    fp = JSON.parse(line.slice(10));
  } finally {
    device.stop();
    bundle.cleanup();
    await broker.close();
  }
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`firmware ${LX106_ELF}: text ${kb(sum('text'))} + rodata ${kb(sum('rodata'))}, data ${sum('data')} B, bss ${sum('bss')} B`);
  for (const [part, s] of Object.entries(sizes)) console.log(`  ${part}: text ${kb(s.text)}, rodata ${kb(s.rodata)}, data ${s.data} B, bss ${s.bss} B`);
  console.log(`JavaScript a device adds (minified source; Moddable stores it as XS bytecode in flash): core ${kb(coreMinBytes)}; the footprint app with the core and the Moddable adapter ${kb(deviceBundleMinBytes)}`);
  console.log(`client at default capacities on lx106: ${fp.clientSlots} slots x ${fp.slotSize} B + ${fp.clientChunkBytes} chunk bytes = ${fp.clientHeapBytes} B`);
  console.log(`QoS 1 round trip (PUBLISH to PUBACK), emulated: median ${fp.qos1RoundTripMedianMs.toFixed(3)} ms, min ${fp.qos1RoundTripMinMs.toFixed(3)} ms, max ${fp.qos1RoundTripMaxMs.toFixed(3)} ms over ${fp.roundTrips}`);
  console.log(JSON.stringify({
    bench: 'footprint-lx106',
    firmwareTextBytes: sum('text') + sum('rodata'),
    firmwareDataBytes: sum('data'),
    firmwareBssBytes: sum('bss'),
    xsTextBytes: sizes.xs.text + sizes.xs.rodata,
    runtimeTextBytes: sizes.runtime.text + sizes.runtime.rodata + sizes.platform.text + sizes.platform.rodata,
    libcTextBytes: sizes.libc.text + sizes.libc.rodata + sizes.libgcc.text + sizes.libgcc.rodata,
    coreMinBytes,
    deviceBundleMinBytes,
    clientHeapBytes: fp.clientHeapBytes,
    clientSlots: fp.clientSlots,
    clientChunkBytes: fp.clientChunkBytes,
    qos1RoundTripMs: Math.round(fp.qos1RoundTripMedianMs * 1000) / 1000,
    icountShift: 0,
  }));
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  });
}
