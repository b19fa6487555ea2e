// The cluster run of `make interop`: devices (xsmqtt Node clients with `servers` over the three
// nodes of a RabbitMQ cluster) publish QoS 1 and QoS 0 to one subscriber; a node is killed
// mid-run; every device must reconnect to a live node. Counts, per QoS, what was acknowledged,
// delivered, lost and duplicated. Bounded (every wait has a limit) and torn down by the run.
import { connect, type MqttClient } from '../../src/node/index.js';
import { LOOPBACK } from '../peers/proc.js';
import { startRabbitCluster, type RunningCluster } from '../peers/rabbitmq-cluster.js';

export interface ClusterOptions {
  devices: number;
  /** Messages each device publishes at each QoS. */
  messages: number;
  /** ms between a device's publishes. */
  interval: number;
  /** The node killed (0-based), after `killAfter` of the messages. */
  killNode: number;
  killAfter: number;
}

export const DEFAULT_CLUSTER: ClusterOptions = { devices: 30, messages: 60, interval: 50, killNode: 1, killAfter: 0.4 };

interface QosCount {
  sent: number;
  /** QoS 1: PUBACK received; QoS 0: written. */
  acked: number;
  /** Distinct messages the subscriber received. */
  delivered: number;
  /** Acknowledged but never delivered. */
  lost: number;
  /** Deliveries beyond the first of a message. */
  duplicates: number;
  /** Publishes that failed (the client gave up on them). */
  failed: number;
}

