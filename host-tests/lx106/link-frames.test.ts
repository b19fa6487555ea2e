// The link's frame table is written twice, in C for the device (targets/lx106/link-frames.h)
// and in TypeScript for the bridge (src/node/bridge/protocol.ts): the two must agree.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ClosedReason, FRAME_HEADER, FrameKind } from '../../src/node/bridge/protocol.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const header = readFileSync(`${ROOT}targets/lx106/link-frames.h`, 'utf8');

/** `kName = value` and `#define kName value` pairs of the C header. */
function constants(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/\b(k[A-Za-z]+)\s*(?:=|\s)\s*(0x[0-9a-fA-F]+|\d+)\b/g)) out.set(m[1], Number(m[2]));
  return out;
}

test('the device and the bridge share one frame table', (t) => {
  const c = constants(header);
  const ts: [string, number][] = [
    ['kConnect', FrameKind.Connect], ['kData', FrameKind.Data], ['kClose', FrameKind.Close],
    ['kConnected', FrameKind.Connected], ['kDataIn', FrameKind.DataIn], ['kClosed', FrameKind.Closed],
    ['kClosedByPeer', ClosedReason.PeerClosed], ['kClosedRefused', ClosedReason.Refused], ['kClosedCut', ClosedReason.Cut],
    ['kFrameHeader', FRAME_HEADER],
  ];
  for (const [name, value] of ts) t.is(c.get(name), value, name);
  t.is(c.size, ts.length, 'every constant of the header is checked');
});

test('link.c takes its frame kinds and socket count from the shared headers', (t) => {
  const link = readFileSync(`${ROOT}targets/lx106/link.c`, 'utf8');
  t.regex(link, /#include "link-frames.h"/);
  t.regex(link, /#include "..\/xs\/xsmqtt_machine.h"/);
  t.notRegex(link, /#define kSockets|#define kLinkSockets|kConnect\s*=/);
  t.notRegex(readFileSync(`${ROOT}targets/xs/main.c`, 'utf8'), /#define kSockets/);
});
