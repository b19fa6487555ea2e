// `make device-test TARGET=lx106`: the integration suite on the emulated ESP8266 (XS on the
// lx106 CPU under QEMU, its TCP carried by a bridge) against the companion broker (started
// in-process with the suite profile, or --broker URL). TAP on stdout; exit 1 when a scenario
// fails.
import { suiteBroker } from '../sim/device-test.js';
import { bundleDevice, suiteEntry } from './bundle.js';
import { lx106Missing, startLx106 } from './emulator.js';

const USAGE = 'usage: device-test-lx106 [--broker mqtt://host:port] [--device ID] [--mqtt 4|5] [--profile host|esp32|esp8266]';

export async function main(argv: string[]): Promise<number> {
  let broker: string | undefined;
  let device = `lx106-${process.pid}`;
  let version = 5;
  let profile = 'host';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--broker' && v !== undefined) { broker = v; i++; }
    else if (a === '--device' && v !== undefined && /^[A-Za-z0-9_-]+$/.test(v)) { device = v; i++; }
    else if (a === '--mqtt' && (v === '4' || v === '5')) { version = Number(v); i++; }
    else if (a === '--profile' && v !== undefined) { profile = v; i++; }
    else if (a === '-h' || a === '--help') { process.stdout.write(USAGE + '\n'); return 0; }
    else { process.stderr.write(`device-test-lx106: bad argument '${a}'\n${USAGE}\n`); return 2; }
  }
  const missing = lx106Missing();
  if (missing) {
    process.stderr.write(`make device-test TARGET=lx106: ${missing}\n`);
    return 1;
  }
  const { host, port, close } = await suiteBroker(broker, version);
  if (close) process.stdout.write(`# companion broker (suite profile) on ${host}:${port}; emulated ESP8266 ${device}, MQTT ${version === 5 ? '5.0' : '3.1.1'}, profile ${profile}\n`);
  const bundle = await bundleDevice(suiteEntry({ broker: host, port, device, version }));
  const started = Date.now();
  const emulator = startLx106({
    bundle: bundle.file,
    preload: bundle.preload,
    profile,
    timeoutMs: 280000,
    onLine: (line) => process.stdout.write(line + '\n'),
  });
  const stopAll = () => emulator.stop();
  process.once('SIGINT', stopAll);
  try {
    const r = await emulator.exited;
    if (r.stderr) process.stderr.write(r.stderr);
    process.stdout.write(`# emulated ESP8266: exit ${r.code ?? r.signal}${r.timedOut ? ' (timed out)' : ''} after ${((Date.now() - started) / 1000).toFixed(1)} s of wall time\n`);
    return r.code === 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', stopAll);
    emulator.stop();
    bundle.cleanup();
    if (close) await close();
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    process.stderr.write(`device-test-lx106: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
