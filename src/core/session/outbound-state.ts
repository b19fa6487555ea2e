// The state of one outbound message record and the one function that changes it, after
// coreMQTT's core_mqtt_state.c: every change the session makes to a stored message is an
// event applied through nextState, so the rules are one table (host-tests/session/outbound-state).

export const enum RecordState {
  Free = 0,
  /** In the offline queue: not sent yet, no packet identifier. */
  Queued = 1,
  /** Due: the PUBLISH is to be sent (its packet id is set). */
  PublishSend = 2,
  /** Due: the PUBLISH is to be sent again, with DUP (MQTT-3.3.1-1): it was in flight when the connection was lost. */
  PublishResend = 3,
  /** QoS 1 PUBLISH sent, awaiting PUBACK. */
  PubAckPending = 4,
  /** QoS 2 PUBLISH sent, awaiting PUBREC. */
  PubRecPending = 5,
  /** Due: PUBREL is to be sent (the PUBLISH bytes are released). */
  PubRelSend = 6,
  /** PUBREL sent, awaiting PUBCOMP. */
  PubCompPending = 7,
  /** A PUBLISH in flight on an earlier connection: held until CONNACK says whether the server kept the session. */
  PublishHeld = 8,
  /** A PUBREL in flight on an earlier connection: held until CONNACK. */
  PubRelHeld = 9,
}

export const enum RecordEvent {
  /** A packet identifier was given to a queued message. */
  Promote = 0,
  /** The due packet (PUBLISH or PUBREL) was written. */
  Sent = 1,
  Puback = 2,
  Pubrec = 3,
  Pubcomp = 4,
  /** A connection was made (CONNECT is being sent). */
  Connect = 5,
  /** CONNACK with Session Present: what was in flight is sent again. */
  Resume = 6,
  /** CONNACK without a session (MQTT-3.2.2-5): the server kept nothing. */
  Discard = 7,
}

/** nextState's answer for an event the state does not expect (an ack for another exchange). */
export const UNEXPECTED = -1;

/**
 * The state after event, for a record of QoS qos in state s; UNEXPECTED when the event does not
 * apply. Pure: no record is touched. Free means the exchange is over (the slot is released).
 */
export function nextState(s: number, event: number, qos: number): number {
  const publish = publishInflight(s);
  const pubrel = s === RecordState.PubRelSend || s === RecordState.PubCompPending || s === RecordState.PubRelHeld;
  switch (event) {
    case RecordEvent.Promote:
      return s === RecordState.Queued ? RecordState.PublishSend : UNEXPECTED;
    case RecordEvent.Sent:
      if (s === RecordState.PublishSend || s === RecordState.PublishResend) return qos === 2 ? RecordState.PubRecPending : RecordState.PubAckPending;
      return s === RecordState.PubRelSend ? RecordState.PubCompPending : UNEXPECTED;
    case RecordEvent.Puback:
      // Any QoS: a broker that downgrades QoS 2 to 1 answers a QoS 2 PUBLISH with PUBACK.
      return publish ? RecordState.Free : UNEXPECTED;
    case RecordEvent.Pubrec:
      // MQTT-4.3.3-4: PUBREL after PUBREC. A repeated PUBREC (PUBREL already due or sent) changes nothing.
      if (publish) return qos === 2 ? RecordState.PubRelSend : UNEXPECTED;
      return pubrel ? s : UNEXPECTED;
    case RecordEvent.Pubcomp:
      return pubrel ? RecordState.Free : UNEXPECTED;
    case RecordEvent.Connect:
      if (publish) return RecordState.PublishHeld;
      return pubrel ? RecordState.PubRelHeld : s;
    case RecordEvent.Resume:
      // MQTT-4.4.0-1: unacknowledged PUBLISH (with DUP) and PUBREL are sent again.
      if (s === RecordState.PublishHeld) return RecordState.PublishResend;
      return s === RecordState.PubRelHeld ? RecordState.PubRelSend : s;
    case RecordEvent.Discard:
      // Not acknowledged: sent again as a new message. PUBREC received: the server has it.
      if (s === RecordState.PublishHeld) return RecordState.Queued;
      return s === RecordState.PubRelHeld ? RecordState.Free : s;
    default:
      return UNEXPECTED;
  }
}

/** Due for transmission: PUBLISH or PUBREL. */
export function isDue(s: number): boolean {
  return s === RecordState.PublishSend || s === RecordState.PublishResend || s === RecordState.PubRelSend;
}

/** Held until CONNACK. */
export function isHeld(s: number): boolean {
  return s === RecordState.PublishHeld || s === RecordState.PubRelHeld;
}

/** A PUBLISH with a packet id, not yet acknowledged (its bytes are kept). */
export function publishInflight(s: number): boolean {
  return s === RecordState.PublishSend || s === RecordState.PublishResend || s === RecordState.PubAckPending ||
    s === RecordState.PubRecPending || s === RecordState.PublishHeld;
}
