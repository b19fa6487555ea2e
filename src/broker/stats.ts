// The broker's counters: traffic, every message dropped and every client or message refused (by
// reason, traced with the client concerned), and the $SYS/broker/... topics that publish them.
import { noteLine, noteRecord, TraceRecord } from './trace.js';

export interface BrokerStats {
  connected: number;
  connectionsTotal: number;
  sessions: number;
  subscriptions: number;
  retained: number;
  messagesReceived: number;
  messagesSent: number;
  publishReceived: number;
  publishSent: number;
  bytesReceived: number;
  bytesSent: number;
  /** QoS 0 messages dropped because the receiver was congested or offline-ineligible. */
  droppedQos0: number;
  /** QoS 1/2 messages dropped because a queue was full. */
  droppedQueued: number;
  /** Messages not sent because they exceeded a client's maximum packet size. */
  droppedTooLarge: number;
  /** Every message not delivered to a subscriber, by reason (queue-full, qos0-congested, too-large, expired, ...). */
  dropped: Record<string, number>;
  /** Clients and messages refused by a limit, by reason (session-total, session-quota, address, slow-packet, ...). */
  refused: Record<string, number>;
  faultsFired: number;
}

export function newStats(): BrokerStats {
  return {
    connected: 0, connectionsTotal: 0, sessions: 0, subscriptions: 0, retained: 0, messagesReceived: 0, messagesSent: 0,
    publishReceived: 0, publishSent: 0, bytesReceived: 0, bytesSent: 0, droppedQos0: 0, droppedQueued: 0, droppedTooLarge: 0,
    dropped: {}, refused: {}, faultsFired: 0,
  };
}

type TraceSink = ((line: string, record: TraceRecord | null) => void) | null;

/** Counts a drop or a refusal by reason and traces it with the client it concerns. */
export function countNote(stats: BrokerStats, trace: TraceSink, clientId: string, type: 'DROP' | 'REFUSE', why: string, detail: string, now = Date.now()): void {
  const m = type === 'DROP' ? stats.dropped : stats.refused;
  m[why] = (m[why] ?? 0) + 1;
  if (trace) {
    const rec = noteRecord(clientId, type, why, detail, now);
    trace(noteLine(rec), rec);
  }
}

/** Counts a message not delivered to clientId (and the older per-kind counters), and traces it. */
export function countDrop(stats: BrokerStats, trace: TraceSink, clientId: string, why: string, topic: string, now = Date.now()): void {
  if (why === 'queue-full' || why === 'no-packet-id') stats.droppedQueued++;
  else if (why === 'too-large') stats.droppedTooLarge++;
  else if (why.startsWith('qos0')) stats.droppedQos0++;
  // Under overload this runs per message: the trace text only when someone reads it.
  if (trace) countNote(stats, trace, clientId, 'DROP', why, `t=${topic}`, now);
  else stats.dropped[why] = (stats.dropped[why] ?? 0) + 1;
}

/** The $SYS/broker/... topics (without the prefix) and their values. */
export function sysEntries(st: BrokerStats, extra: { uptime: number; maxConnections: number; persistent: number }): [string, string][] {
  return [
    ['version', 'xsmqtt broker 0.1.0'],
    ['uptime', `${extra.uptime} seconds`],
    ['clients/connected', String(st.connected)],
    ['clients/total', String(st.sessions)],
    ['clients/maximum', String(extra.maxConnections)],
    ['messages/received', String(st.messagesReceived)],
    ['messages/sent', String(st.messagesSent)],
    ['publish/messages/received', String(st.publishReceived)],
    ['publish/messages/sent', String(st.publishSent)],
    ['publish/messages/dropped', String(Object.values(st.dropped).reduce((a, n) => a + n, 0))],
    ...Object.entries(st.dropped).map(([why, n]): [string, string] => [`publish/messages/dropped/${why}`, String(n)]),
    ...Object.entries(st.refused).map(([why, n]): [string, string] => [`refused/${why}`, String(n)]),
    ['sessions/persistent', String(extra.persistent)],
    ['bytes/received', String(st.bytesReceived)],
    ['bytes/sent', String(st.bytesSent)],
    ['subscriptions/count', String(st.subscriptions)],
    ['retained messages/count', String(st.retained)],
    ['heap/current', String(process.memoryUsage().heapUsed)],
  ];
}
