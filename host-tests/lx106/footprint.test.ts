// The footprint figures' sources: the linker map's parts add up to the image's size.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LX106_ELF, ROOT } from '../../src/node/bridge/emulator.js';
import { mapSizes } from './footprint-lx106.js';
import { requireLx106 } from './helpers.js';

test.before(() => requireLx106());

test('the linker map split (XS, runtime, platform, libc, libgcc) accounts for the image size', (t) => {
  const sizes = mapSizes(readFileSync(join(ROOT, 'build/lx106/xsmqtt-lx106.map'), 'utf8'));
  const out = execFileSync('xtensa-lx106-elf-size', [LX106_ELF], { encoding: 'utf8' }).split('\n')[1].trim().split(/\s+/).map(Number);
  const [text, data, bss] = out;
  const mapped = Object.values(sizes).reduce((a, p) => a + p.text + p.rodata, 0);
  t.true(mapped <= text && mapped > text * 0.99, `map ${mapped} vs size ${text}`);
  t.true(sizes.xs.text > sizes.runtime.text * 10, 'XS is most of the code');
  t.is(sizes.other.text + sizes.other.rodata, 0);
  t.true(data > 0 && bss > 0);
});
