// The outbound record's states and events as one table.
import test from 'ava';
import { nextState, RecordEvent, RecordState, UNEXPECTED } from '../../src/core/session/outbound-state.js';

const STATES: [string, number][] = [
  ['Free', RecordState.Free], ['Queued', RecordState.Queued], ['PublishSend', RecordState.PublishSend], ['PublishResend', RecordState.PublishResend],
  ['PubAckPending', RecordState.PubAckPending], ['PubRecPending', RecordState.PubRecPending], ['PubRelSend', RecordState.PubRelSend],
  ['PubCompPending', RecordState.PubCompPending], ['PublishHeld', RecordState.PublishHeld], ['PubRelHeld', RecordState.PubRelHeld],
];
const EVENTS: [string, number][] = [
  ['Promote', RecordEvent.Promote], ['Sent', RecordEvent.Sent], ['Puback', RecordEvent.Puback], ['Pubrec', RecordEvent.Pubrec], ['Pubcomp', RecordEvent.Pubcomp],
  ['Connect', RecordEvent.Connect], ['Resume', RecordEvent.Resume], ['Discard', RecordEvent.Discard],
];
const X = UNEXPECTED;

// Rows: state; columns: EVENTS in order; each cell [QoS 1, QoS 2].
const TABLE: [number, [number, number][]][] = [
  [RecordState.Free, [[X, X], [X, X], [X, X], [X, X], [X, X], [RecordState.Free, RecordState.Free], [RecordState.Free, RecordState.Free], [RecordState.Free, RecordState.Free]]],
  [RecordState.Queued, [[RecordState.PublishSend, RecordState.PublishSend], [X, X], [X, X], [X, X], [X, X], [RecordState.Queued, RecordState.Queued], [RecordState.Queued, RecordState.Queued], [RecordState.Queued, RecordState.Queued]]],
  [RecordState.PublishSend, [[X, X], [RecordState.PubAckPending, RecordState.PubRecPending], [RecordState.Free, RecordState.Free], [X, RecordState.PubRelSend], [X, X], [RecordState.PublishHeld, RecordState.PublishHeld], [RecordState.PublishSend, RecordState.PublishSend], [RecordState.PublishSend, RecordState.PublishSend]]],
  [RecordState.PublishResend, [[X, X], [RecordState.PubAckPending, RecordState.PubRecPending], [RecordState.Free, RecordState.Free], [X, RecordState.PubRelSend], [X, X], [RecordState.PublishHeld, RecordState.PublishHeld], [RecordState.PublishResend, RecordState.PublishResend], [RecordState.PublishResend, RecordState.PublishResend]]],
  [RecordState.PubAckPending, [[X, X], [X, X], [RecordState.Free, RecordState.Free], [X, RecordState.PubRelSend], [X, X], [RecordState.PublishHeld, RecordState.PublishHeld], [RecordState.PubAckPending, RecordState.PubAckPending], [RecordState.PubAckPending, RecordState.PubAckPending]]],
  [RecordState.PubRecPending, [[X, X], [X, X], [RecordState.Free, RecordState.Free], [X, RecordState.PubRelSend], [X, X], [RecordState.PublishHeld, RecordState.PublishHeld], [RecordState.PubRecPending, RecordState.PubRecPending], [RecordState.PubRecPending, RecordState.PubRecPending]]],
  [RecordState.PubRelSend, [[X, X], [RecordState.PubCompPending, RecordState.PubCompPending], [X, X], [RecordState.PubRelSend, RecordState.PubRelSend], [RecordState.Free, RecordState.Free], [RecordState.PubRelHeld, RecordState.PubRelHeld], [RecordState.PubRelSend, RecordState.PubRelSend], [RecordState.PubRelSend, RecordState.PubRelSend]]],
  [RecordState.PubCompPending, [[X, X], [X, X], [X, X], [RecordState.PubCompPending, RecordState.PubCompPending], [RecordState.Free, RecordState.Free], [RecordState.PubRelHeld, RecordState.PubRelHeld], [RecordState.PubCompPending, RecordState.PubCompPending], [RecordState.PubCompPending, RecordState.PubCompPending]]],
  [RecordState.PublishHeld, [[X, X], [X, X], [RecordState.Free, RecordState.Free], [X, RecordState.PubRelSend], [X, X], [RecordState.PublishHeld, RecordState.PublishHeld], [RecordState.PublishResend, RecordState.PublishResend], [RecordState.Queued, RecordState.Queued]]],
  [RecordState.PubRelHeld, [[X, X], [X, X], [X, X], [RecordState.PubRelHeld, RecordState.PubRelHeld], [RecordState.Free, RecordState.Free], [RecordState.PubRelHeld, RecordState.PubRelHeld], [RecordState.PubRelSend, RecordState.PubRelSend], [RecordState.Free, RecordState.Free]]],
];

const name = (s: number): string => (s === X ? 'unexpected' : STATES.find(([, v]) => v === s)?.[0] ?? String(s));

test('nextState: every state and event, QoS 1 and 2, as the table says', (t) => {
  t.is(TABLE.length, STATES.length);
  for (const [s, row] of TABLE) {
    for (let e = 0; e < EVENTS.length; e++) {
      for (const qos of [1, 2]) {
        const want = row[e][qos - 1];
        t.is(name(nextState(s, EVENTS[e][1], qos)), name(want), `${name(s)} + ${EVENTS[e][0]} (QoS ${qos})`);
      }
    }
  }
});

test('nextState: a QoS 0 message is only queued; an unknown event is unexpected', (t) => {
  t.is(nextState(RecordState.Queued, RecordEvent.Sent, 0), X);
  t.is(nextState(RecordState.Queued, RecordEvent.Connect, 0), RecordState.Queued);
  t.is(nextState(RecordState.PubAckPending, 99, 1), X);
});

test('a PUBLISH is sent with DUP exactly when it was in flight at a new connection and the session resumed', (t) => {
  for (const qos of [1, 2]) {
    let s = nextState(RecordState.Queued, RecordEvent.Promote, qos);
    t.is(s, RecordState.PublishSend, 'first transmission: no DUP');
    s = nextState(nextState(s, RecordEvent.Sent, qos), RecordEvent.Connect, qos);
    t.is(nextState(s, RecordEvent.Resume, qos), RecordState.PublishResend);
    t.is(nextState(s, RecordEvent.Discard, qos), RecordState.Queued, 'a new message without a session: no DUP');
  }
});
