// specifier: embedded:io/socket/tcp
// ECMA-419 TCP socket on the host XS runtime, with the semantics of Moddable's lwIP version:
// onWritable(count) once connected and whenever sent data leaves the send buffer;
// onReadable(count) when data arrives; read(buffer) reads exactly buffer.byteLength bytes (more
// than available throws); read() / read(count) allocate an ArrayBuffer; write(buffer) throws
// "would block" when it does not fit and returns the space left; onError() once the peer
// closes or the connection fails, after the received data has been read.
const host = globalThis.__xsHost;
// Entry 4h is the socket of handle h, 4h+1..4h+3 its onReadable, onWritable, onError: the host
// calls them itself, with the socket as `this`, as a device's socket does.
const table = [];
for (let i = 0; i < 16 * 4; i++) table.push(undefined);

class TCP {
  #handle;
  constructor(options) {
    if (options.from !== undefined) throw new Error('from: not supported by the host runtime');
    if (options.format !== undefined && options.format !== 'buffer') throw new RangeError('unimplemented');
    if (options.target !== undefined) this.target = options.target;
    const h = host.tcpConnect(options.address, options.port);
    this.#handle = h;
    table[4 * h] = this;
    table[4 * h + 1] = options.onReadable;
    table[4 * h + 2] = options.onWritable;
    table[4 * h + 3] = options.onError;
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
    for (let i = 0; i < 4; i++) table[4 * h + i] = undefined;
    host.tcpClose(h);
  }
}

host.setSockets(table);
export default TCP;
