// A SessionStore in RAM: for tests, and for memory that outlives a reset (RTC or
// battery-backed RAM). Writes only clear bits, as on NOR flash, so code that writes over
// unerased bytes is caught.
import { SessionStore } from './session-store.js';

export class RamStore implements SessionStore {
  bytes: Uint8Array;
  size: number;
  blockSize: number;

  constructor(size: number, blockSize: number) {
    this.bytes = new Uint8Array(size);
    this.bytes.fill(0xff);
    this.size = size;
    this.blockSize = blockSize;
  }

  read(offset: number, into: Uint8Array, length: number): void {
    const b = this.bytes;
    for (let i = 0; i < length; i++) into[i] = b[offset + i];
  }

  write(offset: number, bytes: Uint8Array, length: number): void {
    const b = this.bytes;
    for (let i = 0; i < length; i++) b[offset + i] &= bytes[i];
  }

  erase(block: number): void {
    const at = block * this.blockSize;
    const b = this.bytes;
    for (let i = 0; i < this.blockSize; i++) b[at + i] = 0xff;
  }
}
