// Where a session's persistent state is written (see journal.ts): a region of flash, a file,
// battery-backed RAM. Flash-like: a write lands on erased bytes only, erase() works in blocks.

export interface SessionStore {
  /** Bytes in the region. */
  readonly size: number;
  /** The erase unit, in bytes (a flash sector); size is a multiple of it. */
  readonly blockSize: number;
  /** Copies region bytes [offset, offset + length) into into[0, length). Restoring only (may allocate). */
  read(offset: number, into: Uint8Array, length: number): void;
  /**
   * Writes bytes[0, length) at offset, onto erased bytes. Durable when it returns (what that
   * means is the store's to say): the session sends nothing that depends on it before.
   */
  write(offset: number, bytes: Uint8Array, length: number): void;
  /** Erases block number `block`: its bytes read 0xFF. */
  erase(block: number): void;
}
