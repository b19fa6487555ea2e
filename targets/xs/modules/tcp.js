// specifier: embedded:io/socket/tcp
// ECMA-419 TCP socket on the host XS runtime, with the semantics of Moddable's lwIP version:
// onWritable(count) once connected and whenever sent data leaves the send buffer;
// onReadable(count) when data arrives; read(buffer) reads exactly buffer.byteLength bytes (more
// than available throws); read() / read(count) allocate an ArrayBuffer; write(buffer) throws
// "would block" when it does not fit and returns the space left; onError() once the peer
// closes or the connection fails, after the received data has been read.
const host = globalThis.__xsHost;
const sockets = [];
for (let i = 0; i < 16; i++) sockets.push(undefined);

class TCP {
  #handle;
  #onReadable;
  #onWritable;
  #onError;
  constructor(options) {
    if (options.from !== undefined) throw new Error('from: not supported by the host runtime');
    if (options.format !== undefined && options.format !== 'buffer') throw new RangeError('unimplemented');
    this.#onReadable = options.onReadable;
    this.#onWritable = options.onWritable;
    this.#onError = options.onError;
    if (options.target !== undefined) this.target = options.target;
    this.#handle = host.tcpConnect(options.address, options.port);
    sockets[this.#handle] = this;
  }
  get format() { return 'buffer'; }
  set format(value) { if (value !== 'buffer') throw new RangeError('unimplemented'); }
  read(what) {
    return host.tcpRead(this.#handle, what);
  }
  write(buffer) {
    return host.tcpWrite(this.#handle, buffer);
  }
  close() {
    const h = this.#handle;
    if (h < 0) return;
    this.#handle = -1;
    sockets[h] = undefined;
    host.tcpClose(h);
  }
  static dispatch(h, kind, count) {
    const socket = sockets[h];
    if (socket === undefined) return;
    socket.#event(kind, count);
  }
  #event(kind, count) {
    if (kind === 1) { if (this.#onReadable) this.#onReadable.call(this, count); }
    else if (kind === 2) { if (this.#onWritable) this.#onWritable.call(this, count); }
    else if (this.#onError) this.#onError.call(this);
  }
}

host.setSockets(TCP.dispatch);
export default TCP;
