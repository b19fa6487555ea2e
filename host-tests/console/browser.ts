// Debian's chromium driven by puppeteer-core for the console tests (never a downloaded browser),
// closed with the test; null with the reason when it cannot start.
import type { ExecutionContext } from 'ava';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots for the note: WT/build/console. */
export const SHOTS = join(process.cwd(), 'build/console');

export async function chromium(t: ExecutionContext): Promise<Browser | string> {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install chromium; make test installs it)`;
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless=new'], headless: true });
  t.teardown(() => browser.close());
  return browser;
}

export function shotPath(name: string): string {
  mkdirSync(SHOTS, { recursive: true });
  return join(SHOTS, name);
}
