// Runs mosca (installed apart, in build/mosca: see host-tests/peers/mosca/package.json) on a
// loopback port with in-memory persistence. Usage: node mosca-main.js <mosca dir> <port>.
import { createRequire } from 'node:module';
import { join } from 'node:path';

interface MoscaServer { on(event: string, fn: (arg?: unknown) => void): void }
interface Mosca {
  Server: new (opts: unknown) => MoscaServer;
  persistence: { Memory: unknown };
}

const [dir, portText] = process.argv.slice(2);
const port = Number(portText);
if (!dir || !Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: mosca-main <mosca dir> <port>\n');
  process.exit(2);
}
const mosca = createRequire(join(dir, 'package.json'))('mosca') as Mosca;
const server = new mosca.Server({ host: '127.0.0.1', port, persistence: { factory: mosca.persistence.Memory } });
server.on('ready', () => process.stdout.write(`mosca ready on 127.0.0.1:${port}\n`));
server.on('error', (err) => {
  process.stderr.write(`mosca: ${String(err)}\n`);
  process.exit(1);
});
