// measureParts in the host XS runtime (its memoryStats global): prints one PART line per result.
import { measureParts } from './parts.js';

/* cold */
export function breakdown(): void {
  const stats = new Float64Array(8);
  measureParts({
    read(out: Float64Array): void {
      gc();
      memoryStats(stats);
      out[0] = stats[0];
      out[1] = stats[1];
    },
    report(name: string, slots: number, chunks: number, per: string): void {
      print('PART ' + JSON.stringify({ name, slots, chunks, per }));
    },
  });
  __xsHost.exit(0);
}
