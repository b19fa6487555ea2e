/* poll() for the lx106 target (link.c): sockets carried over the bridge's FIFO pair. */
#ifndef __LX106_POLL__
#define __LX106_POLL__
#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
typedef unsigned int nfds_t;
struct pollfd { int fd; short events; short revents; };
extern int poll(struct pollfd* fds, nfds_t nfds, int timeout);
#endif
