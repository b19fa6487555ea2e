/* Sockets for the lx106 target: TCP carried over a FIFO pair to the bridge on the host
   (src/node/bridge), with the calls the host runtime's program makes (socket, connect, send,
   recv, ioctl FIONREAD, getsockopt SO_ERROR, poll, close).

   The link is a stream of frames both ways, in link-frames.h.

   poll() waits in select_one time-outs of at most kSliceMs on the FIFO from the host and adds
   each time-out to the emulated clock; with no socket open it has nothing to wait for and
   advances the clock at once. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#include "semihost.h"
#include "link-frames.h"
#include "../xs/xsmqtt_machine.h"

/* kClosing: the device closed a connection the host has not yet confirmed closed; the socket
   number is not reused until the host's closed frame arrives, so that no late frame of the old
   connection reaches a new one. The host sends exactly one closed frame per connection. */
enum { kFree = 0, kIdle, kConnecting, kOpen, kDone, kClosing };

#define kFdBase 0x4000
#define kRingSize 16384
#define kSliceMs 10
#define kFrameMax 4096

typedef struct {
	int state;
	int error;		/* SO_ERROR once a connect failed */
	int eof;		/* the host closed the connection: recv returns 0 once the ring is empty */
	uint8_t* ring;
	int head;
	int count;
} txLinkSocket;

static txLinkSocket gxLink[kSockets];
static char gxLinkDir[200];
static int gxToDevice = -1;
static int gxFromDevice = -1;
static int gxLinkFailed = 0;

static uint8_t gxStage[4096];	/* bytes read from the host, not yet parsed */
static int gxStageCount = 0;
static int gxStagePos = 0;
static uint8_t gxHeader[kFrameHeader];
static int gxHeaderCount = 0;
static int gxBodyLeft = 0;
static uint8_t gxControl[8];
static int gxControlCount = 0;

void lx106_link_configure(const char* dir)
{
	strncpy(gxLinkDir, dir, sizeof(gxLinkDir) - 1);
}

int lx106_link_is_fd(int fd) { return (fd >= kFdBase) && (fd < kFdBase + kSockets); }

static txLinkSocket* lx106_socket(int fd)
{
	if (!lx106_link_is_fd(fd) || (gxLink[fd - kFdBase].state == kFree)) {
		errno = EBADF;
		return NULL;
	}
	return &gxLink[fd - kFdBase];
}

static int lx106_link_open(void)
{
	char path[220];
	int err;
	if (gxToDevice >= 0)
		return 0;
	if (!gxLinkDir[0] || gxLinkFailed) {
		errno = ENETUNREACH;
		return -1;
	}
	/* the bridge holds both FIFOs open read-write, so neither open blocks */
	strcpy(path, gxLinkDir);
	strcat(path, "/to_dev");
	gxToDevice = lx106_simcall(kSysOpen, (int)path, kLinuxRead, 0, &err);
	strcpy(path, gxLinkDir);
	strcat(path, "/from_dev");
	gxFromDevice = lx106_simcall(kSysOpen, (int)path, kLinuxWrite, 0, &err);
	if ((gxToDevice < 0) || (gxFromDevice < 0)) {
		gxLinkFailed = 1;
		errno = ENETUNREACH;
		return -1;
	}
	return 0;
}

static void lx106_link_send(int kind, int h, const uint8_t* data, int length)
{
	uint8_t header[kFrameHeader];
	int err, done = 0, n;
	header[0] = (uint8_t)kind;
	header[1] = (uint8_t)h;
	header[2] = (uint8_t)(length >> 8);
	header[3] = (uint8_t)length;
	lx106_simcall(kSysWrite, gxFromDevice, (int)header, kFrameHeader, &err);
	while (done < length) {
		n = lx106_simcall(kSysWrite, gxFromDevice, (int)(data + done), length - done, &err);
		if (n <= 0)
			break;
		done += n;
	}
}

static void lx106_link_lost(void)
{
	int h;
	for (h = 0; h < kSockets; h++) {
		txLinkSocket* s = &gxLink[h];
		if (s->state == kConnecting)
			s->error = ENETUNREACH, s->state = kDone;
		else if (s->state == kOpen)
			s->eof = 1, s->state = kDone;
		else if (s->state == kClosing)
			s->state = kFree;
	}
	gxLinkFailed = 1;
}

