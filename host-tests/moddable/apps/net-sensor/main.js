// The sensor app with host names and TLS, for host-tests/moddable/device-net.test.ts: the
// example sensor (targets/moddable/sensor) given the resolver and TLS modules; the broker, its
// port, TLS, the CA resource, the credentials and the DNS servers come from mc/config.
// JavaScript: the Node build (tsconfig.json) takes every .ts under host-tests.
import config from 'mc/config';
import UDP from 'embedded:io/socket/udp';
import { startSensor } from 'targets/moddable/sensor';
import UdpResolver from 'embedded:network/dns/resolver/udp';
import { tlsProvider } from 'targets/moddable/tls';

export default function main() {
  trace('net-sensor: start\n');
  startSensor(config, 'lin', 5, 1000, null, { dns: { io: UdpResolver, socket: { io: UDP } }, tls: tlsProvider });
}
