// The bytecode a device carries for xsmqtt: the .xsb files the real xsc wrote for the esp32
// build of the example sensor app (make lin-apps, -p esp32 up to mc.xs.c), per module and in
// total, library modules apart from the app's. Part of `npm run footprint`.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { app } from './apps.js';
import { appModules, appTmp } from './lin.js';

const a = app('esp32-device');
const { modules } = appModules(a);
const ours = modules.filter((m) => /^(src|targets)\//.test(m)).map((m) => ({ m, bytes: statSync(join(appTmp(a), 'modules', m + '.xsb')).size }));
if (ours.length === 0) throw new Error(`no xsmqtt module in ${a.name}: run make lin-apps`);
const library = ours.filter((x) => !/^(src\/core\/app|targets\/moddable\/sensor)/.test(x.m));
const appOnly = ours.filter((x) => !library.includes(x));
const sum = (xs: { bytes: number }[]): number => xs.reduce((s, x) => s + x.bytes, 0);
console.log(`.xsb bytes from Moddable's xsc (mcconfig -p esp32, ${a.name}):`);
for (const x of ours.sort((p, q) => q.bytes - p.bytes)) console.log(`  ${String(x.bytes).padStart(7)}  ${x.m}${appOnly.includes(x) ? '  (example app)' : ''}`);
console.log(`  library ${sum(library)} B in ${library.length} modules; the example app adds ${sum(appOnly)} B in ${appOnly.length}`);
console.log(JSON.stringify({ bench: 'footprint-xsb', libraryXsbBytes: sum(library), libraryModules: library.length, appXsbBytes: sum(appOnly) }));
