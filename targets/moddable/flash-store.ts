// A SessionStore in a flash partition, through Moddable's `flash` module (ESP32: a data
// partition of partitions.csv; ESP8266: "storage", the SPIFFS area): the journal's region is
// [offset, offset + size) of it, whole blocks. A write is durable when Flash.write returns (the
// SPI flash is programmed synchronously). Writing and erasing allocate nothing; read() does,
// through Flash.read (restoring only).
import Flash from 'flash';
import type { SessionStore } from '../../src/core/session/session-store.js';

export class FlashSessionStore implements SessionStore {
  flash: Flash;
  size: number;
  blockSize: number;
  /** The region's first byte in the partition (a block boundary). */
  offset: number;

  /** size -1: from offset to the end of the partition. */
  constructor(partition: string, offset: number = 0, size: number = -1) {
    const flash = new Flash(partition);
    const block = flash.blockSize;
    if (offset % block !== 0) throw new RangeError('flash store offset must be a block boundary');
    const room = flash.byteLength - offset;
    const want = size < 0 ? room : size;
    if (want > room) throw new RangeError('flash store larger than its partition');
    this.flash = flash;
    this.blockSize = block;
    this.size = want - (want % block);
    this.offset = offset;
  }

  read(offset: number, into: Uint8Array, length: number): void {
    const bytes = new Uint8Array(this.flash.read(this.offset + offset, length) as ArrayBuffer);
    for (let i = 0; i < length; i++) into[i] = bytes[i];
  }

  write(offset: number, bytes: Uint8Array, length: number): void {
    this.flash.write(this.offset + offset, length, bytes);
  }

  erase(block: number): void {
    this.flash.erase(this.offset / this.blockSize + block);
  }
}
