// Child process for durability.test.ts: a broker on a free port with --store argv[2], which
// sends its port to the parent and runs until killed.
import { startBroker } from '../../src/broker/index.js';

const b = await startBroker({ port: 0, sysInterval: 0, storeFile: process.argv[2] });
process.send!(String(b.port));
