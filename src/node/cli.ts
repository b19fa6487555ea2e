#!/usr/bin/env node
// `xsmqtt <command>`: dispatches to the command's own module, loaded only when used.

const USAGE = 'usage: xsmqtt <pub|sub|broker|sim> [options]   (xsmqtt <command> --help for its options)';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'broker': return (await import('../broker/cli.js')).main(rest);
    case 'pub': return (await import('./cli-pubsub.js')).main('pub', rest);
    case 'sub': return (await import('./cli-pubsub.js')).main('sub', rest);
    case 'sim': return (await import('./sim/cli.js')).main(rest);
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(USAGE + '\n');
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`xsmqtt: unknown command '${command}'\n${USAGE}\n`);
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
