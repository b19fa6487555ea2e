// Every fuzz target, by name, loaded on demand: a worker loads only its own target's code
// (V8's coverage takes cost more with every function compiled).
import type { FuzzTarget } from '../target.js';

export const TARGETS: Record<string, () => Promise<FuzzTarget>> = {
  'client-decoder': async () => (await import('./decoders.js')).clientDecoder(),
  'server-decoder': async () => (await import('./decoders.js')).serverDecoder(),
  framer: async () => (await import('./framer.js')).framer(),
  session: async () => (await import('./session.js')).session(),
  broker: async () => (await import('./broker.js')).broker(),
};

export const TARGET_NAMES = Object.keys(TARGETS);
