#!/usr/bin/env node
// `xsmqtt <command>`: dispatches to the command's own module, loaded only when used.
import { readFileSync } from 'node:fs';

const COMMANDS: [string, string][] = [
  ['pub', 'publish a message (mosquitto_pub\'s options)'],
  ['sub', 'subscribe and print messages (mosquitto_sub\'s options)'],
  ['broker', 'run the companion broker'],
  ['sim', 'simulate a fleet of devices against a broker'],
  ['grade', 'grade any MQTT client: the device report card'],
];

const HELP = `usage: xsmqtt <command> [options]

${COMMANDS.map(([name, what]) => `  ${name.padEnd(8)}${what}`).join('\n')}

  xsmqtt <command> --help   the command's options
  xsmqtt --version          the version`;

/** The package's version, from the package.json beside dist/ (or src/). */
function version(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'xsmqtt' && pkg.version !== undefined) return pkg.version;
    } catch {
      // Try the next place.
    }
  }
  return 'unknown';
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'broker': return (await import('../broker/cli.js')).main(rest);
    case 'pub': return (await import('./cli/pub.js')).main(rest);
    case 'sub': return (await import('./cli/sub.js')).main(rest);
    case 'sim': return (await import('./sim/cli.js')).main(rest);
    case 'grade': return (await import('./grade/cli.js')).main(rest);
    case '-V':
    case '--version':
      process.stdout.write(`xsmqtt ${version()}\n`);
      return 0;
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(HELP + '\n');
      return 0;
    case undefined:
      process.stderr.write(HELP + '\n');
      return 2;
    default:
      process.stderr.write(`xsmqtt: unknown command '${command}' (xsmqtt --help)\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`xsmqtt: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
