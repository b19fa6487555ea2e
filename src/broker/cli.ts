// `xsmqtt broker [options]` and `xsmqtt broker passwd FILE USER PASS`.
import { createWriteStream } from 'node:fs';
import { Acl, PasswordFile, addUser } from './auth.js';
import { ConfigError, loadConfigSettings } from './config.js';
import { startBroker } from './index.js';
import { BrokerSettings, settingsToOptions, SPECS } from './settings.js';
import { formatHelp, parseOptions, UsageError } from '../node/cli/args.js';
import { clock } from './trace.js';

const USAGE = `usage: xsmqtt broker [options]
       xsmqtt broker passwd FILE USER PASS     add or replace a user (scrypt hash)`;

/**
 * Parses the flags and the config file -c names; a flag overrides the file's value of its
 * setting wherever -c stands (a repeatable one replaces the file's list). Throws UsageError
 * with a one-line message on a bad flag, ConfigError on a bad file.
 */
export function parseArgs(argv: string[]): BrokerSettings {
  const flags = parseOptions(SPECS, argv);
  const files = flags.all('config');
  if (files.length > 1) throw new UsageError('--config given twice');
  if (files.length === 0 || flags.has('help')) return settingsToOptions(flags);
  const merged = loadConfigSettings(files[0]);
  for (const [name, values] of flags.seen) merged.seen.set(name, values);
  return settingsToOptions(merged);
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'passwd') {
    if (argv.length !== 4) {
      process.stderr.write('usage: xsmqtt broker passwd FILE USER PASS\n');
      return 2;
    }
    addUser(argv[1], argv[2], argv[3]);
    process.stdout.write(`${argv[2]} added to ${argv[1]}\n`);
    return 0;
  }
  let args: BrokerSettings;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError) {
      process.stderr.write(`xsmqtt broker: ${e.message}${e instanceof UsageError ? ' (see --help)' : ''}\n`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    process.stdout.write(formatHelp(USAGE, SPECS) + '\n');
    return 0;
  }
  const o = args.options;
  try {
    if (args.passwordFile) o.passwords = PasswordFile.load(args.passwordFile);
    if (args.aclFile) o.acl = Acl.load(args.aclFile);
  } catch (e) {
    process.stderr.write(`xsmqtt broker: ${(e as Error).message}\n`);
    return 2;
  }
  const file = args.traceFile ? createWriteStream(args.traceFile, { flags: 'a' }) : null;
  if (args.trace || file) {
    o.onTrace = (line, rec) => {
      if (args.trace) process.stdout.write(line + '\n');
      if (file) file.write(JSON.stringify(rec ?? { t: new Date().toISOString(), fault: line }) + '\n');
    };
  }
  // The same timestamp as the trace's lines: the two streams are read together.
  if (args.verbose) o.onLog = (line) => process.stderr.write(`${clock()} ${line}\n`);
  const running = await startBroker(o);
  const where: string[] = [];
  if (running.port >= 0) where.push(`mqtt://${running.host}:${running.port}`);
  if (running.tlsPort >= 0) where.push(`mqtts://${running.host}:${running.tlsPort}`);
  if (running.wsPort >= 0) where.push(`ws://${running.host}:${running.wsPort}`);
  process.stderr.write(`xsmqtt broker listening on ${where.join(' ')}\n`);
  if (running.consoleUrl) process.stderr.write(`bench console: ${running.consoleUrl}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await running.close();
  file?.end();
  return 0;
}
