// What a fuzz target is, and the checks every target shares.
import { isReasonCodeFor, PacketType } from '../../src/core/codec/index.js';

export interface FuzzTarget {
  name: string;
  /** A script is measured when its URL contains one of these (the modules under test). */
  modules: string[];
  /** Leading bytes that select options rather than carry protocol bytes. */
  optionBytes: number;
  maxLen: number;
  seeds(): Uint8Array[];
  /** Runs one input; throws a PropertyViolation (or anything) on a finding. */
  run(input: Uint8Array): void | Promise<void>;
}

/** A property the code under test broke (as opposed to an exception it threw). */
export class PropertyViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PropertyViolation';
  }
}

export function check(ok: boolean, message: string): void {
  if (!ok) throw new PropertyViolation(message);
}

/** A refusal's reason code: one a DISCONNECT or CONNACK may carry, 0x80 or above (MQTT 5 section 2.4). */
export function isRefusalCode(code: number): boolean {
  return code >= 0x80 && code <= 0xff && (isReasonCodeFor(code, PacketType.Disconnect) || isReasonCodeFor(code, PacketType.Connack));
}

export function checkResult(rc: number, what: string): void {
  check(Number.isInteger(rc), `${what} returned ${String(rc)}`);
  if (rc < 0) check(isRefusalCode(-rc), `${what} returned -0x${(-rc).toString(16)}, not a reason code`);
}

/** The option byte's value in [0, n): inputs shorter than the option bytes use 0. */
export function option(input: Uint8Array, i: number, n: number): number {
  return i < input.length ? input[i] % n : 0;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
