// Received chunks held until the driver reads them: a socket hands over Buffers of its own
// sizes, the driver reads into the session's receive space, which is rarely the same size.
export class ChunkQueue {
  private chunks: Uint8Array[] = [];
  /** Bytes of the first chunk already read. */
  private head = 0;
  /** Bytes held. */
  bytes = 0;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.bytes = 0;
  }

  /** Copies up to len bytes into buf at off: the count. */
  read(buf: Uint8Array, off: number, len: number): number {
    let n = 0;
    const q = this.chunks;
    while (n < len && q.length > 0) {
      const first = q[0];
      const avail = first.length - this.head;
      const take = avail < len - n ? avail : len - n;
      if (take === first.length) buf.set(first, off + n);
      else buf.set(first.subarray(this.head, this.head + take), off + n);
      n += take;
      if (take === avail) {
        q.shift();
        this.head = 0;
      } else {
        this.head += take;
      }
    }
    this.bytes -= n;
    return n;
  }
}
