// A publisher that may be killed at any moment: the core session over TCP with its state in a
// file (FileSessionStore). Publishes QoS 1 and 2 messages `<run>:<n>:<qos>` to persist/t as
// fast as its queue allows and prints `ACC <payload>` as each publish() returns a handle,
// i.e. once the message is in the file. With a count of 0 it publishes nothing and exits
// when what an earlier run left is acknowledged. usage: persist-child port file run count
import { Driver } from '../../src/core/driver/driver.js';
import type { Packet } from '../../src/core/codec/packet.js';
import { ReasonCode } from '../../src/core/codec/constants.js';
import { SessionJournal, journalSize } from '../../src/core/session/journal.js';
import { SessionOptions, utf8 } from '../../src/core/session/options.js';
import { Session } from '../../src/core/session/session.js';
import type { SessionHandler } from '../../src/core/session/handler.js';
import { FileSessionStore } from '../../src/node/file-store.js';
import { NodeClock } from '../../src/node/transports/clock.js';
import { TcpTransport } from '../../src/node/transports/tcp.js';

const [portArg, file, run, countArg] = process.argv.slice(2);
const count = Number(countArg);
const opts = new SessionOptions();
opts.version = 5;
opts.clientId = utf8('persist-publisher');
opts.cleanStart = false;
opts.sessionExpiry = 3600;
opts.keepAlive = 30;
opts.inflight = 8;
opts.queueCount = 16;
opts.storeBytes = 4096;
opts.backoffBase = 50;
opts.backoffMax = 200;
const journal = new SessionJournal(new FileSessionStore(file, { size: journalSize(opts, 4096) + 2 * 4096 }), opts);
opts.persistence = journal;

const topic = utf8('persist/t');
let n = 0;
let waiting = false;
let session: Session;

function pump(): void {
  waiting = false;
  while (n < count) {
    const qos = n % 2 === 0 ? 1 : 2;
    const payload = `${run}:${n}:${qos}`;
    const p = utf8(payload);
    const h = session.publish(topic, 0, topic.length, p, 0, p.length, qos, false);
    if (h === -ReasonCode.QuotaExceeded) {
      waiting = true;
      return;
    }
    if (h < 0) throw new Error(`publish: ${h}`);
    process.stdout.write(`ACC ${payload}\n`);
    n++;
  }
  finishIfEmpty();
}

function finishIfEmpty(): void {
  if (n >= count && session.store.inflight + session.store.queued === 0) {
    process.stdout.write('EMPTY\n');
    process.exit(0);
  }
}

const handler: SessionHandler = {
  onConnect(ack: Packet): void {
    if (ack.reasonCode === 0) {
      process.stdout.write('READY\n');
      setImmediate(pump);
    }
  },
  onPublishDone(): void {
    if (waiting) setImmediate(pump);
    finishIfEmpty();
  },
  onMessage(): void {},
  onSubscribe(): void {},
  onUnsubscribe(): void {},
  onClose(): void {},
};

session = new Session(opts, handler, null);
process.stdout.write(`RESTORED ${session.store.inflight} ${session.store.queued}\n`);
new Driver(session, new TcpTransport({ host: '127.0.0.1', port: Number(portArg) }), new NodeClock()).start();
