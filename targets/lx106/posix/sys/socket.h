/* The socket calls of the lx106 target (link.c): TCP over the bridge's FIFO pair. */
#ifndef __LX106_SYS_SOCKET__
#define __LX106_SYS_SOCKET__
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
typedef uint32_t socklen_t;
typedef uint16_t sa_family_t;
struct sockaddr { sa_family_t sa_family; char sa_data[14]; };
struct sockaddr_storage { sa_family_t ss_family; char ss_data[126]; };
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOL_SOCKET 1
#define SO_ERROR 4
#define MSG_DONTWAIT 0x40
#define MSG_NOSIGNAL 0x4000
extern int socket(int domain, int type, int protocol);
extern int connect(int fd, const struct sockaddr* addr, socklen_t len);
extern ssize_t send(int fd, const void* buf, size_t len, int flags);
extern ssize_t recv(int fd, void* buf, size_t len, int flags);
extern int setsockopt(int fd, int level, int name, const void* value, socklen_t len);
extern int getsockopt(int fd, int level, int name, void* value, socklen_t* len);
#endif