export interface ClusterResult {
  options: ClusterOptions;
  startMs: number;
  qos: [QosCount, QosCount];
  /** Devices on the killed node when it died, and how many of them connected again elsewhere. */
  onKilled: number;
  /** QoS 1 messages of those devices not yet acknowledged when the node died (resent elsewhere). */
  inFlightAtKill: number;
  movedOff: number;
  /** Devices connected (to a live node) at the end. */
  connectedAtEnd: number;
  /** ms from the kill until the last device on it was connected again. */
  recoveryMs: number;
  subscriberMoved: boolean;
  seconds: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

function count(): QosCount {
  return { sent: 0, acked: 0, delivered: 0, lost: 0, duplicates: 0, failed: 0 };
}

/** Runs the scenario on a cluster it starts and stops. Throws when the cluster cannot start. */
export async function runCluster(o: ClusterOptions = DEFAULT_CLUSTER, log: (line: string) => void = () => undefined): Promise<ClusterResult> {
  const t0 = Date.now();
  const cluster: RunningCluster = await startRabbitCluster(3);
  const startMs = Date.now() - t0;
  log(`cluster of ${cluster.nodes.length} up after ${startMs} ms: ${cluster.nodes.map((n) => `${n.name}:${n.mqttPort}`).join(', ')}`);
  const clients: MqttClient[] = [];
  try {
    const ports = cluster.nodes.map((n) => n.mqttPort);
    const rotated = (i: number): { host: string; port: number }[] => ports.map((_p, k) => ({ host: LOOPBACK, port: ports[(i + k) % ports.length] }));
    const quick = { reconnectPeriod: 200, reconnectPeriodMax: 2000, connectTimeout: 5000, keepalive: 10 };

    // The subscriber: a persistent session on node 1 (its queue lives there); never the killed node.
    const seen = [new Map<string, number>(), new Map<string, number>()];
    const sub = connect({ ...quick, servers: [{ host: LOOPBACK, port: ports[0] }], clientId: 'cluster-sub', clean: false });
    sub.on('error', () => undefined);
    clients.push(sub);
    sub.on('message', (_topic, payload, info) => {
      const key = payload.toString();
      const m = seen[info.qos === 0 ? 0 : 1];
      m.set(key, (m.get(key) ?? 0) + 1);
    });
    if (!(await waitUntil(() => sub.connected, 20000))) throw new Error('the subscriber did not connect');
    await sub.subscribeAsync('fleet/#', { qos: 1 });

    const devices: MqttClient[] = [];
    for (let i = 0; i < o.devices; i++) {
      const d = connect({ ...quick, servers: rotated(i), clientId: `dev-${i}`, clean: false });
      d.on('error', () => undefined);
      devices.push(d);
      clients.push(d);
    }
    if (!(await waitUntil(() => devices.every((d) => d.connected), 30000))) throw new Error('not every device connected');
    const q = [count(), count()];
    const acked = [new Set<string>(), new Set<string>()];
    const killed = cluster.nodes[o.killNode].mqttPort;
    let onKilled = 0;
    let killAt = 0;
    const victims: MqttClient[] = [];
    /** ms from the kill to each victim's next CONNACK. */
    const back: number[] = [];
    const killIndex = Math.floor(o.messages * o.killAfter);
    const pending: Promise<void>[] = [];
    /** Per device: QoS 1 messages published and not yet settled. */
    const outstanding = devices.map(() => 0);
    let inFlightAtKill = 0;
    for (let n = 0; n < o.messages; n++) {
      for (let i = 0; i < devices.length; i++) {
        for (const qos of [0, 1] as const) {
          const key = `${qos}/${i}/${n}`;
          q[qos].sent++;
          if (qos === 1) outstanding[i]++;
          pending.push(devices[i].publishAsync(`fleet/${i}/q${qos}`, key, { qos }).then(
            () => { q[qos].acked++; acked[qos].add(key); },
            () => { q[qos].failed++; },
          ).finally(() => { if (qos === 1) outstanding[i]--; }));
        }
      }
      if (n === killIndex) {
        // Killed before this round's messages reach the node (the signal goes before they are
        // written): they are unacknowledged on the device, sent again on the next node.
        for (const d of devices) if (d.server.port === killed) victims.push(d);
        onKilled = victims.length;
        for (let i = 0; i < devices.length; i++) if (victims.includes(devices[i])) inFlightAtKill += outstanding[i];
        for (const d of victims) d.once('connect', () => { back.push(Date.now() - killAt); });
        log(`killing ${cluster.nodes[o.killNode].name} with ${onKilled} devices on it, ${inFlightAtKill} QoS 1 messages of theirs unacknowledged`);
        killAt = Date.now();
        await cluster.killNode(o.killNode);
      }
      await sleep(o.interval);
    }
    // Every device back on a live node, then every publish settled, then the last deliveries in.
    await waitUntil(() => victims.every((d) => d.connected && d.server.port !== killed), 60000);
    const recoveryMs = back.length === victims.length && back.length > 0 ? Math.max(...back) : -1;
    await Promise.race([Promise.all(pending), sleep(60000)]);
    let last = -1;
    const total = (): number => seen[0].size + seen[1].size;
    await waitUntil(() => {
      const now = total();
      if (now === q[0].acked + q[1].acked) return true;
      if (now !== last) { last = now; return false; }
      return false;
    }, 15000);
    await sleep(1000);
    for (const qos of [0, 1] as const) {
      const c = q[qos];
      c.delivered = seen[qos].size;
      for (const key of acked[qos]) if (!seen[qos].has(key)) c.lost++;
      for (const times of seen[qos].values()) c.duplicates += times - 1;
    }
    return {
      options: o, startMs, qos: [q[0], q[1]], onKilled, inFlightAtKill, movedOff: victims.filter((d) => d.connected && d.server.port !== killed).length,
      connectedAtEnd: devices.filter((d) => d.connected && d.server.port !== killed).length, recoveryMs,
      subscriberMoved: sub.server.port !== ports[0], seconds: Math.round((Date.now() - t0) / 1000),
    };
  } finally {
    await Promise.all(clients.map((c) => Promise.race([c.endAsync(true), sleep(3000)])));
    await cluster.stop();
  }
}

/** The MATRIX.md section for a result (or for why the cluster could not run). */
export function clusterMarkdown(r: ClusterResult | string): string {
  const head = `### A RabbitMQ cluster: failover under a node kill\n\n`;
  if (typeof r === 'string') return `${head}Not run: ${r}\n`;
  const o = r.options;
  const row = (name: string, c: QosCount): string => `| ${name} | ${c.sent} | ${c.acked} | ${c.delivered} | ${c.lost} | ${c.duplicates} | ${c.failed} |`;
  return head + [
    `Three RabbitMQ 3.10.8 nodes (Debian rabbitmq-server, MQTT plugin) clustered on loopback with \`rabbitmqctl join_cluster\` (up in ${r.startMs} ms). ` +
    `${o.devices} xsmqtt Node clients with \`servers\` over the three nodes (each starting at a different node, clean session off) publish ${o.messages} messages each at QoS 0 and at QoS 1, every ${o.interval} ms, ` +
    `to one subscriber (clean session off, QoS 1, on node 1). After ${Math.round(o.killAfter * 100)} % of the messages node ${o.killNode + 1} is killed (SIGKILL).`,
    '',
    `Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${process.platform}/${process.arch}, Node ${process.version}. ` +
    `Devices on the killed node: ${r.onKilled}, with ${r.inFlightAtKill} QoS 1 messages not yet acknowledged when it died; connected again to a live node: ${r.movedOff} (all of them within ${r.recoveryMs} ms of the kill). Devices connected to a live node at the end: ${r.connectedAtEnd} of ${o.devices}. Run: ${r.seconds} s.`,
    '',
    '| QoS | published | acknowledged (QoS 0: taken by the client) | delivered (distinct) | lost (acknowledged, never delivered) | duplicates | failed |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    row('0', r.qos[0]),
    row('1', r.qos[1]),
    '',
    'RabbitMQ\'s documented guarantees (MQTT plugin guide, 3.10): QoS 0 is at most once; QoS 1 is at least once, a PUBACK is sent once the message is routed (publisher confirms), so duplicates are allowed and loss of an acknowledged message is not; QoS 2 is not supported (downgraded to QoS 1), so this run publishes QoS 0 and 1 only. ' +
    'A subscriber with clean session off gets a durable queue that lives on the node it connected to (classic, not mirrored unless a policy says so; \`mqtt.durable_queue_type = quorum\` makes it a replicated quorum queue from 3.10): if that node dies, its queue and the messages in it are unavailable until the node comes back, so the subscriber here stays on node 1, the node that is never killed. ' +
    'Sessions (the plugin keeps them in the queue and a client-id registry across the cluster) survive a move between live nodes; a QoS 0 message in flight on the killed node\'s connection is lost, as at most once allows.',
    '',
  ].join('\n');
}
