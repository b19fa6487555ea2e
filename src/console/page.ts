// The console's page: one HTML document and one script, bundled with esbuild from
// src/console/web/ (the page, uPlot, the core and the browser transport) by `npm run build`.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed package) root: this file is dist/src/console/page.js. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const ENTRY = join(ROOT, 'src/console/web/main.ts');
export const BUNDLE = join(ROOT, 'dist/src/console/web/console.js');

/** Bundles the page's script into BUNDLE (esbuild, a development dependency), whole or not at all. */
export async function buildPage(): Promise<void> {
  const { build } = await import('esbuild');
  const uplot = JSON.parse(readFileSync(createRequire(ENTRY).resolve('uplot/package.json'), 'utf8')) as { version: string };
  const out = await build({
    entryPoints: [ENTRY], bundle: true, format: 'iife', target: 'es2022', minify: true, write: false,
    outfile: BUNDLE, loader: { '.css': 'text' }, logLevel: 'silent',
    // uPlot's notice travels with its code (MIT); its own header is not a legal comment to esbuild.
    banner: { js: `/* xsmqtt bench console. Includes uPlot ${uplot.version}, (c) Leon Sorokin, MIT License, https://github.com/leeoniya/uPlot */` },
  });
  mkdirSync(dirname(BUNDLE), { recursive: true });
  // Servers started at once (parallel tests) may read it while another writes it.
  const tmp = `${BUNDLE}.${process.pid}.tmp`;
  writeFileSync(tmp, out.outputFiles[0].contents);
  renameSync(tmp, BUNDLE);
}

/**
 * The script. `npm run build` (and `make build`) makes it; a server that finds none (a checkout
 * built with tsc alone) bundles it once at start. A bundle older than its sources is served as
 * it is: rebuilding at start would delay every run (the simulator's included) by seconds.
 */
export async function pageScript(): Promise<string> {
  if (!existsSync(BUNDLE)) {
    try {
      await buildPage();
    } catch (e) {
      throw new Error(`the console's page is not built and esbuild could not build it (npm run build): ${(e as Error).message}`);
    }
  }
  return readFileSync(BUNDLE, 'utf8');
}

export const PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>xsmqtt bench console</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
</head><body><div id="app">loading...</div><script src="/console.js"></script></body></html>
`;

// `node dist/src/console/page.js`: the build step.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildPage().then(() => writeFileSync(process.stdout.fd, `console page: ${BUNDLE}\n`), (e: Error) => {
    process.stderr.write(`console page: ${e.message}\n`);
    process.exitCode = 1;
  });
}
