// What the server allows on the current connection: its MQTT 5 CONNACK properties that bind
// the client, or the protocol's defaults where it sent none (and always in MQTT 3.1.1). One
// record, reset when a connection is made and filled from CONNACK, so no limit outlives its
// connection.
import { MAX_VARINT, PropertyId } from '../codec/constants.js';
import { Properties } from '../codec/properties.js';

export class ServerLimits {
  /** Keep alive in effect: the server's Server Keep Alive when sent (MQTT-3.2.2-21), else the client's. */
  keepAlive: number;
  receiveMaximum: number;
  maximumPacketSize: number;
  maximumQos: number;
  retainAvailable: boolean;
  wildcardAvailable: boolean;
  sharedAvailable: boolean;
  subscriptionIdsAvailable: boolean;
  /** Session Expiry Interval in effect: the server's CONNACK value when it sent one, else the client's. */
  sessionExpiry: number;

  constructor(keepAlive: number, sessionExpiry: number) {
    this.keepAlive = 0;
    this.receiveMaximum = 0;
    this.maximumPacketSize = 0;
    this.maximumQos = 0;
    this.retainAvailable = false;
    this.wildcardAvailable = false;
    this.sharedAvailable = false;
    this.subscriptionIdsAvailable = false;
    this.sessionExpiry = 0;
    this.reset(keepAlive, sessionExpiry);
  }

  /** A new connection: nothing said yet, the protocol's defaults and the client's own values. */
  reset(keepAlive: number, sessionExpiry: number): void {
    this.keepAlive = keepAlive;
    this.receiveMaximum = 65535;
    this.maximumPacketSize = MAX_VARINT + 5;
    this.maximumQos = 2;
    this.retainAvailable = true;
    this.wildcardAvailable = true;
    this.sharedAvailable = true;
    this.subscriptionIdsAvailable = true;
    this.sessionExpiry = sessionExpiry;
  }

  /** An MQTT 5 CONNACK's properties: each one sent replaces its default. */
  applyConnack(pr: Properties): void {
    if (pr.has(PropertyId.ServerKeepAlive)) this.keepAlive = pr.get(PropertyId.ServerKeepAlive);
    if (pr.has(PropertyId.ReceiveMaximum)) this.receiveMaximum = pr.get(PropertyId.ReceiveMaximum);
    if (pr.has(PropertyId.MaximumPacketSize)) this.maximumPacketSize = pr.get(PropertyId.MaximumPacketSize);
    if (pr.has(PropertyId.MaximumQos)) this.maximumQos = pr.get(PropertyId.MaximumQos);
    if (pr.has(PropertyId.RetainAvailable)) this.retainAvailable = pr.get(PropertyId.RetainAvailable) === 1;
    if (pr.has(PropertyId.WildcardSubscriptionAvailable)) this.wildcardAvailable = pr.get(PropertyId.WildcardSubscriptionAvailable) === 1;
    if (pr.has(PropertyId.SharedSubscriptionAvailable)) this.sharedAvailable = pr.get(PropertyId.SharedSubscriptionAvailable) === 1;
    if (pr.has(PropertyId.SubscriptionIdentifierAvailable)) this.subscriptionIdsAvailable = pr.get(PropertyId.SubscriptionIdentifierAvailable) === 1;
    if (pr.has(PropertyId.SessionExpiryInterval)) this.sessionExpiry = pr.get(PropertyId.SessionExpiryInterval);
  }
}
