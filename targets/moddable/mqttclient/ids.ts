// The ECMA-419 drop-in's packet ids as the application knows them: onControl reports the id the
// application gave (or its counter's), while the session gives the ids on the wire. Kept per
// message awaiting acknowledgement (by session handle) and per SUBSCRIBE / UNSUBSCRIBE (by its
// wire id); fixed tables.
export class AppIds {
  /** Outbound messages awaiting acknowledgement: session handle (0: free), the application's id, QoS. */
  private handles: Float64Array;
  private ids: Uint16Array;
  private qos: Uint8Array;
  /** SUBSCRIBE / UNSUBSCRIBE: the session's packet id (0: free) and the application's. */
  private reqWire: Uint16Array;
  private reqApp: Uint16Array;

  /* cold */
  constructor(messages: number, requests: number) {
    this.handles = new Float64Array(messages);
    this.ids = new Uint16Array(messages);
    this.qos = new Uint8Array(messages);
    this.reqWire = new Uint16Array(requests);
    this.reqApp = new Uint16Array(requests);
  }

  /** A QoS 1/2 message published: its handle with the application's id. */
  remember(handle: number, id: number, qos: number): void {
    if (qos === 0) return;
    const hs = this.handles;
    for (let i = 0; i < hs.length; i++) {
      if (hs[i] === 0) {
        hs[i] = handle;
        this.ids[i] = id;
        this.qos[i] = qos;
        return;
      }
    }
  }

  /** The entry of a message, or -1. */
  find(handle: number): number {
    const hs = this.handles;
    for (let i = 0; i < hs.length; i++) if (hs[i] === handle) return i;
    return -1;
  }

  idAt(i: number): number {
    return this.ids[i];
  }

  qosAt(i: number): number {
    return this.qos[i];
  }

  free(i: number): void {
    this.handles[i] = 0;
  }

  /** A request sent with this wire id for the application's id. */
  request(wire: number, id: number): void {
    for (let i = 0; i < this.reqWire.length; i++) {
      if (this.reqWire[i] === 0 || this.reqWire[i] === wire) {
        this.reqWire[i] = wire;
        this.reqApp[i] = id;
        return;
      }
    }
  }

  /** The application's id of the request acknowledged with this wire id (the entry freed), or the wire id. */
  answered(wire: number): number {
    for (let i = 0; i < this.reqWire.length; i++) {
      if (this.reqWire[i] === wire) {
        this.reqWire[i] = 0;
        return this.reqApp[i];
      }
    }
    return wire;
  }
}
