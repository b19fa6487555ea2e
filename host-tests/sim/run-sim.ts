// Runs the simulator as users do (`xsmqtt sim ...`, the built CLI) and collects its output.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'node', 'cli.js');

export interface Run { code: number | null; stdout: string; stderr: string }

/** Starts `xsmqtt sim args`; the process is killed in teardown if it is still running. */
export function sim(args: string[], t: { teardown(fn: () => void): void }): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, 'sim', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.teardown(() => { if (p.exitCode === null) p.kill('SIGKILL'); });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