static void lx106_link_control(int kind, int h)
{
	txLinkSocket* s;
	if ((h < 0) || (h >= kSockets))
		return;
	s = &gxLink[h];
	if (kind == kConnected) {
		if (s->state == kConnecting)
			s->state = kOpen;
	}
	else if (kind == kClosed) {
		if (s->state == kConnecting) {
			s->error = ECONNREFUSED;
			s->state = kDone;
		}
		else if (s->state == kOpen) {
			s->eof = 1;
			s->state = kDone;
		}
		else if (s->state == kClosing)
			s->state = kFree;
	}
}

/* Parses staged bytes; returns 0 when a socket's ring is full and parsing must wait. */
static int lx106_link_parse(void)
{
	while (gxStagePos < gxStageCount) {
		if (gxHeaderCount < kFrameHeader) {
			gxHeader[gxHeaderCount++] = gxStage[gxStagePos++];
			if (gxHeaderCount == kFrameHeader) {
				gxBodyLeft = (gxHeader[2] << 8) | gxHeader[3];
				gxControlCount = 0;
				if ((gxHeader[0] != kDataIn) && (gxBodyLeft == 0)) {
					lx106_link_control(gxHeader[0], gxHeader[1]);
					gxHeaderCount = 0;
				}
				else if (gxBodyLeft == 0)
					gxHeaderCount = 0;
			}
			continue;
		}
		if (gxHeader[0] == kDataIn) {
			txLinkSocket* s = (gxHeader[1] < kSockets) ? &gxLink[gxHeader[1]] : NULL;
			int n = gxStageCount - gxStagePos;
			if (n > gxBodyLeft)
				n = gxBodyLeft;
			if (s && (s->state == kOpen) && s->ring) {
				int space = kRingSize - s->count, i;
				if (space == 0)
					return 0;
				if (n > space)
					n = space;
				for (i = 0; i < n; i++)
					s->ring[(s->head + s->count + i) % kRingSize] = gxStage[gxStagePos + i];
				s->count += n;
			}
			gxStagePos += n;
			gxBodyLeft -= n;
		}
		else {
			if (gxControlCount < (int)sizeof(gxControl))
				gxControl[gxControlCount++] = gxStage[gxStagePos];
			gxStagePos++;
			gxBodyLeft--;
		}
		if (gxBodyLeft == 0) {
			if (gxHeader[0] != kDataIn)
				lx106_link_control(gxHeader[0], gxHeader[1]);
			gxHeaderCount = 0;
		}
	}
	return 1;
}

/* Takes in whatever the host has sent, without waiting. */
static void lx106_link_pump(void)
{
	int err, n;
	if (gxToDevice < 0 || gxLinkFailed)
		return;
	for (;;) {
		if (!lx106_link_parse())
			return;
		if (lx106_select(gxToDevice, kSelectRead, 0) <= 0)
			return;
		n = lx106_simcall(kSysRead, gxToDevice, (int)gxStage, sizeof(gxStage), &err);
		if (n <= 0) {
			lx106_link_lost();
			return;
		}
		gxStageCount = n;
		gxStagePos = 0;
	}
}

int socket(int domain, int type, int protocol)
{
	int h;
	if (type != SOCK_STREAM) {
		errno = EINVAL;
		return -1;
	}
	for (h = 0; h < kSockets; h++)
		if (gxLink[h].state == kFree)
			break;
	if (h == kSockets) {
		errno = EMFILE;
		return -1;
	}
	gxLink[h].state = kIdle;
	gxLink[h].error = 0;
	gxLink[h].eof = 0;
	gxLink[h].head = 0;
	gxLink[h].count = 0;
	if (!gxLink[h].ring)
		gxLink[h].ring = malloc(kRingSize);
	return kFdBase + h;
}

int connect(int fd, const struct sockaddr* address, socklen_t length)
{
	txLinkSocket* s = lx106_socket(fd);
	const struct sockaddr_in* in = (const struct sockaddr_in*)address;
	uint8_t body[6];
	if (!s)
		return -1;
	if (address->sa_family != AF_INET) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (lx106_link_open() < 0) {
		s->state = kDone;
		s->error = ENETUNREACH;
		return -1;
	}
	body[0] = (uint8_t)(ntohs(in->sin_port) >> 8);
	body[1] = (uint8_t)ntohs(in->sin_port);
	memcpy(body + 2, &in->sin_addr, 4);
	s->state = kConnecting;
	lx106_link_send(kConnect, fd - kFdBase, body, 6);
	errno = EINPROGRESS;
	return -1;
}

