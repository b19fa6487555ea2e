// Builds a device bundle for the emulated ESP8266 (or the host XS runtime): one ES module file
// made by esbuild from the TypeScript sources (types stripped), with the device's own module
// specifiers (timer, time, embedded:*) left to the runtime.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './emulator.js';

export interface DeviceBundle {
  file: string;
  bytes: number;
  cleanup(): void;
}

/** Bundles `contents` (TypeScript; imports resolve from the repository root). */
export async function bundleDevice(contents: string, minify = false): Promise<DeviceBundle> {
  const { build } = await import('esbuild');
  const result = await build({
    stdin: { contents, resolveDir: ROOT, sourcefile: 'device-entry.ts', loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    minify,
    write: false,
    external: ['timer', 'time', 'embedded:*'],
    logLevel: 'silent',
  });
  const text = result.outputFiles[0].text;
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-lx106-'));
  const file = join(dir, 'bundle.js');
  writeFileSync(file, text);
  return { file, bytes: Buffer.byteLength(text), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The entry of the integration suite for one device. */
export function suiteEntry(config: { broker: string; port: number; device: string; version: number }): string {
  return `import { runSuite } from './targets/lx106/app/suite-main.ts';\n` +
    `export default function main() { runSuite(${JSON.stringify(config)}); }\n`;
}
