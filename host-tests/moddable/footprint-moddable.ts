// `npm run footprint:moddable`: Moddable's MQTT clients and xsmqtt side by side on Moddable's
// real lin runtime. Every client does the same job (host-tests/moddable/jobs/lib/meter.js:
// MQTT 3.1.1 connect, subscribe, 8 warm-up then 200 measured QoS 1 round trips of 32 bytes
// through the companion broker on loopback), in an app built by mcconfig -i (instrumented) and
// run by the headless lin host. Each app prints one FOOTPRINT line; this builds the apps, runs
// them, prints the table with the ratios to Moddable's ECMA-419 client, and a JSON last line.
//   node dist/host-tests/moddable/footprint-moddable.js [--no-build] [APP ...]
//
// Device bytes: the lin runtime is 64-bit, where an XS slot is 32 bytes; on the ESP32 and the
// ESP8266 (32-bit) it is 16. The instrumentation's "XS Slot Heap Used" is slots x 32 here, so
// device bytes = (slot bytes / 32) x 16 + chunk bytes (chunks are taken as measured).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { startBroker } from '../../src/broker/index.js';
import { APPS, type AppSpec } from './apps.js';
import { LIN_OUT, ROOT, runLinApp } from './lin.js';

export const HOST_SLOT = 32;
export const DEVICE_SLOT = 16;
/** The peer the ratios are taken to: Moddable's ECMA-419 embedded:network/mqtt/client. */
export const PEER = 'fp-moddable-mqttclient';
/** xsmqtt's headline figures (the JSON line): its device client at capacities sized for the job. */
export const HEADLINE = 'fp-xsmqtt';
/** Modules in an app that are no client's: the DNS resolver Moddable's examples import (xsmqtt's here: the trimmed SDK lacks theirs). */
const NOT_CLIENT = new Set(['~.embedded/network/dns/resolver/udp']);
/**
 * For an app on xsmqtt, by job (the folder its wrapper includes): the app's modules the job
 * imports by name, and the library sources whose imports are followed from there. The
 * device-client job imports two library modules; a drop-in's job imports the drop-in by
 * Moddable's module name (and Moddable's mqttclient/config, as on Moddable's client).
 */
const LIBRARY_ROOTS: { job: string; modules: string[]; sources: string[] }[] = [
  { job: 'host-tests/moddable/jobs/xsmqtt/', modules: [], sources: ['targets/moddable/client', 'src/core/session/options'] },
  { job: 'host-tests/moddable/jobs/moddable-mqttclient/', modules: ['mqttclient/config', '~.embedded/network/mqtt/client'], sources: ['targets/moddable/mqttclient'] },
  { job: 'host-tests/moddable/jobs/moddable-mqttjs/', modules: ['mqtt/js'], sources: ['targets/moddable/mqtt-js'] },
];

/** Heap figures from the host: slot bytes (64-bit slots) and chunk bytes. */
export interface Heap { slotBytes: number; chunkBytes: number }

/** One app's FOOTPRINT line. */
export interface Footprint {
  client: string;
  roundTrips: number;
  warmup: number;
  payload: number;
  errors: number;
  load: Heap & { modules: number };
  job: Heap;
  window: Heap;
}

function heap(v: unknown, what: string, extra: string[] = []): Heap & Record<string, number> {
  if (v === null || typeof v !== 'object') throw new Error(`FOOTPRINT: ${what} is not an object`);
  const o = v as Record<string, unknown>;
  for (const k of ['slotBytes', 'chunkBytes', ...extra]) {
    if (typeof o[k] !== 'number' || !Number.isInteger(o[k])) throw new Error(`FOOTPRINT: ${what}.${k} is not an integer`);
  }
  if ((o.slotBytes as number) % HOST_SLOT !== 0) throw new Error(`FOOTPRINT: ${what}.slotBytes ${o.slotBytes} is not a whole number of ${HOST_SLOT}-byte slots`);
  return o as Heap & Record<string, number>;
}

