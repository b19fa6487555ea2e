/* The link between an emulated device and its bridge on the host: frames both ways of kind
   (1 byte), socket (1 byte), length (2 bytes, big endian), payload. The bridge's side is
   src/node/bridge/protocol.ts; host-tests/lx106/link-frames.test.ts checks the two agree. */
#ifndef __LINK_FRAMES__
#define __LINK_FRAMES__

enum {
	kConnect = 0x01,	/* device -> host: open (payload: port u16, IPv4 address 4 bytes) */
	kData = 0x02,		/* device -> host: bytes for the connection */
	kClose = 0x03,		/* device -> host: the device closed the connection */
	kConnected = 0x81,	/* host -> device: the connection is open */
	kDataIn = 0x82,		/* host -> device: bytes from the peer */
	kClosed = 0x83		/* host -> device: the connection is gone (payload: 1 byte, below);
				   exactly one per connection, also in answer to the device's close */
};

enum { kClosedByPeer = 0, kClosedRefused = 1, kClosedCut = 2 };

#define kFrameHeader 4

#endif /* __LINK_FRAMES__ */
