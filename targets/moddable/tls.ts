// TLS for the socket transport: Moddable's ECMA-419 TLS socket (embedded:io/socket/tcp/tls, its
// own TLS 1.2 in JavaScript: targets/moddable/manifest_tls.json brings it) over a TCP socket that
// turns a TLS failure thrown inside a socket callback (a certificate the CA does not sign, an
// alert from the server) into the socket's onError. Thrown out of the callback it would reach
// the native socket code, where XS aborts: a device restarts.
import TCP from 'embedded:io/socket/tcp';
// @ts-ignore: in an mcconfig build this name maps to Moddable's JavaScript (no declarations there).
import TLSSocket from 'embedded:io/socket/tcp/tls';
import Resource from 'Resource';
import type { SocketConstructor } from './transport.js';

type TcpOptions = ConstructorParameters<typeof TCP>[0];

/** TCP for the TLS socket's `TCP: {io}` option: callbacks that throw report onError instead. */
export class GuardedTCP extends TCP {
  /* cold */
  constructor(options: TcpOptions) {
    const readable = options.onReadable;
    const writable = options.onWritable;
    const error = options.onError;
    const guarded: TcpOptions = {
      ...options,
      onReadable(this: TCP, bytes: number): void {
        try {
          if (readable !== undefined) readable.call(this, bytes);
        } catch (e) {
          trace('xsmqtt: TLS failed: ', String(e), '\n');
          if (error !== undefined) error.call(this);
        }
      },
      onWritable(this: TCP, bytes: number): void {
        try {
          if (writable !== undefined) writable.call(this, bytes);
        } catch (e) {
          trace('xsmqtt: TLS failed: ', String(e), '\n');
          if (error !== undefined) error.call(this);
        }
      },
    };
    super(guarded);
  }
}

/** Moddable's TLS socket class, for SocketTransport's socketClass. */
export const tlsSocketClass = TLSSocket as unknown as SocketConstructor;

/**
 * SocketTransport's extra options for TLS to `host` (the name the server's certificate must
 * carry, as a DNS name or an IP address, and the SNI name): `ca` names a DER certificate among
 * the app's resources that signs the broker's chain; '' trusts the CAs Moddable's TLS carries in
 * its own resources (ca.ski and its ca*.der files). Throws when the resource is missing.
 */
/* cold */
export function tlsOptions(host: string, ca: string): Record<string, unknown> {
  const secure: Record<string, unknown> = {};
  if (ca !== '') {
    if (!Resource.exists(ca)) throw new Error('no resource ' + ca);
    secure.certificate = new Resource(ca);
  }
  return { host, secure, TCP: { io: GuardedTCP } };
}

/** TLS for startSensor's SensorNetwork.tls. */
export const tlsProvider = { socketClass: tlsSocketClass, options: tlsOptions };
