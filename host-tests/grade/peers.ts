// The clients whose report cards are compared: each a command `xsmqtt grade` runs, or the
// reason it cannot run here. Shared by the tests and `npm run grade:cards`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReportCard } from '../../src/node/grade/verdict.js';

export const REPO = process.cwd();
const DIST = join(REPO, 'dist', 'host-tests', 'grade');
export const CLI = join(REPO, 'dist', 'src', 'node', 'cli.js');

export interface Peer {
  name: string;
  command: string[];
  /** Why it cannot run on this machine, or ''. */
  missing(): string;
}

const has = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

/** Debian's python3-paho-mqtt is importable only by /usr/bin/python3 (a python3 earlier on PATH may be another). */
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => has(p, ['-c', 'import paho.mqtt.client'])) ?? '';

export const PEERS: Peer[] = [
  { name: 'xsmqtt (Node client)', command: ['node', join(DIST, 'device.js'), 'xsmqtt'], missing: () => '' },
  { name: 'MQTT.js', command: ['node', join(DIST, 'device.js'), 'mqtt'], missing: () => '' },
  {
    name: 'Paho Python', command: [PYTHON, join(REPO, 'host-tests', 'grade', 'device-paho.py')],
    missing: () => (PYTHON !== '' ? '' : 'neither /usr/bin/python3 nor python3 imports paho.mqtt.client (Debian package python3-paho-mqtt)'),
  },
  {
    name: 'mosquitto_sub', command: ['mosquitto_sub', '-h', '{host}', '-p', '{port}', '-t', 'grade/#', '-q', '2', '-k', '5', '-i', 'grade-mosquitto-sub', '-V', '5'],
    missing: () => (spawnSync('mosquitto_sub', ['--help'], { stdio: 'ignore' }).error === undefined ? '' : 'mosquitto_sub is not installed'),
  },
];

export const BAD_CLIENT: Peer = { name: 'a bad client', command: ['node', join(DIST, 'bad-client.js')], missing: () => '' };

/** Runs `xsmqtt grade` on the peer (any free port); its card, stdout and exit code. */
export function grade(peer: Peer, extra: string[] = []): Promise<{ card: ReportCard; out: string; code: number | null; junit: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-grade-'));
  const json = join(dir, 'card.json');
  const junit = join(dir, 'card.xml');
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, 'grade', '--port', '0', '--name', peer.name, '--json', json, '--junit', junit, ...extra, '--', ...peer.command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    p.on('error', reject);
    p.on('close', (code) => {
      try {
        resolve({ card: JSON.parse(readFileSync(json, 'utf8')) as ReportCard, out, code, junit: readFileSync(junit, 'utf8') });
      } catch (e) {
        reject(new Error(`no card (${(e as Error).message}):\n${out}`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
