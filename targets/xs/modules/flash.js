// specifier: flash
// Moddable's `flash` module on the host XS runtime: a partition is a file given with
// `--flash name=path`; blocks of 4096 bytes; write() only clears bits, as NOR flash does;
// read() allocates an ArrayBuffer, write() and erase() allocate nothing.
const host = globalThis.__xsHost;

export default class Flash {
  #handle;
  constructor(partition) {
    this.#handle = host.flashOpen(partition);
  }
  erase(block) {
    host.flashErase(this.#handle, block);
  }
  read(offset, byteLength) {
    return host.flashRead(this.#handle, offset, byteLength);
  }
  write(offset, byteLength, buffer) {
    host.flashWrite(this.#handle, offset, byteLength, buffer);
  }
  map() {
    throw new Error('unsupported');
  }
  get byteLength() {
    return host.flashSize(this.#handle);
  }
  get blockSize() {
    return 4096;
  }
}