/** Parses the app's FOOTPRINT line from its output; throws when it is missing or malformed. */
export function parseFootprint(stdout: string): Footprint {
  const lines = stdout.split('\n').filter((l) => l.startsWith('FOOTPRINT '));
  if (lines.length !== 1) throw new Error(`FOOTPRINT: expected one line, found ${lines.length}`);
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(lines[0].slice('FOOTPRINT '.length)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`FOOTPRINT: not JSON: ${(e as Error).message}`);
  }
  if (o === null || typeof o !== 'object') throw new Error('FOOTPRINT: not an object');
  if (typeof o.client !== 'string' || o.client === '') throw new Error('FOOTPRINT: no client');
  for (const k of ['roundTrips', 'warmup', 'payload', 'errors']) {
    if (typeof o[k] !== 'number' || !Number.isInteger(o[k]) || (o[k] as number) < 0) throw new Error(`FOOTPRINT: ${k} is not a count`);
  }
  if ((o.roundTrips as number) === 0) throw new Error('FOOTPRINT: no round trips');
  const load = heap(o.load, 'load', ['modules']) as unknown as Heap & { modules: number };
  const job = heap(o.job, 'job');
  const window = heap(o.window, 'window');
  return {
    client: o.client, roundTrips: o.roundTrips as number, warmup: o.warmup as number, payload: o.payload as number,
    errors: o.errors as number, load, job, window,
  };
}

/** Bytes on a 32-bit device: slots counted from the host's slot bytes, at 16 bytes each, plus chunks. */
export function deviceBytes(h: Heap): number {
  return (h.slotBytes / HOST_SLOT) * DEVICE_SLOT + h.chunkBytes;
}

/** RAM the client's modules take when loaded: 0 when they are preloaded (none loaded at run time), else the growth. */
export function moduleLoadBytes(f: Footprint): number {
  return f.load.modules === 0 ? 0 : deviceBytes(f.load);
}

export function allocPerRoundTrip(f: Footprint): number {
  return deviceBytes(f.window) / f.roundTrips;
}

/** xsc's output for an app: module name -> .xsb bytes. */
export function xsbModules(app: AppSpec): Map<string, number> {
  const dir = join(LIN_OUT, 'tmp/lin/mc', app.instrument === true ? 'instrument' : 'release', app.name, 'modules');
  const out = new Map<string, number>();
  const walk = (d: string, prefix: string): void => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p, `${prefix}${e}/`);
      else if (e.endsWith('.xsb')) out.set(prefix + e.slice(0, -4), statSync(p).size);
    }
  };
  walk(dir, '');
  return out;
}

/** The library modules a module needs at run time: its imports after tsc's elision, followed through the repository. */
export function importClosure(roots: string[]): string[] {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const m = stack.pop() as string;
    if (seen.has(m)) continue;
    const file = join(ROOT, `${m}.ts`);
    if (!existsSync(file)) continue;
    seen.add(m);
    const js = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
    for (const [, spec] of js.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?['"]([^'"]+)['"]/g)) {
      // Relative specifiers, or the library's module names (src/..., targets/...) used bare.
      if (spec.startsWith('.')) stack.push(posix.normalize(posix.join(posix.dirname(m), spec.replace(/\.js$/, ''))));
      else if (isLibrary(spec)) stack.push(spec.replace(/\.js$/, ''));
    }
  }
  return [...seen].sort();
}

const isLibrary = (m: string): boolean => m.startsWith('src/') || m.startsWith('targets/');

export interface Row {
  app: AppSpec;
  fp: Footprint;
  /** The client's modules and their .xsb bytes (for a device-client job: what it imports). */
  modules: [string, number][];
  xsb: number;
  /** Every library module the app carries (xsmqtt's manifests), or the client's modules. */
  xsbAll: number;
  /** Modules the app's client manifests bring that its job does not use. */
  carried: [string, number][];
}

/**
 * The client's modules: those not every footprint app has (the runtime, the job's meter), less
 * the DNS stand-in. On xsmqtt: the library modules its job uses (carried: every module of the
 * library the app's manifests give, and any other module they bring along).
 */
