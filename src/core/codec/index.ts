// The codec's public surface.
export * from './constants.js';
export { Chunk, Packet } from './packet.js';
export { Properties, PropType, PROPERTY_TYPE, PROPERTY_PACKETS, PROPERTY_IDS, WILL_PROPERTIES } from './properties.js';
export { Reader } from './reader.js';
export { Framer } from './framer.js';
export { decodePacket, decodeBody, encodePacket } from './codec.js';
export { checkFixedHeader } from './header.js';
export { decodeServerPacket, decodeServerBody, encodeClientPacket } from './client.js';
export { decodeClientPacket, decodeClientBody, encodeServerPacket } from './server.js';
export { encodePublishHeader } from './publish.js';
export { connackReturnCodeV3 } from './connack-encode.js';
export { isReasonCodeFor } from './reason-codes.js';
export { validateUtf8, utf8Length, encodeUtf8, decodeUtf8 } from './utf8.js';
export { readVarint, writeVarint, varintSize, NEED_MORE } from './varint.js';
