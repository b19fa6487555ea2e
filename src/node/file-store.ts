// A SessionStore in a file, for a session that must survive its process (or the machine):
// positioned reads and writes, each write and erase flushed to the disk (fdatasync) before it
// returns. Once write() has returned, a kill of the process loses nothing (the kernel has the
// bytes); with `sync` (the default) neither does a power cut or a kernel crash, as far as the
// disk honours the flush. Without `sync`, about 100 times faster on a spinning or consumer disk.
import { closeSync, existsSync, fdatasyncSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import type { SessionStore } from '../core/session/session-store.js';

export interface FileStoreOptions {
  /** Region size in bytes (a new file is made this size, erased). */
  size: number;
  /** Erase block, default 4096. */
  blockSize?: number;
  /** fdatasync after each write and erase (default true). */
  sync?: boolean;
}

export class FileSessionStore implements SessionStore {
  readonly size: number;
  readonly blockSize: number;
  readonly sync: boolean;
  private fd: number;
  private erased: Uint8Array;

  constructor(path: string, options: FileStoreOptions) {
    this.blockSize = options.blockSize ?? 4096;
    this.size = Math.ceil(options.size / this.blockSize) * this.blockSize;
    this.sync = options.sync ?? true;
    this.erased = new Uint8Array(this.blockSize).fill(0xff);
    this.fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
    const had = fstatSync(this.fd).size;
    if (had < this.size) {
      // New (or shorter) file: the missing part reads as erased flash.
      for (let at = had; at < this.size; ) {
        const n = Math.min(this.blockSize, this.size - at);
        at += writeSync(this.fd, this.erased, 0, n, at);
      }
      fdatasyncSync(this.fd);
    }
  }

  read(offset: number, into: Uint8Array, length: number): void {
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, into, done, length - done, offset + done);
      if (n <= 0) throw new Error(`session store: short read at ${offset + done}`);
      done += n;
    }
  }

  write(offset: number, bytes: Uint8Array, length: number): void {
    let done = 0;
    while (done < length) done += writeSync(this.fd, bytes, done, length - done, offset + done);
    if (this.sync) fdatasyncSync(this.fd);
  }

  erase(block: number): void {
    writeSync(this.fd, this.erased, 0, this.blockSize, block * this.blockSize);
    if (this.sync) fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