function clientModules(app: AppSpec, xsb: Map<string, number>, common: Set<string>): { modules: [string, number][]; all: number; carried: [string, number][] } {
  const own = [...xsb].filter(([m]) => !common.has(m) && !NOT_CLIENT.has(m) && m !== 'main').sort();
  const library = own.filter(([m]) => isLibrary(m));
  if (library.length === 0) return { modules: own, all: own.reduce((s, [, n]) => s + n, 0), carried: [] };
  const sources = [...(app.include ?? [app.dir]), ...Object.values(app.copy ?? {}).map((c) => c.from)];
  const roots = LIBRARY_ROOTS.find((r) => sources.some((i) => i.startsWith(r.job)));
  if (roots === undefined) throw new Error(`${app.name}: no library roots for its job`);
  const closure = new Set([...roots.modules, ...importClosure(roots.sources)]);
  const used = own.filter(([m]) => closure.has(m));
  const carried = own.filter(([m]) => !closure.has(m));
  return { modules: used, all: library.reduce((s, [, n]) => s + n, 0), carried };
}

function ratio(a: number, b: number): string {
  if (b === 0) return a === 0 ? '1.00' : '-';
  return (a / b).toFixed(2);
}

export function table(rows: Row[]): string[] {
  const peer = rows.find((r) => r.app.name === PEER);
  const out: string[] = [];
  const head = ['client', '.xsb B', 'load B', 'job growth B', 'alloc/round trip B', 'xsb ratio', 'growth ratio', 'alloc ratio'];
  const body = rows.map((r) => {
    const alloc = allocPerRoundTrip(r.fp);
    return [
      r.fp.client, String(r.xsb), String(moduleLoadBytes(r.fp)), String(deviceBytes(r.fp.job)), alloc.toFixed(1),
      peer === undefined ? '-' : ratio(r.xsb, peer.xsb),
      peer === undefined ? '-' : ratio(deviceBytes(r.fp.job), deviceBytes(peer.fp.job)),
      peer === undefined ? '-' : ratio(alloc, allocPerRoundTrip(peer.fp)),
    ];
  });
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
  out.push(line(head));
  for (const b of body) out.push(line(b));
  return out;
}

function build(apps: AppSpec[]): void {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist/host-tests/moddable/build-apps.js'), ...apps.map((a) => a.name)], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`build-apps exited ${r.status ?? r.signal}`);
}

/** Runs one job app against a broker of its own on the app's port; its FOOTPRINT line parsed. */
export async function runJob(app: AppSpec, timeoutS = 90): Promise<Footprint> {
  const broker = await startBroker({ port: Number(app.config.port), host: '127.0.0.1', sysInterval: 0 });
  try {
    const run = runLinApp(app, timeoutS);
    const r = await run.exited;
    if (r.code !== 0) throw new Error(`${app.name} exited ${r.code}:\n${r.stdout.split('\n').filter((l) => !l.startsWith('instruments')).join('\n')}\n${r.stderr}`);
    const fp = parseFootprint(r.stdout);
    if (fp.errors !== 0) throw new Error(`${app.name}: ${fp.errors} round trips went wrong`);
    return fp;
  } finally {
    await broker.close();
  }
}

/** One result of the parts app (targets/moddable/check/parts.ts): slots and chunk bytes of a part, or of one unit of a capacity (per). */
export interface Part { name: string; slots: number; chunks: number; per: string }

/** The parts app's PART lines; throws when there are none or one is malformed. */
export function parseParts(stdout: string): Part[] {
  const parts = stdout.split('\n').filter((l) => l.startsWith('PART ')).map((l) => JSON.parse(l.slice('PART '.length)) as Part);
  if (parts.length === 0) throw new Error('PART: no lines');
  for (const p of parts) {
    if (typeof p.name !== 'string' || typeof p.slots !== 'number' || typeof p.chunks !== 'number' || typeof p.per !== 'string') throw new Error(`PART: malformed ${JSON.stringify(p)}`);
  }
  return parts;
}

