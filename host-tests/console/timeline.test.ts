// Client timelines stay within their budget: a client's last records, and the clients seen
// longest ago forgotten first when the total passes it.
import test from 'ava';
import { Timelines } from '../../src/console/timeline.js';

const rec = (client: string, n: number) => ({ t: '', client, dir: 'in' as const, type: 'PUBLISH', id: n });

test('a client keeps its last records; past the total the oldest client goes whole', (t) => {
  const tl = new Timelines(3, 7);
  for (let n = 1; n <= 5; n++) tl.add(rec('a', n));
  t.deepEqual(tl.of('a').map((r) => r.id), [3, 4, 5]);
  for (let n = 1; n <= 3; n++) tl.add(rec('b', n));
  t.deepEqual(tl.clients(), ['a', 'b']);
  tl.add(rec('c', 1));
  tl.add(rec('c', 2));
  t.deepEqual(tl.clients(), ['b', 'c']);
  t.deepEqual(tl.of('a'), []);
  t.deepEqual(tl.clients(1), ['c']);
});
