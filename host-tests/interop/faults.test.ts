// Fault tests against a real mosquitto: the acknowledgement of a QoS 1/2 PUBLISH is lost and the
// connection cut; the client reconnects to its persistent session, resends with DUP, and the
// message arrives at least once (QoS 1) or exactly once (QoS 2) at a subscriber.
import test from 'ava';
import { startMosquitto } from '../peers/mosquitto.js';
import { connectClient, pub, stopClient, sub } from './client.js';
import { CutProxy } from './cut-proxy.js';

for (const version of [4, 5]) {
  for (const qos of [1, 2]) {
    test(`mosquitto ${version === 5 ? '5.0' : '3.1.1'}: QoS ${qos} acknowledgement lost and connection cut; resent with DUP, ${qos === 1 ? 'at least' : 'exactly'} once`, async (t) => {
      const broker = await startMosquitto();
      t.teardown(() => broker.stop());
      const proxy = new CutProxy(broker.port);
      await proxy.listen();
      t.teardown(() => proxy.close());
      const a = await connectClient(broker.port, `fa-sub-${version}-${qos}`, { version });
      t.teardown(() => stopClient(a));
      await sub(a, 'f/#', 2);
      const b = await connectClient(proxy.port, `fa-pub-${version}-${qos}`, { version, cleanStart: false, sessionExpiry: 3600 });
      t.teardown(() => stopClient(b));
      proxy.dropFromBroker = true;
      pub(b, 'f/x', 'once', qos);
      // The broker answered (PUBACK or PUBREC), and the answer was lost.
      await proxy.waitDropped(5000);
      t.deepEqual(b.rec.done, []);
      proxy.cut();
      proxy.dropFromBroker = false;
      await b.rec.until(() => b.rec.done.length === 1, 5000, 'completion after reconnect');
      t.true(b.rec.connacks.length >= 2);
      t.true(b.rec.connacks[b.rec.connacks.length - 1].sessionPresent);
      t.true(b.rec.done[0][1] === 0 || b.rec.done[0][1] === 0x10);
      // A marker sent after completion: any duplicate of the first message arrives before it.
      pub(b, 'f/marker', 'end', 1);
      await a.rec.until(() => a.rec.messages.some((m) => m.topic === 'f/marker'), 5000, 'marker');
      const copies = a.rec.messages.filter((m) => m.topic === 'f/x').length;
      if (qos === 1) t.true(copies >= 1);
      else t.is(copies, 1);
      t.log(`copies delivered: ${copies}; connections through the proxy: ${proxy.connections}`);
    });
  }
}
