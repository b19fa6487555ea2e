// The package as a user installs it: what `npm pack` ships, and a strict TypeScript project
// importing it the MQTT.js way, the broker and the core through package.json "exports".
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../node/helpers.js';

test('npm pack ships the built package with its declarations, not the tests or CI', (t) => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8' });
  const files = new Set<string>((JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
  for (const f of ['package.json', 'README.md', 'dist/src/node/index.js', 'dist/src/node/index.d.ts', 'dist/src/node/cli.js', 'dist/src/broker/index.d.ts', 'dist/src/core/session/index.d.ts', 'manifest.json']) {
    t.true(files.has(f), `ships ${f}`);
  }
  const stray = [...files].filter((f) => f.startsWith('host-tests/') || f.startsWith('dist/host-tests/') || f.startsWith('.ci/') || f.startsWith('build/'));
  t.deepEqual(stray, []);
});

test('a strict TypeScript project installs the packed tarball and imports the client (named and default), the broker and the core', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-consumer-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  // dist/ is built already (make test builds first): pack without the prepack build, install as a
  // user would (ws from npm's cache; better-sqlite3 is optional and left out).
  execFileSync('npm', ['pack', REPO, '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: dir, encoding: 'utf8' });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  t.truthy(tarball);
  execFileSync('npm', ['install', `./${tarball}`, '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--omit=optional', '--no-package-lock'], { cwd: dir, encoding: 'utf8' });
  t.true(existsSync(join(dir, 'node_modules', 'xsmqtt', 'dist', 'src', 'node', 'index.d.ts')));
  symlinkSync(join(REPO, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, types: ['node'] },
    files: ['main.ts'],
  }));
  writeFileSync(join(dir, 'main.ts'), [
    "import mqtt, { connect, type MqttClient, type QoS } from 'xsmqtt';",
    "import { startBroker } from 'xsmqtt/broker';",
    "import { Session } from 'xsmqtt/core/session';",
    "const qos: QoS = 1;",
    "const c: MqttClient = connect('mqtt://127.0.0.1:1', { clientId: 'x' });",
    "const d: MqttClient = mqtt.connect('mqtt://127.0.0.1:1');",
    "void c.publish('t', 'p', { qos });",
    "void startBroker({ port: 0 });",
    "export const types = [d, Session];",
    // A wrong call must fail, so the check is not vacuous (see the second compile below).
  ].join('\n'));
  const tsc = join(REPO, 'node_modules', '.bin', 'tsc');
  const run = (): { code: number; out: string } => {
    try {
      return { code: 0, out: execFileSync(tsc, ['-p', dir], { encoding: 'utf8' }) };
    } catch (e) {
      const err = e as { status: number; stdout: string };
      return { code: err.status, out: err.stdout };
    }
  };
  const ok = run();
  t.is(ok.code, 0, ok.out);
  writeFileSync(join(dir, 'main.ts'), "import { connect } from 'xsmqtt';\nconnect(42);\n");
  const bad = run();
  t.not(bad.code, 0);
  t.regex(bad.out, /TS2345/);
  // Installed without its optional better-sqlite3: the broker runs, and only --store says what is missing, in one line.
  const started = execFileSync(process.execPath, ['--input-type=module', '-e',
    "const { startBroker } = await import('xsmqtt/broker'); const b = await startBroker({ port: 0, sysInterval: 0 }); console.log(b.port > 0); await b.close();"], { cwd: dir, encoding: 'utf8' });
  t.is(started, 'true\n');
  let store: { status: number; stderr: string } = { status: 0, stderr: '' };
  try {
    execFileSync(process.execPath, [join(dir, 'node_modules', 'xsmqtt', 'dist', 'src', 'node', 'cli.js'), 'broker', '-p', '0', '--store', join(dir, 'b.db')], { cwd: dir, encoding: 'utf8', stdio: 'pipe', timeout: 20000 });
  } catch (e) {
    store = e as { status: number; stderr: string };
  }
  t.not(store.status, 0);
  t.is(store.stderr.trim().split('\n').length, 1, store.stderr);
  t.regex(store.stderr, /better-sqlite3/);
});

test('the API reference generates from the doc comments with no warning (npm run docs:api)', (t) => {
  const out = join(mkdtempSync(join(tmpdir(), 'xsmqtt-api-')), 'api');
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  execFileSync(join(REPO, 'node_modules', '.bin', 'typedoc'), ['--out', out], { cwd: REPO, encoding: 'utf8' });
  const index = readFileSync(join(out, 'index.html'), 'utf8');
  for (const name of ['node', 'broker', 'core_codec', 'core_session', 'core_driver', 'core_topic']) t.true(index.includes(`modules/${name}.html`), name);
  t.regex(readFileSync(join(out, 'modules', 'node.html'), 'utf8'), /connectAsync/);
});