/** Runs the parts app (no broker: it only builds the client's parts) and prints its breakdown in device bytes. */
export async function printParts(app: AppSpec): Promise<void> {
  const r = await runLinApp(app, 60).exited;
  if (r.code !== 0) throw new Error(`${app.name} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  const parts = parseParts(r.stdout);
  const dev = (p: Part): string => `${Math.round(p.slots * DEVICE_SLOT + p.chunks)} B (${p.slots} slots + ${p.chunks} chunk B)`;
  console.log('where the device client\'s RAM goes, at the job\'s capacities (each part built alone; its tables\' bytes are in the session\'s block):');
  for (const p of parts) if (p.per === '' && p.name !== 'nothing') console.log(`  ${p.name}: ${dev(p)}`);
  console.log('what each capacity costs, per unit:');
  for (const p of parts) if (p.per !== '') console.log(`  ${p.name}: ${dev(p)} per ${p.per}`);
}

/** The footprint apps of apps.ts: every app named fp-*. */
export function footprintApps(): AppSpec[] {
  return APPS.filter((a) => a.name.startsWith('fp-'));
}

async function main(argv: string[]): Promise<void> {
  const names = argv.filter((a) => !a.startsWith('--'));
  const apps = footprintApps().filter((a) => names.length === 0 || names.includes(a.name));
  if (!argv.includes('--no-build')) build(apps);
  const xsbs = new Map(apps.map((a) => [a.name, xsbModules(a)]));
  // What every footprint app has is no client's: the lin runtime, the meter, the io modules.
  const sets = [...xsbs.values()].map((m) => new Set(m.keys()));
  const common = new Set([...(sets[0] ?? [])].filter((m) => sets.every((s) => s.has(m))));
  const parts = APPS.find((a) => a.name === 'parts-xsmqtt') as AppSpec;
  const withParts = names.length === 0 || names.includes(parts.name);
  if (withParts && !argv.includes('--no-build')) build([parts]);
  const rows: Row[] = [];
  for (const app of apps) {
    process.stderr.write(`# running ${app.name}\n`);
    const fp = await runJob(app);
    const { modules, all, carried } = clientModules(app, xsbs.get(app.name) as Map<string, number>, common);
    rows.push({ app, fp, modules, xsb: modules.reduce((s, [, n]) => s + n, 0), xsbAll: all, carried });
  }
  console.log(`job: MQTT 3.1.1 connect, subscribe, ${rows[0]?.fp.warmup ?? 0} warm-up + ${rows[0]?.fp.roundTrips ?? 0} measured QoS 1 round trips of ${rows[0]?.fp.payload ?? 0} B, companion broker on loopback; Moddable lin runtime (mcconfig -i)`);
  console.log(`device bytes = slots x ${DEVICE_SLOT} + chunk bytes; slots = the instrumentation's slot-heap bytes / ${HOST_SLOT} (64-bit host)`);
  for (const r of rows) {
    console.log(`${r.fp.client} (${r.app.name}) .xsb: ${r.modules.map(([m, n]) => `${m} ${n}`).join(', ')} = ${r.xsb} B` +
      (r.carried.length > 0 ? `; also carried, unused by the job: ${r.carried.map(([m, n]) => `${m} ${n}`).join(', ')} (every library module in the app: ${r.xsbAll} B)` : ''));
  }
  for (const r of rows) {
    console.log(`${r.fp.client}: load ${deviceBytes(r.fp.load)} B after GC with ${r.fp.load.modules} modules loaded at run time (the import's promise and closure when 0);` +
      ` job ${r.fp.job.slotBytes / HOST_SLOT} slots + ${r.fp.job.chunkBytes} chunk B; window ${r.fp.window.slotBytes / HOST_SLOT} slots + ${r.fp.window.chunkBytes} chunk B`);
  }
  if (withParts) await printParts(parts);
  console.log('');
  for (const l of table(rows)) console.log(l);
  const head = rows.find((r) => r.app.name === HEADLINE);
  const peer = rows.find((r) => r.app.name === PEER);
  if (head === undefined || peer === undefined) {
    process.stderr.write(`footprint-moddable: the JSON line needs ${HEADLINE} and ${PEER}\n`);
    return;
  }
  console.log(JSON.stringify({
    bench: 'footprint-moddable',
    growthBytes: deviceBytes(head.fp.job),
    peerGrowthBytes: deviceBytes(peer.fp.job),
    moduleLoadBytes: moduleLoadBytes(head.fp),
    xsbBytes311: head.xsb,
    xsbBytesAll: head.xsbAll,
    allocPerRoundTrip: allocPerRoundTrip(head.fp),
  }));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}