ssize_t send(int fd, const void* buffer, size_t count, int flags)
{
	txLinkSocket* s = lx106_socket(fd);
	const uint8_t* p = buffer;
	size_t done = 0;
	if (!s)
		return -1;
	if (s->state != kOpen) {
		errno = (s->state == kConnecting) ? EAGAIN : EPIPE;
		return -1;
	}
	while (done < count) {
		int n = (count - done > kFrameMax) ? kFrameMax : (int)(count - done);
		lx106_link_send(kData, fd - kFdBase, p + done, n);
		done += n;
	}
	return (ssize_t)count;
}

ssize_t recv(int fd, void* buffer, size_t count, int flags)
{
	txLinkSocket* s = lx106_socket(fd);
	uint8_t* p = buffer;
	size_t n;
	if (!s)
		return -1;
	lx106_link_pump();
	if (s->count == 0) {
		if (s->eof || s->state == kDone)
			return 0;
		errno = EAGAIN;
		return -1;
	}
	for (n = 0; (n < count) && s->count; n++) {
		p[n] = s->ring[s->head];
		s->head = (s->head + 1) % kRingSize;
		s->count--;
	}
	return (ssize_t)n;
}

int ioctl(int fd, unsigned long request, ...)
{
	txLinkSocket* s = lx106_socket(fd);
	va_list ap;
	int* out;
	if (!s || (request != FIONREAD)) {
		errno = EINVAL;
		return -1;
	}
	lx106_link_pump();
	va_start(ap, request);
	out = va_arg(ap, int*);
	va_end(ap);
	*out = s->count;
	return 0;
}

int setsockopt(int fd, int level, int name, const void* value, socklen_t length)
{
	return lx106_socket(fd) ? 0 : -1;
}

int getsockopt(int fd, int level, int name, void* value, socklen_t* length)
{
	txLinkSocket* s = lx106_socket(fd);
	if (!s)
		return -1;
	if ((level == SOL_SOCKET) && (name == SO_ERROR)) {
		*(int*)value = s->error;
		s->error = 0;
		*length = sizeof(int);
	}
	return 0;
}

int lx106_link_close(int fd)
{
	txLinkSocket* s = lx106_socket(fd);
	if (!s)
		return -1;
	s->count = 0;
	if (((s->state == kConnecting) || (s->state == kOpen)) && (gxFromDevice >= 0) && !gxLinkFailed) {
		lx106_link_send(kClose, fd - kFdBase, NULL, 0);
		s->state = kClosing;
	}
	else
		s->state = kFree;
	return 0;
}

static short lx106_revents(txLinkSocket* s, short events)
{
	short r = 0;
	switch (s->state) {
	case kConnecting:
		break;
	case kOpen:
		if (s->count)
			r |= POLLIN;
		r |= (events & POLLOUT);
		break;
	case kDone:
		if (s->count)
			r |= POLLIN;
		else if (s->error)
			r |= POLLERR;
		else
			r |= POLLHUP;
		break;
	default:
		break;
	}
	return r;
}

int poll(struct pollfd* fds, nfds_t count, int timeout)
{
	uint64_t start = lx106_now_us();
	for (;;) {
		int ready = 0, waiting = 0, wait;
		nfds_t i;
		lx106_link_pump();
		for (i = 0; i < count; i++) {
			txLinkSocket* s = lx106_socket(fds[i].fd);
			fds[i].revents = s ? lx106_revents(s, fds[i].events) : POLLNVAL;
			if (fds[i].revents)
				ready++;
			if (s && ((s->state == kConnecting) || (s->state == kOpen)))
				waiting = 1;
		}
		if (ready || (timeout == 0))
			return ready;
		if (timeout < 0)
			wait = kSliceMs;
		else {
			int elapsed = (int)((lx106_now_us() - start) / 1000);
			if (elapsed >= timeout)
				return 0;
			wait = timeout - elapsed;
		}
		if (!waiting || gxToDevice < 0 || gxLinkFailed) {
			if (timeout < 0)
				return 0;	/* nothing can ever arrive */
			lx106_sleep_ms(wait);
			continue;
		}
		if (wait > kSliceMs)
			wait = kSliceMs;
		if (lx106_select(gxToDevice, kSelectRead, wait) == 0)
			lx106_slept_ms(wait);
	}
}
