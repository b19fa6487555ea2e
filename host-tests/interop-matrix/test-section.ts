// A matrix section made from an ava run: the bridge and failover tests against real peers
// (mosquitto both ways, several brokers), each listed with its outcome as TAP reported it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface TestOutcome {
  name: string;
  status: 'pass' | 'FAIL' | 'skip';
  note: string;
}

export interface TestSection {
  title: string;
  intro: string;
  outcomes: TestOutcome[];
  /** Set when the run itself could not be made. */
  error?: string;
}

/** Runs the test files (paths under dist/) with ava's TAP reporter and reads each test's line. */
export function runTests(root: string, files: string[], timeoutMs = 600000): Promise<TestOutcome[]> {
  return new Promise((resolve, reject) => {
    const ava = join(root, 'node_modules/.bin/ava');
    const p = spawn(ava, ['--tap', ...files.map((f) => join(root, f))], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { err = (err + b.toString()).slice(-2000); });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', () => {
      clearTimeout(timer);
      const outcomes: TestOutcome[] = [];
      for (const line of out.split('\n')) {
        const m = /^(not ok|ok) \d+ - (.*?)(?: # (SKIP|TODO)\s*(.*))?$/.exec(line);
        if (m === null) continue;
        const status = m[3] === 'SKIP' ? 'skip' : m[1] === 'ok' ? 'pass' : 'FAIL';
        outcomes.push({ name: m[2].replace(/^[\w-]+ › /, ''), status, note: m[4] ?? '' });
      }
      if (outcomes.length === 0) reject(new Error(`ava reported no tests: ${err.split('\n').find((l) => l.trim() !== '') ?? 'no output'}`));
      else resolve(outcomes);
    });
  });
}

export function testSectionMarkdown(s: TestSection): string {
  if (s.error !== undefined) return `### ${s.title}\n\n${s.intro}\n\nNot run: ${s.error}\n`;
  const rows = s.outcomes.map((o) => `| ${o.name.replace(/\|/g, '\\|')} | ${o.status}${o.note !== '' ? ` (${o.note})` : ''} |`);
  const passed = s.outcomes.filter((o) => o.status === 'pass').length;
  return `### ${s.title}\n\n${s.intro} ${passed} of ${s.outcomes.length} pass.\n\n| test | outcome |\n| --- | --- |\n${rows.join('\n')}\n`;
}
