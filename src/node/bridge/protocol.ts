// The link between an emulated device (targets/lx106/link.c) and its bridge: frames over a
// FIFO pair, both ways: kind (1 byte), socket (1 byte), length (2 bytes, big endian), payload.

export const enum FrameKind {
  /** device -> host: open a TCP connection (payload: port u16, IPv4 address 4 bytes) */
  Connect = 0x01,
  /** device -> host: bytes for the connection */
  Data = 0x02,
  /** device -> host: the device closed the connection */
  Close = 0x03,
  /** host -> device: the connection is open */
  Connected = 0x81,
  /** host -> device: bytes received from the peer */
  DataIn = 0x82,
  /** host -> device: the connection is gone (payload: ClosedReason); exactly one per connection,
   *  also in answer to the device's Close, after which the device may reuse the socket number */
  Closed = 0x83,
}

export const enum ClosedReason {
  PeerClosed = 0,
  Refused = 1,
  Cut = 2,
}

export const FRAME_HEADER = 4;
export const FRAME_MAX_PAYLOAD = 0xffff;

/** One frame's header and payload (the payload is a view into the reader's buffer). */
export interface Frame {
  kind: number;
  socket: number;
  payload: Buffer;
}

/** Encodes one frame. */
export function encodeFrame(kind: number, socket: number, payload?: Uint8Array): Buffer {
  const length = payload ? payload.length : 0;
  if (length > FRAME_MAX_PAYLOAD) throw new RangeError('frame payload too long');
  const out = Buffer.allocUnsafe(FRAME_HEADER + length);
  out[0] = kind;
  out[1] = socket;
  out.writeUInt16BE(length, 2);
  if (payload) out.set(payload, FRAME_HEADER);
  return out;
}

/** Splits a byte stream into frames, whatever the chunking. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Frame[] = [];
    let off = 0;
    while (this.pending.length - off >= FRAME_HEADER) {
      const length = this.pending.readUInt16BE(off + 2);
      if (this.pending.length - off < FRAME_HEADER + length) break;
      frames.push({
        kind: this.pending[off],
        socket: this.pending[off + 1],
        payload: this.pending.subarray(off + FRAME_HEADER, off + FRAME_HEADER + length),
      });
      off += FRAME_HEADER + length;
    }
    this.pending = this.pending.subarray(off);
    return frames;
  }
}

/** The address a Connect frame asks for. */
export function decodeConnect(payload: Buffer): { host: string; port: number } {
  if (payload.length < 6) throw new RangeError('short connect frame');
  return { port: payload.readUInt16BE(0), host: `${payload[2]}.${payload[3]}.${payload[4]}.${payload[5]}` };
}
